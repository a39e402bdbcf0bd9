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
import workflow.directory.models
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
    config = _config(app)
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


def _config(app: Flask) -> Config:
    """Alembic's configuration for the app's database, its connections closed first."""
    engine = app.extensions["congvan"].engine
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    return config


@pytest.mark.both_databases
def test_authority_lines_are_made_from_the_old_free_text_line(app: Flask, api: Api) -> None:
    # Migration 0022 turns each person's one free-text line into their table of authority lines, and gives every
    # document the lines it was drawn with.
    deputy = api.draft(signer_id=api.id_of("phogiamdoc"))
    head = api.draft()
    config = _config(app)
    command.downgrade(config, "0021")
    engine = app.extensions["congvan"].engine
    with engine.begin() as connection:
        old = connection.execute(sqlalchemy.text("SELECT authority FROM people WHERE username = 'phogiamdoc'"))
        assert old.scalar_one() == "KT. GIÁM ĐỐC"
        connection.execute(
            sqlalchemy.text(
                "UPDATE people SET authority = 'TL. GIÁM ĐỐC', roles = roles || ' leader' "
                "WHERE username = 'truongphong'"
            )
        )
    command.upgrade(config, "head")
    engine.dispose()
    tables = {
        user: [
            a["lines"] for a in api.as_("admin", "GET", f"/api/v1/people/{api.id_of(user)}/authorities").json["items"]
        ]
        for user in ("giamdoc", "phogiamdoc", "truongphong", "chuyenvien")
    }
    assert tables == {
        "giamdoc": [["GIÁM ĐỐC"]],
        "phogiamdoc": [["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]],
        "truongphong": [["TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"]],
        "chuyenvien": [],
    }
    lines = {
        doc["id"]: api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}").json["authority_lines"]
        for doc in (deputy, head)
    }
    assert lines == {deputy["id"]: ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], head["id"]: ["GIÁM ĐỐC"]}
