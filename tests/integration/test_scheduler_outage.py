"""The scheduler outlives a database outage at the signing cut-off: PostgreSQL is stopped before the cut-off
passes, the scheduler keeps running and makes the leader's batch once the database is back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support import processes
from tests.support.network import STNMT, Instance, _runtime, log_tail, make_instance, wait_for
from workflow.models import SigningBatch

pytestmark = pytest.mark.integration


def _batches(instance: Instance) -> list[int]:
    rt = _runtime(instance)
    try:
        with rt.readers() as session:
            return list(session.scalars(select(SigningBatch.id)))
    finally:
        rt.close()


def test_the_cutoff_survives_a_database_outage(tmp_path: Path, redis_url: str, password_hash: str) -> None:
    postgres = processes.PostgresServer()
    postgres.start()
    started = []
    try:
        url = processes.create_database(postgres.url, "outage")
        root = redis_url.rsplit("/", 1)[0]
        # The cut-off is past all day long: the scheduler makes the batches at its first tick.
        env = {"CONGVAN_DATABASE_URL": url, "CONGVAN_SIGNING_CUTOFF": "00:00", "CONGVAN_PREPARE_AHEAD": "false"}
        instance, _ = make_instance(tmp_path, "outage", f"{root}/7", password_hash, STNMT, env)
        serve = ["serve", "--port", str(instance.port), "--workers", "1", "--threads", "4"]
        web = processes.start_congvan(serve, instance.env, instance.logs / "web.log")
        started.append(web)
        processes.wait_for_port(instance.port)
        directory = instance.ok("chuyenvien", "GET", "/api/v1/directory")
        leader = next(p["id"] for p in directory["people"] if p["username"] == "giamdoc")
        draft = {
            "doc_type": "cong_van",
            "summary": "báo cáo tình hình quản lý đất đai",
            "body": "Sở Tài nguyên và Môi trường báo cáo./.",
            "signer_id": leader,
        }
        document = instance.ok("chuyenvien", "POST", "/api/v1/documents", draft)
        instance.ok("chuyenvien", "POST", f"/api/v1/documents/{document['id']}/actions/submit")
        instance.ok("truongphong", "POST", f"/api/v1/documents/{document['id']}/actions/approve")
        assert _batches(instance) == []

        postgres.stop()
        scheduler = processes.start_congvan(
            ["scheduler", "--interval", "0.5"], instance.env, instance.logs / "scheduler.log"
        )
        started.append(scheduler)
        # Several ticks past the cut-off with the database away, each failing and the scheduler going on (waited
        # for, not slept: starting the scheduler takes longer on a loaded machine).
        log = instance.logs / "scheduler.log"
        wait_for(lambda: log.read_text(errors="replace").count("reconcile failed") >= 3, 60, "3 failed ticks", instance)
        assert scheduler.poll() is None, log_tail(instance)

        postgres.start()
        wait_for(lambda: _batches(instance), 60, "the cut-off's batch once the database is back", instance)
        assert scheduler.poll() is None
        assert len(_batches(instance)) == 1
        time.sleep(1.5)  # later ticks do not make it again
        assert len(_batches(instance)) == 1
    finally:
        processes.stop_all(started)
        postgres.remove()
