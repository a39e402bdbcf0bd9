"""On PostgreSQL the application logs in as a role that does not own the tables: it works as usual, but it
can neither change nor remove audit rows, nor switch the append-only triggers off."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg
import pytest

from congvan.cli import upgrade_database
from tests.support import processes
from tests.support.api import Api, build_app
from workflow import config as config_module
from workflow import db, jobs
from workflow.runtime import build

pytestmark = pytest.mark.integration
_roles = itertools.count(1)


def test_the_app_role_only_adds_to_the_audit_trail(
    pg_server: str, tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    owner_url = processes.create_database(pg_server, f"approle{next(_roles)}")
    upgrade_database(owner_url)  # migrations run as the owner
    role = f"congvan_app_{next(_roles)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    owner = build(
        config_module.load({"DATABASE_URL": owner_url, "FILES_DIR": str(tmp_path / "f"), "KEYS_DIR": str(keys_dir)})
    )
    db.grant_app_role(owner.engine, role)
    owner.close()

    app_url = owner_url.replace("://congvan@", f"://{role}@")
    app = build_app(app_url, tmp_path, keys_dir, password_hash)
    api = Api(app.test_client())
    doc = api.draft()
    api.advance(doc["id"], "dispatched")  # the whole path works as the app role
    assert jobs.reconcile()["sealed"] > 0  # and the sealer links the trail
    plain = app_url.replace("postgresql+psycopg://", "postgresql://")
    for statement in (
        "UPDATE audit_events SET action = 'gia_mao'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_chain",
        "TRUNCATE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
    ):
        with psycopg.connect(plain) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    with psycopg.connect(plain) as conn:  # other tables are the application's to change
        conn.execute("UPDATE documents SET summary = summary WHERE id = %s", [doc["id"]])
    app.extensions["congvan"].close()
