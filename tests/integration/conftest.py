"""Integration fixtures: the app's database shared with real gunicorn and rq worker processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.support.api import KEY_PASSPHRASE, Api, build_app, database_url


@dataclass
class Deployment:
    """An app plus the environment that makes other processes use the same database, files and keys."""

    app: Flask
    api: Api
    env: dict[str, str]
    logs: Path


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, keys_dir: Path, password_hash: str, redis_url: str
) -> Iterator[Deployment]:
    url = database_url(request.param, tmp_path, request)
    app = build_app(url, tmp_path, keys_dir, password_hash, JOB_MODE="rq", REDIS_URL=redis_url)
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    env = dict(os.environ) | {
        "CONGVAN_DATABASE_URL": url,
        "CONGVAN_FILES_DIR": str(tmp_path / "files"),
        "CONGVAN_KEYS_DIR": str(keys_dir),
        "CONGVAN_KEY_PASSPHRASE": KEY_PASSPHRASE,
        "CONGVAN_REDIS_URL": redis_url,
        "CONGVAN_JOB_MODE": "rq",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    yield Deployment(app, Api(app.test_client()), env, logs)
    app.extensions["congvan"].close()
