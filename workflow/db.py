"""Engine and session plumbing for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, create_engine, delete, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and write-serialising transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # SQLite has no row locks: a writing transaction takes the write lock at BEGIN, so a
        # read-then-write transaction (the register counter) waits instead of failing midway.
        # Read-only sessions begin deferred and, under WAL, never wait for writers.
        readonly = conn.get_execution_options().get("congvan_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit; readonly ones never take write locks."""
    bind = engine.execution_options(congvan_readonly=True) if readonly else engine
    return sessionmaker(bind, expire_on_commit=False)


# Search indexes made by migration 0005 outside the models (FTS5 on SQLite, a trigram index on PostgreSQL).
SEARCH_OBJECTS = ("documents_fts", "ix_documents_search_trgm", "ix_incoming_search_trgm")


def migrated_object(_obj: Any, name: str | None, _type: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's include_object: leave the search indexes that no model describes out of comparisons."""
    return not (reflected and compare_to is None and name is not None and name.startswith(SEARCH_OBJECTS))


def prune(sessions: sessionmaker[Session], model: Any, *where: ColumnElement[bool], batch: int = 5000) -> int:
    """Delete the rows of a table that match, a batch per transaction so locks stay short; returns how many."""
    removed = 0
    while True:
        with sessions() as session, session.begin():
            ids = list(session.scalars(select(model.id).where(*where).order_by(model.id).limit(batch)))
            if not ids:
                return removed
            session.execute(delete(model).where(model.id.in_(ids)))
            removed += len(ids)


# The audit trail's tables: the application may add to them, never change or remove (migration 0007).
APPEND_ONLY = ("audit_events", "audit_chain", "audit_anchors")


def grant_app_role(engine: Engine, role: str) -> None:
    """On PostgreSQL, let a role that does not own the tables work as the application: read and write every
    table, but only add to the audit trail (no UPDATE, DELETE or TRUNCATE there, and no way to switch the
    append-only triggers off, which only the owner may)."""
    if engine.dialect.name != "postgresql":
        raise ValueError("Chỉ PostgreSQL có vai trò (role) riêng cho ứng dụng.")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"Tên vai trò không hợp lệ: {role!r}.")
    with engine.begin() as connection:
        connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        connection.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        connection.exec_driver_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        connection.exec_driver_sql(f'REVOKE UPDATE, DELETE, TRUNCATE ON {", ".join(APPEND_ONLY)} FROM "{role}"')
        connection.exec_driver_sql(f'REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM "{role}"')
