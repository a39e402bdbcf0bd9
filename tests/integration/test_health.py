"""Liveness and readiness against real Redis and workers; production mode refuses demo settings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.integration.conftest import Deployment
from tests.support import processes
from tests.support.api import KEY_PASSPHRASE, build_app
from tests.support.network import wait_for
from workflow import config as config_module
from workflow.web import health
from wsgi import create_app

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("deployment", ["sqlite"], indirect=True)
def test_readiness_needs_a_worker_for_every_queue(deployment: Deployment) -> None:
    client = deployment.app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "not_ready"
    assert body["database"] == "ok" and body["redis"] == "ok" and body["workers"] == 0
    assert body["queues_without_worker"] == ["signing", "dispatch", "exchange", "webhooks"]
    started = [
        processes.start_congvan(["worker", "--queues", "signing,dispatch"], deployment.env, deployment.logs / "w1.log")
    ]
    try:
        wait_for(lambda: client.get("/readyz").get_json()["workers"] == 1, 60, "the first worker")
        assert client.get("/readyz").get_json()["queues_without_worker"] == ["exchange", "webhooks"]
        started.append(
            processes.start_congvan(
                ["worker", "--queues", "exchange,webhooks"], deployment.env, deployment.logs / "w2.log"
            )
        )
        ready = wait_for(lambda: (r := client.get("/readyz")).status_code == 200 and r.get_json(), 60, "both workers")
        assert ready["status"] == "ok" and ready["workers"] == 2 and ready["queues_without_worker"] == []
        assert set(ready["queues"]) == {"signing", "dispatch", "exchange", "webhooks"}
        assert ready["outbox_backlog"] == 0
    finally:
        processes.stop_all(started)


def test_production_mode_refuses_demo_settings(tmp_path: Path, keys_dir: Path) -> None:
    config = {
        "ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
        "KEYS_DIR": str(keys_dir),
        "FILES_DIR": str(tmp_path / "files"),
        "KEY_PASSPHRASE": KEY_PASSPHRASE,
        "JOB_MODE": "inline",
    }
    with pytest.raises(health.ConfigurationError) as refused:
        create_app(config)
    message = str(refused.value)
    for problem in (
        "CONGVAN_SECRET_KEY",
        "CONGVAN_SECRETS_KEYS",
        "congvan Demo Root CA",
        "PostgreSQL",
        "CONGVAN_JOB_MODE=rq",
    ):
        assert problem in message
    fit = config_module.load(
        config
        | {
            "SECRET_KEY": "a-long-random-secret",
            "SECRETS_KEYS": "KUMMQ1QhxlBSszc4e_GkNLsc3HH6yxOWMPjJG0DYLxs=",
            "KEYS_DIR": str(tmp_path / "real-keys"),
            "DATABASE_URL": "postgresql+psycopg://congvan@db/congvan",
            "JOB_MODE": "rq",
        }
    )
    assert health.production_problems(fit) == []


def test_a_redis_that_evicts_is_reported(
    tmp_path: Path, keys_dir: Path, password_hash: str, caplog: pytest.LogCaptureFixture
) -> None:
    with processes.redis_server(tmp_path / "redis") as url:
        from redis import Redis

        Redis.from_url(url).config_set("maxmemory-policy", "allkeys-lru")
        with caplog.at_level(logging.WARNING, logger="workflow.web.health"):
            app = build_app(
                f"sqlite:///{tmp_path}/c.db", tmp_path, keys_dir, password_hash, JOB_MODE="rq", REDIS_URL=url
            )
        app.extensions["congvan"].close()
    assert any("allkeys-lru" in r.getMessage() and "noeviction" in r.getMessage() for r in caplog.records)
