"""A real rq worker killed with SIGKILL in the middle of a 50-document batch loses nothing, signs nothing twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from congvan.demo_day import PASSWORD
from signing.inspection import signature_count
from tests.integration.conftest import Deployment
from tests.support import processes
from tests.support.factories import awaiting
from tests.support.network import wait_for

pytestmark = pytest.mark.integration


def test_kill_worker_mid_batch(deployment: Deployment) -> None:
    api = deployment.api
    doc_ids = awaiting(deployment.app, api, 50)  # one drafted, 49 sharing its file: the time goes to the crash
    leader = api.id_of("giamdoc")
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader}).get_json()
    assert batch["count"] == 50
    confirm = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD})
    assert confirm.status_code == 202
    # Confirming twice signs nothing twice (and enqueues nothing more).
    assert (
        api.as_(
            "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
        ).status_code
        == 202
    )

    def counts() -> dict[str, int]:
        return dict(api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()["counts"])

    # One document per commit; the work horse stops itself after its first commit (tests/support/paused_worker),
    # so the kill lands between two commits of the same batch however fast or busy the machine.
    env = deployment.env | {"CONGVAN_SIGNING_CHUNK": "1"}
    mark = deployment.logs / "paused"
    paused = processes.start_congvan(
        ["worker"], env | {"PAUSED_MARK": str(mark)}, deployment.logs / "worker1.log", "tests.support.paused_worker"
    )
    try:
        wait_for(mark.exists, 120, "the worker to pause after its first commit", every=0.05)
    finally:
        processes.stop(paused, signal.SIGKILL)  # the worker and its stopped work horse, mid-batch
    assert counts() == {"signed": 1, "pending": 49}

    # A new worker; the reconciler finds the silent batch (lease 1 s) and re-enqueues it.
    worker = processes.start_congvan(["worker"], env, deployment.logs / "worker2.log")
    try:
        time.sleep(1.5)
        subprocess.run(
            [sys.executable, "-m", "congvan.cli", "reconcile"],
            env=env | {"CONGVAN_BATCH_LEASE_SECONDS": "1"},
            check=True,
            capture_output=True,
            timeout=60,
        )
        wait_for(lambda: counts() == {"signed": 50}, 180, "the whole batch to be signed", every=0.05)
        final = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()
        assert final["state"] == "done"
    finally:
        processes.stop(worker)

    for doc_id in doc_ids:
        doc = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}").get_json()
        assert doc["state"] == "signed"
        versions = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/versions").get_json()["versions"]
        assert [v["kind"] for v in versions].count("leader_signed") == 1
        events = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/events").get_json()["events"]
        assert [e["action"] for e in events].count("signature_applied") == 1
        pdf = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/pdf").data
        assert signature_count(pdf) == 1
