"""Faults under a running load, with the production layout as real processes on PostgreSQL.

Specialists, heads of unit, the leader and the clerk keep drafting, reviewing, signing and issuing
documents to two units while, one after the other: a gunicorn worker is killed (-9) in the middle of
issuance; the rq worker running a signing batch is killed (-9); Redis is killed (-9) and started again
empty; PostgreSQL is stopped (immediate: no checkpoint, like a crash) and started again. A supervisor
restarts processes that exit, as compose's `restart: unless-stopped` does. Afterwards: no number used
twice or skipped, every document signed exactly once, every delivery delivered, every request answered
2xx persisted, the audit trail complete; the recovery time of each fault is printed (and written to
$FAULT_REPORT as JSON when set).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from redis import Redis
from rq import Worker

from congvan.demo_day import PASSWORD
from signing.inspection import signature_count
from tests.support import processes
from tests.support.network import STNMT, Instance, make_instance, wait_for

pytestmark = pytest.mark.integration

UNITS = ["Phòng Quản lý đất đai", "Trung tâm Công nghệ Thông tin Tài nguyên và Môi trường"]
PATH = ["drafting", "in_review", "awaiting_signature", "signed", "issued", "dispatched"]
STEPS = [("submit", "chuyenvien", "in_review"), ("approve", "truongphong", "awaiting_signature")]
# The load's documents are signed one by one by the deputy; the director signs the batch of the test.
SIGN, ISSUE = ("sign", "phogiamdoc", "signed"), ("issue", "vanthu", "dispatched")


@dataclass
class Answer:
    """One request of the load and how it was answered (status 0: no answer, the connection broke)."""

    op: str
    document_id: int | None
    status: int
    body: Any
    at: float


@dataclass
class Plant:
    """The processes of one congvan installation, restarted when they exit (like compose)."""

    instance: Instance
    postgres: processes.PostgresServer
    redis: processes.RedisServer
    dsn: str
    files: Path
    commands: dict[str, list[str]]
    running: dict[str, Any] = field(default_factory=dict)
    restarts: list[tuple[str, float]] = field(default_factory=list)
    supervising: threading.Event = field(default_factory=threading.Event)

    def start(self, name: str) -> None:
        """Start one of the processes."""
        log = self.instance.logs / f"{name}.log"
        self.running[name] = processes.start_congvan(self.commands[name], self.instance.env, log)

    def supervise(self) -> None:
        """Start every process, then restart any that exits (half a second later), until told to stop."""
        for name in self.commands:
            self.start(name)
        processes.wait_for_port(self.instance.port)
        self.supervising.set()

        def loop() -> None:
            while self.supervising.is_set():
                for name, process in list(self.running.items()):
                    if process.poll() is not None:
                        time.sleep(0.5)
                        self.restarts.append((name, time.monotonic()))
                        self.start(name)
                time.sleep(0.2)

        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        """Stop supervising and stop every process."""
        self.supervising.clear()
        time.sleep(0.5)
        processes.stop_all(list(self.running.values()))

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a query straight from PostgreSQL."""
        with psycopg.connect(self.dsn) as conn:
            return list(conn.execute(sql, params).fetchall())


class Load:
    """People at work: each thread drives documents from draft to issue, retrying what was not answered."""

    def __init__(self, instance: Instance, threads: int = 3) -> None:
        self.instance = instance
        self.threads = threads
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.running: list[threading.Thread] = []
        directory = instance.ok("chuyenvien", "GET", "/api/v1/directory")
        self.leaders = {p["username"]: p["id"] for p in directory["people"] if "leader" in p["roles"]}
        for user in ("chuyenvien", "truongphong", "giamdoc", "phogiamdoc", "vanthu"):
            instance.token(user)

    def call(self, op: str, user: str, method: str, path: str, json: Any = None, doc: int | None = None) -> Answer:
        """One request, recorded with its answer."""
        try:
            response = requests.request(
                method,
                f"{self.instance.url}{path}",
                json=json,
                headers={"Authorization": f"Bearer {self.instance.tokens[user]}"},
                timeout=60,
            )
            body = response.json() if "json" in response.headers.get("Content-Type", "") else response.text
            answer = Answer(op, doc, response.status_code, body, time.monotonic())
        except requests.RequestException as exc:
            answer = Answer(op, doc, 0, str(exc), time.monotonic())
        with self.lock:
            self.answers.append(answer)
        return answer

    def draft(self, signer: str = "phogiamdoc") -> int | None:
        """A new draft to two units of ours (None if the load stops first)."""
        payload = {
            "doc_type": "cong_van",
            "summary": "đề nghị báo cáo kết quả kiểm kê đất đai",
            "body": "Sở Tài nguyên và Môi trường đề nghị các đơn vị báo cáo trước ngày 30./.",
            "signer_id": self.leaders[signer],
            "kinh_gui": UNITS,
            "noi_nhan": ["Như trên;", "Lưu: VT, VP."],
        }
        while not self.stopping.is_set():
            answer = self.call("create", "chuyenvien", "POST", "/api/v1/documents", payload)
            if answer.status == 201:
                return int(answer.body["id"])
            time.sleep(0.2)
        return None

    def step(self, doc: int, action: str, user: str, target: str) -> bool:
        """Take one step; after a broken answer, find out from the document whether it happened."""
        while not self.stopping.is_set():
            proof = {"password": PASSWORD} if action == "sign" else None
            answer = self.call(action, user, "POST", f"/api/v1/documents/{doc}/actions/{action}", proof, doc=doc)
            if answer.status < 300 and answer.status != 0:
                return True
            if answer.status == 409:
                state = self.call("read", user, "GET", f"/api/v1/documents/{doc}", doc=doc)
                if state.status == 200 and PATH.index(state.body["state"]) >= PATH.index(target):
                    return True  # it was done, only the answer was lost
            time.sleep(0.2)
        return False

    def to_state(self, doc: int, steps: list[tuple[str, str, str]]) -> bool:
        """Take the steps in order."""
        return all(self.step(doc, *s) for s in steps)

    def start(self) -> None:
        """Start the threads."""

        def work() -> None:
            while not self.stopping.is_set():
                doc = self.draft()
                if doc is not None:
                    self.to_state(doc, [*STEPS, SIGN, ISSUE])

        self.running = [threading.Thread(target=work, daemon=True) for _ in range(self.threads)]
        for thread in self.running:
            thread.start()

    def stop(self) -> None:
        """Let every thread finish its request and stop."""
        self.stopping.set()
        for thread in self.running:
            thread.join(timeout=120)


def wait_until(probe: Callable[[], Any], timeout: float, what: str) -> float:
    """When probe() became truthy (monotonic), a probe failing while a service is down counting as not yet."""
    return wait_for(lambda: probe() and time.monotonic(), timeout, what, every=0.1, tolerate=(Exception,))


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory, password_hash: str) -> Iterator[Plant]:
    base = tmp_path_factory.mktemp("faults")
    postgres = processes.PostgresServer(fsync=True)  # durable, as in production: a crash must lose nothing
    redis = processes.RedisServer(base / "redis")
    postgres.start()
    redis.start()
    url = processes.create_database(postgres.url, "congvan")
    instance, _ = make_instance(
        base,
        "plant",
        redis.url,
        password_hash,
        STNMT,
        {
            "CONGVAN_DATABASE_URL": url,
            "CONGVAN_RECONCILE_AFTER_SECONDS": "2",
            "CONGVAN_BATCH_LEASE_SECONDS": "3",
            "CONGVAN_SIGNING_CHUNK": "1",
            "CONGVAN_PREPARE_AHEAD": "false",
        },
    )
    serve = ["serve", "--port", str(instance.port), "--workers", "2", "--threads", "4"]
    commands = {
        "web": serve,
        "worker1": ["worker"],
        "worker2": ["worker"],
        "scheduler": ["scheduler", "--interval", "0.5"],
    }
    files = Path(instance.env["CONGVAN_FILES_DIR"])
    made = Plant(instance, postgres, redis, url.replace("postgresql+psycopg://", "postgresql://"), files, commands)
    made.supervise()
    try:
        yield made
    finally:
        made.stop()
        redis.stop()
        postgres.remove()


def _gunicorn_workers(master: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    return []


def _prepared(load: Load, count: int, steps: list[tuple[str, str, str]], signer: str = "phogiamdoc") -> list[int]:
    docs = [load.draft(signer) for _ in range(count)]
    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(lambda d: load.to_state(d, steps), docs))
    return [d for d in docs if d is not None]


def _cpu_ticks(pid: int) -> int:
    """The CPU time a process has used, in clock ticks (user + system, from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _busy_worker(master: int, ticks: int = 3, timeout: float = 10.0) -> int:
    """The gunicorn worker that has begun working on the requests just sent: the one whose CPU time rose first,
    so the kill lands while its issuances are in flight rather than after a guessed sleep."""
    before = {pid: _cpu_ticks(pid) for pid in _gunicorn_workers(master)}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, start in before.items():
            if _cpu_ticks(pid) - start >= ticks:
                return pid
        time.sleep(0.005)
    raise AssertionError("no gunicorn worker started on the issuances")


def kill_gunicorn_worker_during_issuance(plant: Plant, load: Load) -> float:
    """Issue documents side by side and kill -9 a gunicorn worker while they are in flight."""
    master = plant.running["web"].pid
    for _ in range(3):
        docs = _prepared(load, 8, [*STEPS, SIGN])
        with ThreadPoolExecutor(8) as pool:
            answers = [
                pool.submit(load.call, "issue", "vanthu", "POST", f"/api/v1/documents/{d}/actions/issue", None, d)
                for d in docs
            ]
            victim = _busy_worker(master)
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()
            cut = [f.result() for f in answers if f.result().status == 0]
        recovered = wait_until(
            lambda victim=victim: (
                len(_gunicorn_workers(master)) == 2
                and victim not in _gunicorn_workers(master)
                and requests.get(f"{plant.instance.url}/healthz", timeout=5).status_code == 200
            ),
            60,
            "gunicorn to replace its worker",
        )
        for doc in docs:  # the clerk presses "issue" again where the answer was lost
            assert load.step(doc, *ISSUE)
        if cut:
            return recovered - killed
    raise AssertionError("no issuance was in flight when the worker was killed, three times")


def kill_rq_worker_during_batch(plant: Plant, load: Load) -> float:
    """Confirm a 40-document batch and kill -9 the rq worker signing it."""
    docs = _prepared(load, 40, STEPS, signer="giamdoc")
    batch = load.instance.ok("vanthu", "POST", "/api/v1/signing-batches", {"leader_id": load.leaders["giamdoc"]})
    assert batch["count"] == len(docs)
    load.instance.ok("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD})

    def counts() -> dict[str, int]:
        return dict(load.instance.ok("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}")["counts"])

    wait_until(lambda: counts().get("signed", 0) >= 2, 120, "the first signatures of the batch")
    connection = Redis.from_url(plant.redis.url)

    def signing_worker() -> str | None:
        """The process whose rq worker is running this batch's job right now."""
        for worker in Worker.all(connection=connection):
            job = worker.get_current_job()
            if job is not None and job.func_name == "workflow.signatures.jobs.sign_batch":
                return next((name for name, p in plant.running.items() if p.pid == worker.pid), None)
        return None

    wait_until(signing_worker, 10, "the rq worker running the batch")
    victim = signing_worker()
    assert victim is not None
    os.killpg(plant.running[victim].pid, signal.SIGKILL)  # the worker and anything it started
    killed = time.monotonic()
    assert counts().get("pending", 0) > 0, "the batch finished before the kill; nothing was proved"
    done = wait_until(lambda: counts() == {"signed": len(docs)}, 300, "the batch to be finished by another worker")
    for doc in docs:
        assert load.step(doc, *ISSUE)
    return done - killed


def _undelivered(plant: Plant) -> int:
    return int(plant.query("SELECT count(*) FROM deliveries WHERE transport <> 'delivered'")[0][0])


def kill_redis(plant: Plant, load: Load) -> float:
    """Kill -9 Redis under the load and start it again empty: queued jobs are lost, the database is not."""
    time.sleep(2)
    plant.redis.stop(signal.SIGKILL)
    time.sleep(1.5)
    plant.redis.start()
    restarted = time.monotonic()
    # Recovered when a document issued after the restart and every one issued before have all arrived.
    probe = _prepared(load, 1, [*STEPS, SIGN, ISSUE])[0]
    done = wait_until(
        lambda: (
            plant.query("SELECT count(*) FROM deliveries WHERE document_id = %s AND transport = 'delivered'", probe)[0][
                0
            ]
            == len(UNITS)
            and _undelivered(plant) == 0
        ),
        180,
        "every delivery after Redis came back",
    )
    return done - restarted


def stop_postgres(plant: Plant, load: Load) -> float:
    """Stop PostgreSQL immediately under the load and start it again."""
    time.sleep(2)
    plant.postgres.stop(signal.SIGQUIT)
    stopped = time.monotonic()
    during = wait_until(
        lambda: load.call("probe", "vanthu", "GET", "/api/v1/documents?limit=1").status == 503,
        30,
        "a 503 while the database is down",
    )
    assert during >= stopped
    time.sleep(2)
    plant.postgres.start()
    restarted = time.monotonic()
    done = wait_until(
        lambda: load.call("probe", "vanthu", "GET", "/api/v1/documents?limit=1").status == 200,
        120,
        "answers again after PostgreSQL came back",
    )
    return done - restarted


def test_faults_under_load(plant: Plant) -> None:
    load = Load(plant.instance)
    load.start()
    recovery = {}
    try:
        for fault in (kill_gunicorn_worker_during_issuance, kill_rq_worker_during_batch, kill_redis, stop_postgres):
            recovery[fault.__name__] = round(fault(plant, load), 2)
        time.sleep(3)  # the load goes on after the last fault
    finally:
        load.stop()
    # Quiet: everything the reconciler owes is done.
    wait_until(lambda: _undelivered(plant) == 0, 180, "every delivery to arrive")
    wait_until(
        lambda: (
            plant.query("SELECT count(*) FROM signing_batches WHERE state = 'signing'")[0][0] == 0
            and plant.query("SELECT count(*) FROM outbox WHERE relayed_at IS NULL")[0][0] == 0
        ),
        120,
        "batches and the outbox to be done",
    )
    report = {"recovery_seconds": recovery, "restarts": [name for name, _ in plant.restarts]}
    report["answers"] = {
        "total": len(load.answers),
        "2xx": sum(1 for a in load.answers if 200 <= a.status < 300),
        "503": sum(1 for a in load.answers if a.status == 503),
        "no answer": sum(1 for a in load.answers if a.status == 0),
    }
    print(json.dumps(report, ensure_ascii=False))
    if os.environ.get("FAULT_REPORT"):
        Path(os.environ["FAULT_REPORT"]).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    check_invariants(plant, load)


def check_invariants(plant: Plant, load: Load) -> None:
    """What must hold after every fault."""
    # Never a stack trace: what was answered was answered on purpose.
    assert not [a for a in load.answers if a.status >= 500 and a.status != 503], "a 5xx other than 503"
    # 503: the database was down, or issuance failed after taking a number (voided in the register).
    unavailable = {a.body["error"]["code"] for a in load.answers if a.status == 503}
    assert unavailable <= {"database_unavailable", "issue_failed"}, unavailable

    # Numbers: per register and year 1..last, each once (the unique constraint), none skipped.
    for register, year, numbers, last in plant.query(
        "SELECT e.register_id, e.year, array_agg(e.number ORDER BY e.number), c.last_number FROM register_entries e "
        "JOIN register_counters c ON c.register_id = e.register_id AND c.year = e.year GROUP BY 1, 2, 4"
    ):
        assert numbers == list(range(1, last + 1)), (register, year, numbers, last)

    # Every document signed exactly once; issued ones once more by the agency, with their number.
    rows = plant.query(
        "SELECT d.id, d.state, d.number, "
        "(SELECT count(*) FROM document_versions v WHERE v.document_id = d.id AND v.kind = 'leader_signed'), "
        "(SELECT count(*) FROM document_versions v WHERE v.document_id = d.id AND v.kind = 'issued'), "
        "(SELECT v.sha256 FROM document_versions v WHERE v.document_id = d.id ORDER BY v.seq DESC LIMIT 1), "
        "(SELECT count(*) FROM register_entries e WHERE e.document_id = d.id AND e.status = 'issued') "
        "FROM documents d"
    )
    states = {row[0]: row[1] for row in rows}
    signed = [row for row in rows if PATH.index(row[1]) >= PATH.index("signed")]
    assert len(signed) > 60, "the load did too little to prove anything"
    for doc, state, number, leader_signed, issued, sha256, entries in signed:
        assert leader_signed == 1, (doc, state)
        pdf = (plant.files / sha256[:2] / f"{sha256}.pdf").read_bytes()
        if state == "dispatched":
            assert issued == 1 and entries == 1 and number is not None, doc
            assert signature_count(pdf) == 2, doc
        else:
            assert state == "signed" and issued == 0 and entries == 0, (doc, state)
            assert signature_count(pdf) == 1, doc

    # Every request answered 2xx is in the database.
    for answer in load.answers:
        if not 200 <= answer.status < 300 or answer.op in ("read", "probe"):
            continue
        doc = answer.document_id if answer.op != "create" else int(answer.body["id"])
        assert doc in states, answer
        if answer.op == "issue":
            assert answer.body["result"]["number"] == next(r[2] for r in rows if r[0] == doc)
        target = {"create": "drafting", "submit": "in_review", "approve": "awaiting_signature"}.get(answer.op)
        target = target or {"sign": "signed", "issue": "dispatched"}[answer.op]
        assert PATH.index(states[doc]) >= PATH.index(target), answer

    # Every delivery arrived (the units' inboxes), each status recorded once.
    assert _undelivered(plant) == 0

    # The audit trail: every step of every document, each exactly once.
    expected = {
        "in_review": ["create", "submit"],
        "awaiting_signature": ["create", "submit", "approve"],
        "signed": ["create", "submit", "approve", "signature_applied"],
        "dispatched": ["create", "submit", "approve", "signature_applied", "issue", "dispatch"],
    }
    trail: dict[int, list[str]] = {}
    for doc, action in plant.query(
        "SELECT document_id, action FROM audit_events WHERE document_id IS NOT NULL AND action IN "
        "('create', 'submit', 'approve', 'signature_applied', 'issue', 'dispatch') ORDER BY id"
    ):
        trail.setdefault(doc, []).append(action)
    for doc, state in states.items():
        if state in expected:
            assert trail.get(doc) == expected[state], (doc, state, trail.get(doc))
