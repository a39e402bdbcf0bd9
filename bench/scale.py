"""A province's load on PostgreSQL: a million documents, the pages people open most, the whole pipeline.

Usage: .venv/bin/python bench/scale.py [--documents 1000000] [--seconds 15] [--connections 2,8]
                                       [--pipeline 60] [--json results.json]

Starts PostgreSQL, redis-server and one congvan instance (gunicorn 2 workers x 4 threads, 2 rq
workers, the scheduler), issues one real document, then loads `--documents` issued documents
(each with its PDF version, register entry, three deliveries with their status and audit events)
with set-based SQL, the way an import from an older system would, and measures:
- with wrk on 127.0.0.1 (2 connections: one request in flight per core, the latency people feel; 8: saturated,
  the most it serves; `--seconds` each; wrk runs on the same 2 cores): p50/p95/p99 latency and
  requests/s of the unit's inbox, a document (random ids over the whole table), search (varied
  words) and the clerk's board; next to each, the same wrk run against a Flask "hello" endpoint
  served by gunicorn with the same workers and threads (the framework's ceiling on this machine);
- EXPLAIN (ANALYZE, BUFFERS) of every SQL statement each of those requests runs, and of the scheduler's
  reconciliation (in bench/results/);
- the pipeline: `--pipeline` drafts created, submitted, approved, signed by the leader in one batch,
  issued by the clerk and delivered to two units, with 2 web and 2 worker processes: documents/minute.
Prints a table; --json writes every figure for the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
import requests
from sqlalchemy import event
from werkzeug.security import generate_password_hash

from congvan.demo_day import PASSWORD
from tests.support import processes
from tests.support.network import STNMT, Instance, make_instance, wait_for
from workflow import audit
from workflow.documents.search import fold

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
# Tables whose size grows with the documents: a sequential scan of one means a request grows with it.
BIG_TABLES = ("documents", "document_versions", "deliveries", "delivery_events", "audit_events", "register_entries")

SUMMARIES = [
    "tiếp tục thực hiện công tác phòng, chống dịch bệnh",
    "đề nghị phối hợp rà soát hồ sơ cấp giấy chứng nhận quyền sử dụng đất",
    "triển khai kế hoạch kiểm kê đất đai, lập bản đồ hiện trạng sử dụng đất",
    "tăng cường quản lý hoạt động khai thác khoáng sản trái phép",
    "báo cáo tình hình thực hiện nhiệm vụ tháng và phương hướng tháng tới",
    "hướng dẫn thu gom, xử lý chất thải rắn sinh hoạt",
    "thông báo lịch tiếp công dân của lãnh đạo Sở",
    "giao chỉ tiêu kế hoạch bảo vệ môi trường",
    "tổ chức tập huấn nghiệp vụ văn thư, lưu trữ",
    "góp ý dự thảo quy định bồi thường, hỗ trợ, tái định cư",
    "cung cấp thông tin quy hoạch sử dụng đất cấp huyện",
    "kiểm tra việc chấp hành pháp luật về tài nguyên nước",
    "phê duyệt phương án cắm mốc giới hành lang bảo vệ nguồn nước",
    "đôn đốc thực hiện chuyển đổi số trong ngành tài nguyên và môi trường",
    "cấp phép xả nước thải vào nguồn nước",
    "khen thưởng tập thể, cá nhân có thành tích xuất sắc",
]
PLACES = [
    "thành phố Tuyên Quang",
    "huyện Yên Sơn",
    "huyện Sơn Dương",
    "huyện Hàm Yên",
    "huyện Chiêm Hóa",
    "huyện Na Hang",
    "huyện Lâm Bình",
    "xã Thái Long",
    "xã Kim Phú",
    "phường Hưng Thành",
    "xã Đội Cấn",
    "xã Tân Trào",
]
BODIES = [
    "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở Tài nguyên và Môi trường đề nghị các đơn vị khẩn trương "
    "triển khai, báo cáo kết quả về Sở trước ngày 25 hằng tháng để tổng hợp./.",
    "Để kịp thời tổng hợp báo cáo, Sở đề nghị Quý cơ quan cung cấp số liệu theo biểu mẫu kèm theo, gửi bản "
    "điện tử qua hệ thống quản lý văn bản và điều hành./.",
    "Giám đốc Sở yêu cầu Thủ trưởng các phòng, đơn vị trực thuộc nghiêm túc thực hiện; trong quá trình thực "
    "hiện có khó khăn, vướng mắc phản ánh về Văn phòng Sở để được hướng dẫn./.",
    "Căn cứ Luật Đất đai và các văn bản hướng dẫn thi hành, Sở thông báo kết quả thẩm định hồ sơ và đề nghị "
    "hoàn thiện theo quy định./.",
]
# (code, name, abbreviation, register code) — mostly công văn, as in a real Sở.
TYPES = [
    ("cong_van", "Công văn", None, "CV"),
    ("cong_van", "Công văn", None, "CV"),
    ("cong_van", "Công văn", None, "CV"),
    ("cong_van", "Công văn", None, "CV"),
    ("cong_van", "Công văn", None, "CV"),
    ("cong_van", "Công văn", None, "CV"),
    ("cong_van", "Công văn", None, "CV"),
    ("quyet_dinh", "Quyết định", "QĐ", "VB"),
    ("ke_hoach", "Kế hoạch", "KH", "VB"),
    ("thong_bao", "Thông báo", "TB", "VB"),
]
DRAFTERS = [("chuyenvien", "VP"), ("chuyenvien_dd", "QLDD"), ("chuyenvien_cntt", "CNTT")]
IN_PROGRESS = 200  # the newest documents are still being drafted or reviewed
WORDS = ["dat dai", "khoang san", "moi truong", "phong chong dich", "van thu luu tru", "tai nguyen nuoc", "son duong"]


# --- loading -------------------------------------------------------------------------------------


def load(dsn: str, count: int, pdf_sha256: str, pdf_size: int) -> dict[str, float]:
    """Insert `count` issued documents with their versions, register entries, deliveries, events and audit."""
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        ids = {row[0]: row[1] for row in conn.execute("SELECT username, id FROM people").fetchall()} | {
            f"unit:{row[0]}": row[1] for row in conn.execute("SELECT code, id FROM units").fetchall()
        }
        ids |= {f"register:{row[0]}": row[1] for row in conn.execute("SELECT code, id FROM registers").fetchall()}
        agency = conn.execute("SELECT id FROM agencies WHERE is_self").fetchone()
        snv = conn.execute("SELECT id FROM agencies WHERE code = '000.00.09.H57'").fetchone()
        assert agency and snv
        base = {
            table: conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("documents", "document_versions", "deliveries")
        }
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET work_mem = '256MB'")
        # Built once after the load, as an import would, rather than row by row.
        conn.execute("DROP INDEX IF EXISTS ix_documents_search_trgm")
        params: dict[str, Any] = {
            "n": count,
            "in_progress": min(IN_PROGRESS, count // 10),
            "doc_base": base["documents"],
            "agency": agency[0],
            "types": [t[0] for t in TYPES],
            "type_names": [t[1] for t in TYPES],
            "type_folded": [fold(t[1]) for t in TYPES],
            "abbrs": [t[2] or "" for t in TYPES],
            "abbrs_folded": [fold(t[2] or "") for t in TYPES],
            "registers": [ids[f"register:{t[3]}"] for t in TYPES],
            "drafters": [ids[d[0]] for d in DRAFTERS],
            "units": [ids[f"unit:{d[1]}"] for d in DRAFTERS],
            "unit_codes": [d[1] for d in DRAFTERS],
            "signers": [ids["giamdoc"], ids["phogiamdoc"]],
            "summaries": SUMMARIES,
            "summaries_folded": [fold(s) for s in SUMMARIES],
            "places": PLACES,
            "places_folded": [fold(p) for p in PLACES],
            "bodies": BODIES,
            "bodies_folded": [fold(b) for b in BODIES],
        }
        conn.execute(
            """
            CREATE TEMP TABLE gen AS
            WITH g AS (
              SELECT i,
                     1 + i %% 10 AS t, 1 + i %% 3 AS d, 1 + i %% 2 AS s, 1 + (i * 7) %% 16 AS m,
                     1 + (i * 13) %% 12 AS p, 1 + (i * 5) %% 4 AS b,
                     now() - interval '730 days' * (1 - i::float8 / %(n)s) AS created_at,
                     i > %(n)s - %(in_progress)s AS open
              FROM generate_series(1, %(n)s) AS i
            ), r AS (
              SELECT g.*, (%(registers)s::int[])[t] AS register_id,
                     extract(year FROM created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::int AS year
              FROM g
            )
            SELECT r.*, %(doc_base)s + i AS id,
                   -- numbers go on from what the register has already given that year
                   CASE WHEN NOT open THEN coalesce(c.last_number, 0)
                     + row_number() OVER (PARTITION BY open, r.register_id, r.year ORDER BY i) END AS number
            FROM r LEFT JOIN register_counters c ON c.register_id = r.register_id AND c.year = r.year
            """,
            params,
        )
        conn.execute(
            """
            INSERT INTO documents (id, agency_id, doc_type, summary, body, urgency, confidentiality,
              drafting_unit_id, drafter_id, signer_id, kinh_gui, noi_nhan, state, number, symbol,
              issued_at, signed_at, search_text, timestamp_due, created_at, updated_at)
            SELECT id, %(agency)s, (%(types)s::text[])[t], summary, (%(bodies)s::text[])[b],
                   CASE WHEN i %% 50 = 0 THEN 'khan' ELSE 'thuong' END, 'thuong',
                   (%(units)s::int[])[d], (%(drafters)s::int[])[d], (%(signers)s::int[])[s],
                   'Các phòng, đơn vị trực thuộc Sở', E'Như trên;\\nSở Nội vụ;\\nLưu: VT.',
                   CASE WHEN NOT open THEN 'dispatched' WHEN i %% 2 = 0 THEN 'in_review' ELSE 'drafting' END,
                   number, symbol,
                   CASE WHEN NOT open THEN created_at + interval '2 hours' END,
                   CASE WHEN NOT open THEN created_at + interval '1 hour' END,
                   concat_ws(' ', symbol_folded, (%(type_folded)s::text[])[t], summary_folded,
                             (%(bodies_folded)s::text[])[b]),
                   false, created_at, created_at + interval '2 hours'
            FROM (
              SELECT gen.*,
                     (%(summaries)s::text[])[m] || ' tại ' || (%(places)s::text[])[p] || ' năm ' || year AS summary,
                     (%(summaries_folded)s::text[])[m] || ' tai ' || (%(places_folded)s::text[])[p] || ' nam '
                       || year AS summary_folded,
                     CASE WHEN number IS NULL THEN NULL
                          WHEN (%(abbrs)s::text[])[t] = '' THEN num || '/STNMT-' || (%(unit_codes)s::text[])[d]
                          ELSE num || '/' || (%(abbrs)s::text[])[t] || '-STNMT' END AS symbol,
                     CASE WHEN number IS NULL THEN NULL
                          WHEN (%(abbrs)s::text[])[t] = '' THEN num || ' stnmt ' || lower((%(unit_codes)s::text[])[d])
                          ELSE num || ' ' || (%(abbrs_folded)s::text[])[t] || ' stnmt' END AS symbol_folded
              FROM (SELECT *, CASE WHEN number < 10 THEN '0' || number ELSE number::text END AS num FROM gen) AS gen
            ) AS rows
            """,
            params,
        )
        documents_done = time.monotonic()
        conn.execute(
            """
            INSERT INTO document_versions (id, document_id, seq, kind, sha256, size, created_by_id, created_at)
            SELECT %(version_base)s + i, id, 1, CASE WHEN open THEN 'rendered' ELSE 'issued' END, %(sha)s, %(size)s,
                   (%(drafters)s::int[])[d], created_at
            FROM gen
            """,
            params | {"version_base": base["document_versions"], "sha": pdf_sha256, "size": pdf_size},
        )
        conn.execute(
            """
            INSERT INTO register_entries (register_id, year, number, symbol, status, document_id, issued_at,
              doc_type, summary, signer_name, recipients, copies, issued_by_id)
            SELECT gen.register_id, gen.year, d.number, d.symbol, 'issued', d.id, d.issued_at,
                   d.doc_type, d.summary, 'Phạm Mạnh Duyệt', d.noi_nhan, 3, %(clerk)s
            FROM gen JOIN documents d ON d.id = gen.id
            WHERE NOT gen.open
            """,
            params | {"clerk": ids["vanthu"]},
        )
        conn.execute(
            """
            INSERT INTO register_counters (register_id, year, last_number)
            SELECT register_id, year, max(number) FROM register_entries GROUP BY register_id, year
            ON CONFLICT (register_id, year) DO UPDATE SET last_number = excluded.last_number
            """
        )
        # Three recipients per issued document: two units of ours and another agency. Old ones are done
        # (06); the newest thousand are still being received, so inboxes have open work.
        conn.execute(
            """
            INSERT INTO deliveries (id, document_id, kind, unit_id, agency_id, label, purpose, channel, transport,
              attempts, status_code, created_at, updated_at)
            SELECT %(delivery_base)s + (gen.i - 1) * 3 + k, gen.id,
                   CASE WHEN k < 3 THEN 'unit' ELSE 'agency' END,
                   CASE k WHEN 1 THEN CASE WHEN gen.i %% 2 = 0 THEN %(qldd)s ELSE %(tnn)s END
                          WHEN 2 THEN %(cntt)s END,
                   CASE WHEN k = 3 THEN %(snv)s END,
                   CASE k WHEN 1 THEN 'Phòng Quản lý đất đai' WHEN 2 THEN 'Trung tâm Công nghệ Thông tin'
                          ELSE 'Sở Nội vụ' END,
                   CASE WHEN k = 1 THEN 'action' ELSE 'info' END,
                   CASE WHEN k < 3 THEN 'internal' ELSE 'edxml' END, 'delivered', 1,
                   CASE WHEN gen.i > %(n)s - %(in_progress)s - 1000 THEN (ARRAY['01', '03', '05'])[1 + gen.i %% 3]
                        ELSE '06' END,
                   gen.created_at + interval '2 hours', gen.created_at + interval '3 hours'
            FROM gen CROSS JOIN generate_series(1, 3) AS k
            WHERE NOT gen.open
            """,
            params
            | {
                "delivery_base": base["deliveries"],
                "qldd": ids["unit:QLDD"],
                "tnn": ids["unit:TNN"],
                "cntt": ids["unit:CNTT"],
                "snv": snv[0],
            },
        )
        conn.execute(
            """
            INSERT INTO delivery_events (delivery_id, code, created_at)
            SELECT id, status_code, updated_at FROM deliveries WHERE id > %(delivery_base)s
            """,
            {"delivery_base": base["deliveries"]},
        )
        conn.execute(
            """
            INSERT INTO audit_events (document_id, actor_id, action, from_state, to_state, detail, created_at)
            SELECT gen.id,
                   CASE k WHEN 1 THEN (%(drafters)s::int[])[gen.d] WHEN 2 THEN (%(signers)s::int[])[gen.s]
                          ELSE %(clerk)s END,
                   (ARRAY['create', 'signature_applied', 'issue'])[k],
                   (ARRAY[NULL, 'awaiting_signature', 'signed'])[k], (ARRAY['drafting', 'signed', 'issued'])[k],
                   '{}', gen.created_at + interval '1 hour' * (k - 1)
            FROM gen CROSS JOIN generate_series(1, 3) AS k
            WHERE NOT gen.open OR k = 1
            """,
            params | {"clerk": ids["vanthu"]},
        )
        for table in ("documents", "document_versions", "deliveries"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        rows_done = time.monotonic()
        sealed = seal_chain(dsn)
        sealed_done = time.monotonic()
        conn.execute("CREATE INDEX ix_documents_search_trgm ON documents USING gin (search_text gin_trgm_ops)")
        index_done = time.monotonic()
        conn.execute("VACUUM ANALYZE")
        sizes = dict(
            conn.execute(
                "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname = ANY(%s)", [list(BIG_TABLES)]
            ).fetchall()
        )
        database_bytes = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    return {
        "documents_s": round(documents_done - started, 1),
        "related_rows_s": round(rows_done - documents_done, 1),
        "audit_chain_s": round(sealed_done - rows_done, 1),
        "audit_links": sealed,
        "search_index_s": round(index_done - sealed_done, 1),
        "total_s": round(time.monotonic() - started, 1),
        "rows": sizes,
        "database_mb": round(database_bytes / 2**20),
    }


def seal_chain(dsn: str) -> int:
    """Link the loaded audit events into the hash chain as the sealer would (workflow.audit), in one pass."""
    with (
        psycopg.connect(dsn, autocommit=True) as control,
        psycopg.connect(dsn) as reader,
        psycopg.connect(dsn) as writer,
    ):
        control.execute("SELECT pg_advisory_lock(20301)")  # the scheduler's sealer waits meanwhile
        try:
            head = writer.execute("SELECT seq, audit_id, hash FROM audit_chain ORDER BY seq DESC LIMIT 1").fetchone()
            seq, after, prev = head or (0, 0, audit.GENESIS)
            now = dt.datetime.now(dt.UTC)
            count = 0
            with (
                reader.cursor(name="events") as events,
                writer.cursor().copy("COPY audit_chain (seq, audit_id, hash, sealed_at) FROM STDIN") as copy,
            ):
                events.itersize = 20_000
                events.execute(
                    "SELECT id, document_id, actor_id, action, from_state, to_state, detail, created_at "
                    "FROM audit_events WHERE id > %s "
                    "AND id NOT IN (SELECT audit_id FROM audit_chain WHERE audit_id > %s) ORDER BY id",
                    (after, after),
                )
                for row in events:
                    event = SimpleNamespace(**dict(zip(EVENT_FIELDS, row, strict=True)))
                    seq += 1
                    prev = audit.link_hash(prev, seq, event)  # type: ignore[arg-type]
                    copy.write_row((seq, event.id, prev, now))
                    count += 1
            writer.commit()
        finally:
            control.execute("SELECT pg_advisory_unlock(20301)")
    return count


EVENT_FIELDS = ("id", "document_id", "actor_id", "action", "from_state", "to_state", "detail", "created_at")


# --- measuring -----------------------------------------------------------------------------------

HELLO = """
from flask import Flask, jsonify

app = Flask("hello")


@app.get("/hello")
def hello():
    return jsonify({"hello": "xin chào"})
"""

WRK_SCRIPT = """
-- Round-robin over the paths in $WRK_PATHS; prints the figures as JSON at the end.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local non2xx = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, non2xx))
end
"""


def signed_in(instance: Instance, user: str) -> str:
    """A browser's session cookie for the user (signed in through the login form)."""
    browser = requests.Session()
    form = browser.get(f"{instance.url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = browser.post(
        f"{instance.url}/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def wrk(url: str, paths: list[str], seconds: float, connections: int, header: str | None, workdir: Path) -> dict:
    """One wrk run over the paths; its figures (requests/s, p50/p95/p99 in ms, non-2xx answers)."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (the README's test command does it)")
    script, listing = workdir / "report.lua", workdir / f"paths-{len(paths)}-{abs(hash(tuple(paths)))}.txt"
    script.write_text(WRK_SCRIPT)
    listing.write_text("\n".join(paths) + "\n")
    command = [binary, "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "-s", str(script), url]
    if header:
        command[1:1] = ["-H", header]
    run = subprocess.run(
        command,
        check=False,
        env=os.environ | {"WRK_PATHS": str(listing)},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    found = re.search(r"WRK_JSON (\{.*\})", run.stdout)
    if found is None:
        raise RuntimeError(f"wrk gave no figures: {run.stdout} {run.stderr}")
    figures = json.loads(found.group(1))
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    return dict(figures)


def scenarios(instance: Instance, count: int) -> dict[str, tuple[str, list[str]]]:
    """What people open most, each as (user, request paths): varied over the whole table."""
    rng = random.Random(2026)
    last = int(instance.ok("vanthu", "GET", "/api/v1/documents?limit=1")["documents"][0]["id"])
    documents = [f"/api/v1/documents/{rng.randint(max(1, last - count), last)}" for _ in range(2000)]
    searches = [f"/api/v1/documents?q={w.replace(' ', '+')}" for w in WORDS]
    searches += [f"/api/v1/documents?q={rng.randint(1, 999):02d}+stnmt" for _ in range(50)]
    return {
        "inbox": ("truongphong_dd", ["/api/v1/inbox"]),
        "document": ("vanthu", documents),
        "search": ("vanthu", searches),
        "board": ("vanthu", ["/api/v1/dispatch-board"]),
        # The page everyone opens first: what waits for me, with the counters of the menu (HTML).
        "home page": ("truongphong_dd", ["/"]),
    }


def explain(
    dsn: str, env: dict[str, str], plays: dict[str, tuple[str, list[str]]], out: Path
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every statement the slowest path of each request runs, with EXPLAIN (ANALYZE, BUFFERS); flags scans of
    the big tables. Returns the statements per request and the path explained."""
    from congvan.cli import reconcile_all
    from tests.support.api import Api
    from wsgi import create_app

    settings = {k.removeprefix("CONGVAN_"): v for k, v in env.items() if k.startswith("CONGVAN_")}
    app = create_app(settings)
    engine = app.extensions["congvan"].engine
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    api = Api(app.test_client())
    report: dict[str, Any] = {}
    explained: dict[str, str] = {}
    lines = []

    def recorded(run: Callable[[], Any]) -> list[tuple[str, Any]]:
        captured.clear()
        event.listen(engine, "before_cursor_execute", capture)
        try:
            run()
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        return list(captured)

    browsers: dict[str, Any] = {}

    def request(user: str, path: str) -> None:
        if path.startswith("/api/"):
            response = api.as_(user, "GET", path)
        else:
            if user not in browsers:
                browser = browsers[user] = app.test_client()
                token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").get_data(as_text=True))
                assert token is not None
                form = {"username": user, "password": PASSWORD, "csrf_token": token.group(1)}
                assert browser.post("/login", data=form).status_code == 302
            response = browsers[user].get(path)
        assert response.status_code == 200, (path, response.status_code)

    def slowest(user: str, paths: list[str]) -> str:
        """The slowest of (up to 60 of) a request's varied paths: the one whose plan matters."""
        timed = []
        for path in list(dict.fromkeys(paths))[:60]:
            started = time.perf_counter()
            request(user, path)
            timed.append((time.perf_counter() - started, path))
        return max(timed)[1]

    runs: dict[str, tuple[str, Callable[[], Any]]] = {}
    for name, (user, paths) in plays.items():
        path = slowest(user, paths)
        runs[name] = (path, functools.partial(request, user, path))
    # What the scheduler runs every few seconds must not grow with the tables either.
    runs["reconcile"] = ("congvan reconcile", reconcile_all)
    with psycopg.connect(dsn) as conn:
        for name, (what, run) in runs.items():
            run()  # signs in and warms up before the statements are recorded
            statements = []
            for statement, parameters in recorded(run):
                plan = "\n".join(
                    row[0]
                    for row in conn.execute(
                        f"EXPLAIN (ANALYZE, BUFFERS) {statement}",
                        parameters,
                    ).fetchall()
                )
                seq_scans = sorted({t for t in BIG_TABLES if re.search(rf"Seq Scan on {t}\b", plan)})
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                statements.append(
                    {
                        "sql": " ".join(statement.split())[:160],
                        "ms": float(took.group(1)) if took else None,
                        "seq_scans": seq_scans,
                    }
                )
                lines += [f"## {name}: {what}", statement, plan, ""]
            report[name] = statements
            explained[name] = what
    out.write_text("\n".join(lines))
    app.extensions["congvan"].close()
    return report, explained


# --- the pipeline --------------------------------------------------------------------------------


def pipeline(instance: Instance, dsn: str, count: int) -> dict[str, float]:
    """Drafts → reviewed → signed in one batch → issued → delivered to two units; seconds per stage."""
    directory = instance.ok("chuyenvien", "GET", "/api/v1/directory")
    leader = next(p["id"] for p in directory["people"] if p["username"] == "giamdoc")
    payload = {
        "doc_type": "cong_van",
        "summary": "đề nghị báo cáo kết quả kiểm kê đất đai",
        "body": "Sở Tài nguyên và Môi trường đề nghị các phòng báo cáo kết quả trước ngày 30./.",
        "signer_id": leader,
        "kinh_gui": ["Phòng Quản lý đất đai", "Trung tâm Công nghệ Thông tin Tài nguyên và Môi trường"],
        "noi_nhan": ["Như trên;", "Lưu: VT, VP."],
    }
    stages: dict[str, float] = {}
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:

        def draft(_: int) -> int:
            doc = instance.ok("chuyenvien", "POST", "/api/v1/documents", payload)
            instance.ok("chuyenvien", "POST", f"/api/v1/documents/{doc['id']}/actions/submit")
            instance.ok("truongphong", "POST", f"/api/v1/documents/{doc['id']}/actions/approve")
            return int(doc["id"])

        ids = list(pool.map(draft, range(count)))
        stages["draft_submit_approve_s"] = time.monotonic() - started
        mark = time.monotonic()
        batch = instance.ok("vanthu", "POST", "/api/v1/signing-batches", {"leader_id": leader})
        assert batch["count"] == count, batch
        instance.ok("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD})
        wait_for(
            lambda: instance.ok("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}")["state"] == "done",
            600,
            "the batch to be signed",
            instance,
        )
        stages["sign_batch_s"] = time.monotonic() - mark
        mark = time.monotonic()
        list(pool.map(lambda i: instance.ok("vanthu", "POST", f"/api/v1/documents/{i}/actions/issue"), ids))
        stages["issue_s"] = time.monotonic() - mark

    def delivered() -> bool:
        with psycopg.connect(dsn) as conn:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE transport = 'delivered'), count(*) FROM deliveries "
                "WHERE document_id = ANY(%s)",
                [ids],
            ).fetchone()
        return row is not None and row[0] == row[1] == 2 * count

    wait_for(delivered, 600, "every delivery", instance)
    stages["until_delivered_s"] = time.monotonic() - mark - stages["issue_s"]
    stages["total_s"] = time.monotonic() - started
    stages["documents"] = count
    stages["documents_per_minute"] = round(60 * count / stages["total_s"], 1)
    return {k: round(v, 2) for k, v in stages.items()}


# --- the run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--connections",
        default="2,8",
        help="wrk connections per run, comma-separated: 2 = one request in flight per core (latency), "
        "8 = saturated (throughput)",
    )
    parser.add_argument("--pipeline", type=int, default=60)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the EXPLAIN plans are written")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="congvan-scale-"))
    results: dict[str, Any] = {"documents": args.documents}
    instance: Instance | None = None
    hello: subprocess.Popen[bytes] | None = None
    try:
        with processes.postgres_server() as server, processes.redis_server(base / "redis") as redis_url:
            url = processes.create_database(server, "scale")
            dsn = url.replace("postgresql+psycopg://", "postgresql://")
            instance, _ = make_instance(
                base,
                "scale",
                redis_url,
                generate_password_hash(PASSWORD),
                STNMT,
                {"CONGVAN_DATABASE_URL": url, "CONGVAN_SIGNING_PROCESSES": "2"},
            )
            instance.start(web_workers=2, workers=2)
            first = instance.issue(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
            version = first["current_version"]
            print(f"Nạp {args.documents:,} văn bản vào PostgreSQL…", flush=True)
            results["load"] = load(dsn, args.documents, version["sha256"], version["size"])
            print(json.dumps(results["load"], ensure_ascii=False), flush=True)

            (base / "hello").mkdir()
            (base / "hello" / "hello.py").write_text(HELLO)
            hello_port = processes.free_port()
            hello = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{hello_port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    "hello:app",
                ],
                cwd=base / "hello",
                stdout=open(base / "hello.log", "wb"),  # noqa: SIM115 - the child keeps it
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes.wait_for_port(hello_port)
            plays = scenarios(instance, args.documents)
            args.results.mkdir(exist_ok=True)
            results["explain"], results["explained"] = explain(
                dsn, instance.env, plays, args.results / f"explain-{args.documents}.txt"
            )
            results["requests"] = {}
            hello_url = f"http://127.0.0.1:{hello_port}"
            for name, (user, paths) in plays.items():
                for connections in (int(c) for c in args.connections.split(",")):
                    if paths[0].startswith("/api/"):
                        header = f"Authorization: Bearer {instance.token(user)}"
                    else:
                        header = f"Cookie: {signed_in(instance, user)}"
                    ours = wrk(instance.url, paths, args.seconds, connections, header, base)
                    ceiling = wrk(hello_url, ["/hello"], args.seconds, connections, None, base)
                    results["requests"][f"{name} c={connections}"] = {"congvan": ours, "hello": ceiling}
                    print(f"{name} c={connections}: congvan {json.dumps(ours)} hello {json.dumps(ceiling)}", flush=True)
            results["pipeline"] = pipeline(instance, dsn, args.pipeline)
            print(f"pipeline: {json.dumps(results['pipeline'])}", flush=True)
    finally:
        if hello is not None:
            processes.stop(hello)
        if instance is not None:
            instance.stop()
        shutil.rmtree(base, ignore_errors=True)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


def report(results: dict[str, Any]) -> None:
    """The figures as a table."""
    print(
        f"\n{results['documents']:,} văn bản; nạp trong {results['load']['total_s']} s; "
        f"CSDL {results['load']['database_mb']} MB; {results['load']['rows']}"
    )
    print(
        f"{'request':<10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} | hello: "
        f"{'req/s':>8} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    for name, pair in results["requests"].items():
        a, h = pair["congvan"], pair["hello"]
        print(
            f"{name:<10} {a['rps']:>8} {a['p50_ms']:>8} {a['p95_ms']:>8} {a['p99_ms']:>8} {a['errors']:>7} | "
            f"{'':7}{h['rps']:>8} {h['p50_ms']:>6} {h['p95_ms']:>6} {h['p99_ms']:>6}"
        )
    for name, statements in results["explain"].items():
        slowest = max(statements, key=lambda s: s["ms"] or 0)
        scans = sorted({t for s in statements for t in s["seq_scans"]})
        print(
            f"EXPLAIN {name} ({results['explained'][name]}): {len(statements)} statements, slowest {slowest['ms']} ms, "
            f"seq scans of big tables: {scans or 'none'}"
        )
    print(f"pipeline: {results['pipeline']}")


if __name__ == "__main__":
    main()
