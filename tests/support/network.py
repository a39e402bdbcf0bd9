"""Several congvan instances on 127.0.0.1 for the exchange tests: a hub and agencies, each with its
own database, files, keys, Redis database and processes (gunicorn, rq worker, scheduler)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

from congvan import demo
from congvan.cli import upgrade_database
from congvan.demo_day import PASSWORD
from routing.exchange import directory
from tests.support import processes
from workflow import config as config_module
from workflow import runtime

T = TypeVar("T")
KEY_PASSPHRASE = "network-test-passphrase"
STNMT, SNV, STC = "000.00.12.H57", "000.00.09.H57", "000.00.04.H57"

# Quick retries so the tests see backoff, recovery and the final failure within seconds.
FAST_RETRIES = {
    "CONGVAN_RETRY_BASE_SECONDS": "0.2",
    "CONGVAN_RETRY_CAP_SECONDS": "3",
    "CONGVAN_RETRY_MAX_ATTEMPTS": "8",
    "CONGVAN_EXCHANGE_TIMEOUT": "5",
}


def wait_for(
    probe: Callable[[], T | None],
    timeout: float,
    what: str,
    *instances: Instance,
    every: float = 0.2,
    tolerate: tuple[type[Exception], ...] = (),
) -> T:
    """Poll until probe() returns something truthy; return it (on timeout, show the instances' logs). A probe
    raising one of `tolerate` (a server still down, say) counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except tolerate:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n" + "\n".join(log_tail(i) for i in instances))
        time.sleep(every)


@dataclass
class Instance:
    """One congvan instance: its environment, its processes, and an API client for its demo users."""

    name: str
    env: dict[str, str]
    port: int
    logs: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL of the instance."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, web_workers: int = 1, workers: int = 1) -> None:
        """Start gunicorn, rq workers and a fast scheduler."""
        serve = ["serve", "--port", str(self.port), "--workers", str(web_workers), "--threads", "4"]
        self.started = [
            processes.start_congvan(serve, self.env, self.logs / "web.log"),
            *(processes.start_congvan(["worker"], self.env, self.logs / f"worker{n}.log") for n in range(workers)),
            processes.start_congvan(["scheduler", "--interval", "0.3"], self.env, self.logs / "scheduler.log"),
        ]
        processes.wait_for_port(self.port)

    def stop(self) -> None:
        """Stop every process of the instance: all asked at once, and killed after 5 s (a worker's warm shutdown
        or gunicorn's graceful one would otherwise keep a test's teardown waiting for 20 s each)."""
        processes.stop_all(self.started)
        self.started = []

    def token(self, user: str) -> str:
        """An API token for a demo user."""
        if user not in self.tokens:
            response = requests.post(
                f"{self.url}/api/v1/auth/login", json={"username": user, "password": PASSWORD}, timeout=30
            )
            assert response.status_code == 200, response.text
            self.tokens[user] = response.json()["token"]
        return self.tokens[user]

    def call(self, user: str, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        """One API call as a demo user."""
        response = requests.request(
            method, f"{self.url}{path}", json=json, headers={"Authorization": f"Bearer {self.token(user)}"}, timeout=60
        )
        return response.status_code, response.json() if "json" in response.headers.get("Content-Type", "") else None

    def ok(self, user: str, method: str, path: str, json: Any = None) -> Any:
        """One API call that must succeed."""
        status, body = self.call(user, method, path, json)
        # A server error says why in the instance's own log: its tail comes with the failure.
        assert status < 300, (self.name, path, status, body, log_tail(self) if status >= 500 else "")
        return body

    def unit_id(self, code: str) -> int:
        """Id of one of the agency's units by its code."""
        directory = self.ok("vanthu", "GET", "/api/v1/directory")
        ours = next(a for a in directory["agencies"] if a["is_self"])
        return int(next(u["id"] for u in ours["units"] if u["code"] == code))

    def issue(self, drafter: str = "chuyenvien", reviewer: str = "truongphong", **fields: Any) -> dict[str, Any]:
        """A document drafted, reviewed, signed and issued by the demo users; returns it after issuance."""
        directory = self.ok(drafter, "GET", "/api/v1/directory")
        leader = next(p["id"] for p in directory["people"] if p["username"] == "giamdoc")
        payload = {
            "doc_type": "cong_van",
            "summary": "đề nghị phối hợp rà soát hồ sơ đất đai năm 2026",
            "body": "Sở Tài nguyên và Môi trường đề nghị Quý cơ quan phối hợp rà soát./.",
            "signer_id": leader,
            "kinh_gui": ["Sở Nội vụ"],
            "noi_nhan": ["Như trên;", "Phòng Quản lý đất đai (thực hiện);", "Lưu: VT, VP."],
        } | fields
        document = self.ok(drafter, "POST", "/api/v1/documents", payload)
        for action, user in (("submit", drafter), ("approve", reviewer), ("sign", "giamdoc")):
            proof = {"password": PASSWORD} if action == "sign" else None
            self.ok(user, "POST", f"/api/v1/documents/{document['id']}/actions/{action}", proof)
        self.ok("vanthu", "POST", f"/api/v1/documents/{document['id']}/actions/issue")
        return dict(self.ok("vanthu", "GET", f"/api/v1/documents/{document['id']}"))

    def delivery_to(self, document_id: int, organ_id: str) -> dict[str, Any]:
        """The document's delivery to another agency."""
        deliveries = self.ok("vanthu", "GET", f"/api/v1/documents/{document_id}/deliveries")["deliveries"]
        return dict(next(d for d in deliveries if (d["recipient"]["agency"] or {}).get("code") == organ_id))

    def incoming(self, **query: str) -> list[dict[str, Any]]:
        """The incoming documents the clerk sees."""
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        return list(self.ok("vanthu", "GET", f"/api/v1/incoming{suffix}")["incoming"])


def make_instance(
    base: Path,
    name: str,
    redis_url: str,
    password_hash: str,
    agency: str | None,
    env: dict[str, str] | None = None,
) -> tuple[Instance, dict[str, str] | None]:
    """Create an instance's database, demo directory (as `agency`), PKI and images; return it and its identity."""
    workdir = base / name
    (workdir / "logs").mkdir(parents=True)
    settings = {
        "CONGVAN_DATABASE_URL": f"sqlite:///{workdir}/congvan.db",
        "CONGVAN_FILES_DIR": str(workdir / "files"),
        "CONGVAN_KEYS_DIR": str(workdir / "keys"),
        "CONGVAN_KEY_PASSPHRASE": KEY_PASSPHRASE,
        "CONGVAN_REDIS_URL": redis_url,
        "CONGVAN_JOB_MODE": "rq",
        "CONGVAN_SIGNING_PROCESSES": "1",
        **FAST_RETRIES,
        **(env or {}),
    }
    config = config_module.load({k.removeprefix("CONGVAN_"): v for k, v in settings.items()})
    upgrade_database(config.database_url)
    identity = None
    if agency is not None:
        rt = runtime.build(config)
        with rt.sessions() as session, session.begin():
            ours = demo.load_directory(session, password_hash, self_code=agency)
            demo.make_pki(rt, session)
            demo.load_images(rt, session)
            identity = directory.identity(rt, ours)
        rt.close()
    process_env = dict(os.environ) | settings | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return Instance(name, process_env, processes.free_port(), workdir / "logs"), identity


def _runtime(instance: Instance) -> Any:
    settings = {k.removeprefix("CONGVAN_"): v for k, v in instance.env.items() if k.startswith("CONGVAN_")}
    return runtime.build(config_module.load(settings))


def add_peer(instance: Instance, identity: dict[str, str]) -> None:
    """Pin another agency's certificate in an instance's directory (for its packages' XML signatures)."""
    rt = _runtime(instance)
    with rt.sessions() as session, session.begin():
        directory.add_peer(session, identity["organ_id"], identity["name"], identity["certificate"])
    rt.close()


def add_system(hub_instance: Instance, organ_id: str, name: str, system_id: str, secret: str) -> None:
    """Register a system speaking the national exchange's protocol (VXP) at a hub, with the CLI as an operator
    would (the secret from a file)."""
    secret_file = hub_instance.logs / f"{system_id}.secret"
    secret_file.write_text(secret + "\n")
    command = ["hub", "add-system", organ_id, "--name", name, "--system-id", system_id]
    done = subprocess.run(
        [*processes.congvan_command(), *command, "--secret-file", str(secret_file)],
        env=hub_instance.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    secret_file.unlink()


INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop"


def sdk_client(hub_instance: Instance, system_id: str, secret: str, *args: str) -> dict[str, Any]:
    """One call of the national SDK's own client (../shared/interop/vxp) against a hub's /vxp; its answer (the
    SDK's result object) with lower-cased field names."""
    return sdk_call(f"{hub_instance.url}/vxp", system_id, secret, *args)


def sdk_call(url: str, system_id: str, secret: str, *args: str) -> dict[str, Any]:
    """One call of the national SDK's own client against any VXP base URL; its answer, lower-cased names."""
    done = subprocess.run(
        [str(INTEROP / "vxp"), "client", url, system_id, secret, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {name.lower(): value for name, value in answer.items()}


def log_tail(instance: Instance, lines: int = 40) -> str:
    """The end of an instance's logs, for assertion messages."""
    parts = []
    for log in sorted(instance.logs.glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {instance.name}/{log.name}\n" + "\n".join(tail))
    return "\n".join(parts)
