"""Enqueue after commit: with Redis down the request still succeeds and the reconciler relays later."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from congvan.demo_day import PASSWORD
from tests.support import processes
from tests.support.api import Api, build_app
from workflow import jobs
from workflow.models import OutboxMessage

pytestmark = pytest.mark.integration


def test_redis_down_loses_nothing(tmp_path: Path, keys_dir: Path, password_hash: str, redis_url: str) -> None:
    dead = f"redis://127.0.0.1:{processes.free_port()}/0"
    app = build_app(f"sqlite:///{tmp_path}/c.db", tmp_path, keys_dir, password_hash, JOB_MODE="rq", REDIS_URL=dead)
    api = Api(app.test_client())
    doc = api.draft()
    api.advance(doc["id"], "awaiting_signature")
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}).get_json()
    confirmed = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    )
    assert confirmed.status_code == 202  # committed, although the job could not be enqueued
    rt = app.extensions["congvan"]
    with rt.sessions() as session:
        pending = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.relayed_at.is_(None))
        assert session.scalar(pending) == 2  # preparing the batch ahead, and signing it

    Redis.from_url(redis_url).flushdb()
    # Redis is back (at another address: the process's client is made anew).
    rt.settings = rt.settings.replace(redis_url=redis_url)
    del rt.redis
    assert jobs.reconcile()["relayed"] == 2
    assert Queue("signing", connection=Redis.from_url(redis_url)).count == 2
    with rt.sessions() as session:
        assert session.scalar(pending) == 0
    rt.engine.dispose()


def test_lost_delivery_job_is_enqueued_again(
    tmp_path: Path, keys_dir: Path, password_hash: str, redis_url: str
) -> None:
    from routing import jobs as routing_jobs

    app = build_app(
        f"sqlite:///{tmp_path}/c.db",
        tmp_path,
        keys_dir,
        password_hash,
        JOB_MODE="rq",
        REDIS_URL=redis_url,
        RECONCILE_AFTER_SECONDS=0,
    )
    api = Api(app.test_client())
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    connection = Redis.from_url(redis_url)
    connection.flushdb()  # Redis restarted empty: the delivery jobs are gone
    board = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"]
    internal = [d for d in board if d["channel"] == "internal"]
    assert internal and all(d["transport"] == "pending" for d in internal)
    assert routing_jobs.reconcile()["deliveries"] == len(internal)
    assert Queue("dispatch", connection=connection).count == len(internal)
    app.extensions["congvan"].close()
