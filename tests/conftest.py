"""Fixtures: the app on SQLite or PostgreSQL, an API client per demo user, real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from congvan import demo
from congvan.cli import upgrade_database
from congvan.demo_day import PASSWORD
from tests.routing.foreign import foreign, foreign_ca, signed_pdf  # noqa: F401 - another agency, for any test
from tests.support import processes
from tests.support.api import KEY_PASSPHRASE, Api, build_app, database_url
from tests.support.trust_services import TrustServices, trust_services
from workflow import runtime


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The demo password hashed once, with PBKDF2 of few rounds: the tests sign in thousands of times, and each
    check of the product's scrypt hash costs about 0.1 s of a core (the check is the same code either way;
    werkzeug reads the method from the hash)."""
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo PKI, generated once per test run (keys never live in the repository)."""
    base = tmp_path_factory.mktemp("pki")
    config = {
        "DATABASE_URL": f"sqlite:///{base}/pki.db",
        "FILES_DIR": str(base / "files"),
        "KEYS_DIR": str(base / "keys"),
        "KEY_PASSPHRASE": KEY_PASSPHRASE,
    }
    from workflow import config as config_module

    rt = runtime.build(config_module.load(config))
    upgrade_database(rt.settings.database_url)
    with rt.sessions() as session, session.begin():
        demo.load_directory(session, "x")
        demo.make_pki(rt, session)
    rt.engine.dispose()
    return base / "keys"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server for this test run."""
    with processes.redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A real PostgreSQL cluster for this test run."""
    with processes.postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def trust() -> Iterator[TrustServices]:
    """A local TSA and OCSP responder for one module's tests (its switches and counters start fresh)."""
    with trust_services() as running:
        yield running


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def service_runtime(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, keys_dir: Path, password_hash: str
) -> Iterator[runtime.Runtime]:
    """The runtime of an app on a migrated database holding the demo directory, once per run and database,
    for service tests that call the features' functions directly (no HTTP)."""
    base = tmp_path_factory.mktemp(f"services-{request.param}")
    url = database_url(request.param, base, request)  # pytest may set a session fixture up again: a new one
    rt: runtime.Runtime = build_app(url, base, keys_dir, password_hash).extensions["congvan"]
    yield rt
    rt.close()


@pytest.fixture
def db_session(service_runtime: runtime.Runtime) -> Iterator[Session]:
    """A session inside a transaction rolled back after the test: services flush and even commit into a
    savepoint, and the next test finds the database as the demo directory left it."""
    runtime.install(service_runtime)  # for what services read from the process's runtime (settings, the store)
    with service_runtime.engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def database_kind() -> str:
    """The database a test's app runs on: SQLite, or both SQLite and PostgreSQL for a test (or module) marked
    both_databases."""
    return "sqlite"


# The longest files (measured with --durations on this machine), handed to the two workers first: each worker
# then fills its end with short files and both finish together, instead of one starting a two-minute file
# while the other has nothing left (longest first, the classic rule for scheduling jobs on machines).
# scripts/test keeps this order (--no-loadscope-reorder): xdist would otherwise order files by their number
# of tests, which puts these, most of them a single long test, last of all.
LONGEST_FIRST = (
    "tests/integration/test_faults.py",
    "tests/web/test_day_in_browser.py",
    "tests/web/test_authorization.py",
    "tests/integration/test_scale.py",
    "tests/integration/test_vxp_exchange.py",
    "tests/integration/test_concurrent_issuance.py",
    "tests/integration/test_stall.py",
    "tests/integration/test_worker_crash.py",
    "tests/web/test_authorization_postgresql.py",
    "tests/integration/test_demo_day.py",
    "tests/test_full_day.py",
    "tests/test_fuzz.py",
    "tests/integration/test_vxp_hub.py",
    "tests/web/test_incoming_browser.py",
    "tests/integration/test_backup.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the longest files first; the others keep their order."""
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked both_databases run once on SQLite and once on PostgreSQL."""
    if metafunc.definition.get_closest_marker("both_databases") and "database_kind" in metafunc.fixturenames:
        metafunc.parametrize("database_kind", ["sqlite", "postgresql"])


@pytest.fixture
def app(
    request: pytest.FixtureRequest, database_kind: str, tmp_path: Path, keys_dir: Path, password_hash: str
) -> Iterator[Flask]:
    """The app with jobs run inline after commit, on the test's database."""
    application = build_app(database_url(database_kind, tmp_path, request), tmp_path, keys_dir, password_hash)
    yield application
    application.extensions["congvan"].close()


@pytest.fixture
def api(app: Flask) -> Api:
    """API client on the test's app."""
    return Api(app.test_client())
