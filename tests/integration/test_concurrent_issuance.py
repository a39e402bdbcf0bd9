"""50 issuances at once against real gunicorn processes: numbers exactly 1..50."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
import requests

from congvan.demo_day import PASSWORD
from tests.integration.conftest import Deployment
from tests.support import processes
from tests.support.factories import awaiting
from tests.support.network import wait_for

pytestmark = pytest.mark.integration


def test_fifty_concurrent_issuances(deployment: Deployment) -> None:
    api = deployment.api
    # One drafted, 49 sharing its file (tests/support/factories.awaiting), signed in one batch by a worker.
    doc_ids = awaiting(deployment.app, api, 50)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")})
    path = f"/api/v1/signing-batches/{batch.get_json()['id']}"
    assert api.as_("giamdoc", "POST", f"{path}/confirm", json={"password": PASSWORD}).status_code == 202
    worker = processes.start_congvan(["worker"], deployment.env, deployment.logs / "worker.log")
    try:
        wait_for(lambda: api.as_("giamdoc", "GET", path).get_json()["state"] == "done", 120, "the batch", every=0.1)
    finally:
        processes.stop(worker)
    port = processes.free_port()
    server = processes.start_congvan(
        ["serve", "--port", str(port), "--workers", "3", "--threads", "8"],
        deployment.env,
        deployment.logs / "gunicorn.log",
    )
    try:
        processes.wait_for_port(port)
        base = f"http://127.0.0.1:{port}/api/v1"
        token = requests.post(
            f"{base}/auth/login", json={"username": "vanthu", "password": "congvan-demo"}, timeout=30
        ).json()["token"]

        def issue(doc_id: int) -> tuple[int, dict]:
            response = requests.post(
                f"{base}/documents/{doc_id}/actions/issue", headers={"Authorization": f"Bearer {token}"}, timeout=120
            )
            return response.status_code, response.json()

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(issue, doc_ids))
    finally:
        processes.stop(server)
    assert [status for status, _ in results] == [200] * 50, [b for s, b in results if s != 200][:3]
    numbers = sorted(body["document"]["number"] for _, body in results)
    assert numbers == list(range(1, 51))
    symbols = {body["document"]["symbol"] for _, body in results}
    assert symbols == {f"{n:02d}/STNMT-VP" for n in range(1, 51)}
    year = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    register = next(
        r for r in api.as_("vanthu", "GET", "/api/v1/registers").get_json()["registers"] if r["scope"] == "cong_van"
    )
    entries = api.as_("vanthu", "GET", f"/api/v1/registers/{register['id']}/entries?year={year}").get_json()
    assert [e["number"] for e in entries["entries"]] == list(range(1, 51))
    assert {e["document_id"] for e in entries["entries"]} == set(doc_ids)
