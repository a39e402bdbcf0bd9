"""The Alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

import routing.models  # noqa: F401 - registers routing's tables on the shared metadata
from workflow.db import migrated_object
from workflow.models import Base


@pytest.mark.both_databases
def test_migrations_match_models(app: Flask) -> None:
    engine = app.extensions["congvan"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": migrated_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
