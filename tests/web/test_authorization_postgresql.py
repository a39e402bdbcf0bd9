"""The authorization matrix of test_authorization.py on PostgreSQL: every endpoint by every role, in a file of its
own so the suite's two workers run it beside the SQLite run instead of after it."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.test_authorization import test_every_endpoint_by_every_role  # noqa: F401 - collected here too


@pytest.fixture
def database_kind() -> str:
    """This module's apps run on PostgreSQL."""
    return "postgresql"


def test_the_matrix_here_runs_on_postgresql(app: Flask) -> None:
    assert app.extensions["congvan"].engine.dialect.name == "postgresql"
