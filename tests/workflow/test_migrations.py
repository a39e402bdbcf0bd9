"""The Alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from flask import Flask

import routing.models  # noqa: F401 - registers routing's tables on the shared metadata
import workflow.signatures.models  # noqa: F401 - and remote signing's
from congvan.cli import MIGRATIONS
from tests.support.api import Api
from workflow.db import migrated_object
from workflow.models import Base


@pytest.mark.both_databases
def test_migrations_match_models(app: Flask) -> None:
    engine = app.extensions["congvan"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": migrated_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


@pytest.mark.both_databases
def test_state_checks_keep_every_row_and_refuse_an_unknown_state(app: Flask, api: Api) -> None:
    # Migration 0020 copies the tables on SQLite: taken down and up again with rows in them, nothing is lost, the
    # search index still finds a draft, and a state the code does not know is refused by the database itself.
    draft = api.draft(summary="tăng cường quản lý đất đai")
    engine = app.extensions["congvan"].engine
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    command.downgrade(config, "0019")
    command.upgrade(config, "head")
    engine.dispose()
    found = api.as_("chuyenvien", "GET", "/api/v1/documents?q=dat%20dai").get_json()["documents"]
    assert [d["id"] for d in found] == [draft["id"]]
    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE documents SET state = 'lost' WHERE id = :id"), {"id": draft["id"]})
    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sqlalchemy.text("INSERT INTO signing_batches (leader_id, state) VALUES (1, 'lost')"))
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            pending = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_deliveries_pending'"
            ).scalar_one()
        assert "WHERE transport = 'pending'" in pending  # the partial index stayed partial
