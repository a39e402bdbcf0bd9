"""What the access rules cost a list on PostgreSQL: each person's first page of documents (no search words).

Usage: .venv/bin/python bench/visibility.py [--documents 300000] [--runs 20]

Starts a throwaway PostgreSQL, migrates it, loads the demo directory and `--documents` dispatched
documents set-wise: nearly all drafted by the land unit, one in 33,333 by the office's specialist, one in
50,000 delivered to the IT centre. For five people with very different shares of the table (the clerk and
the signing leader see nearly everything, the specialist and the IT centre a handful, the other leader
nothing), it times the first page (median and worst of `--runs`, EXPLAIN ANALYZE execution time) two ways:
- baseline: one query filtered by the rules' OR (workflow.access.visible), newest first;
- congvan: the rules' union of per-rule top-N through their own indexes (workflow.access.newest_ids).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.api import build_app
from tests.support.processes import PostgresServer
from workflow import access, paging
from workflow.documents import service as documents
from workflow.models import Document, Person

PEOPLE = ("vanthu", "giamdoc", "chuyenvien", "chuyenvien_cntt", "phogiamdoc")


def load(raw: str, count: int) -> None:
    """The documents, set-wise, and the statistics the planner needs."""
    with psycopg.connect(raw, autocommit=True) as c:
        ids = dict(c.execute("SELECT username, id FROM people").fetchall())
        units = dict(c.execute("SELECT code, id FROM units").fetchall())
        agency = c.execute("SELECT id FROM agencies WHERE is_self").fetchone()[0]  # type: ignore[index]
        c.execute(
            f"""INSERT INTO documents (agency_id, doc_type, summary, body, urgency, confidentiality,
              drafting_unit_id, drafter_id, signer_id, kinh_gui, noi_nhan, state, search_text, timestamp_due,
              created_at, updated_at)
            SELECT {agency}, 'cong_van', 'văn bản ' || g, '', 'thuong', 'thuong',
              CASE WHEN g % 33333 = 0 THEN {units["VP"]} ELSE {units["QLDD"]} END,
              CASE WHEN g % 33333 = 0 THEN {ids["chuyenvien"]} ELSE {ids["chuyenvien_dd"]} END,
              {ids["giamdoc"]}, '', '', 'dispatched', '', false, now(), now()
            FROM generate_series(1, {count}) g"""
        )
        c.execute(
            f"""INSERT INTO deliveries (document_id, kind, unit_id, label, purpose, channel, transport, attempts,
              created_at, updated_at)
            SELECT id, 'unit', {units["CNTT"]}, 'Trung tâm CNTT', 'action', 'internal', 'delivered', 1, now(), now()
            FROM documents WHERE id % 50000 = 0"""
        )
        c.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    server = PostgresServer()
    server.start()
    try:
        with psycopg.connect(server.url, autocommit=True) as c:
            c.execute("CREATE DATABASE bench")
        raw = server.url.rsplit("/", 1)[0] + "/bench"
        base = Path(tempfile.mkdtemp(prefix="congvan-visibility-"))
        app = build_app(raw.replace("postgresql://", "postgresql+psycopg://"), base, base / "keys", "x")
        started = time.perf_counter()
        load(raw, args.documents)
        print(f"{args.documents:,} documents loaded in {time.perf_counter() - started:.1f} s")
        run(app, raw, args.runs)
        app.extensions["congvan"].close()
    finally:
        server.stop()


def run(app: Any, raw: str, runs: int) -> None:
    import routing

    routing.connect()
    rt = app.extensions["congvan"]
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM documents" in statement:
            statements.append((statement, parameters))

    print(f"{'person':<16} {'rows':>4}  {'baseline (one OR) ms':>26}  {'congvan (union) ms':>24}  ratio")
    with rt.readers() as session, psycopg.connect(raw) as c:
        for username in PEOPLE:
            person = session.scalar(select(Person).where(Person.username == username))
            assert person is not None

            def baseline(person: Person = person) -> list[Document]:
                query = select(Document).where(access.visible(person)).options(*paging.DOCUMENT_LOADS)
                query = query.order_by(Document.id.desc()).limit(21)
                return list(session.scalars(query))

            def union(person: Person = person) -> list[Document]:
                return documents.visible_page(session, person, [])[0]

            figures = []
            for way in (baseline, union):
                walls = []
                for _ in range(runs):
                    began = time.perf_counter()
                    way()
                    walls.append((time.perf_counter() - began) * 1000)
                statements.clear()
                event.listen(rt.engine, "before_cursor_execute", capture)
                rows = way()
                event.remove(rt.engine, "before_cursor_execute", capture)
                statement, parameters = statements[0]
                plan = c.execute(f"EXPLAIN (ANALYZE) {statement}", parameters).fetchall()
                executed = next(float(r[0].split(": ")[1].split()[0]) for r in plan if "Execution Time" in r[0])
                figures.append((statistics.median(walls), max(walls), executed, len(rows)))
            (b_med, b_max, b_exec, count), (u_med, u_max, u_exec, _) = figures
            print(
                f"{username:<16} {min(count, 20):>4}  {b_med:7.2f} (max {b_max:6.2f}, db {b_exec:6.2f})"
                f"  {u_med:6.2f} (max {u_max:5.2f}, db {u_exec:5.2f})  {b_med / u_med:5.1f}x"
            )


if __name__ == "__main__":
    main()
