"""The authorization matrix of test_authorization.py on PostgreSQL: every endpoint, each way it is answered (allowed
or refused, per URL and method) by one role — the SQLite run tries every role — in a file of its own so the
suite's two workers run it beside the SQLite run instead of after it."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.test_authorization import test_every_endpoint_by_every_role  # noqa: F401 - collected here too


@pytest.fixture
def database_kind() -> str:
    """This module's apps run on PostgreSQL."""
    return "postgresql"


@pytest.fixture
def every_role() -> bool:
    """One role per expected answer (see _one_per_answer)."""
    return False


def test_the_matrix_here_runs_on_postgresql(app: Flask) -> None:
    assert app.extensions["congvan"].engine.dialect.name == "postgresql"
