"""B-T through the whole day with a local TSA: up, down with policy "fail", down with policy "defer"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from congvan.demo_day import PASSWORD
from tests.support.api import Api, build_app
from tests.support.trust_services import TrustServices
from workflow import jobs


@pytest.fixture
def keys(trust: TrustServices, keys_dir: Path, tmp_path: Path) -> Path:
    """The demo keys, trusting the TSA's root as well."""
    keys = tmp_path / "keys"
    shutil.copytree(keys_dir, keys)
    (keys / "roots.pem").write_bytes((keys_dir / "roots.pem").read_bytes() + trust.root_pem())
    return keys


def _app(tmp_path: Path, keys: Path, password_hash: str, trust: TrustServices, policy: str) -> Flask:
    return build_app(
        f"sqlite:///{tmp_path}/congvan.db",
        tmp_path,
        keys,
        password_hash,
        PADES_LEVEL="B-T",
        TSA_URL=trust.tsa_url,
        TSA_TIMEOUT=3,
        TSA_FAILURE=policy,
    )


def _batch(api: Api, count: int) -> tuple[list[int], dict]:
    ids = api.drafted(count)
    leader = api.id_of("giamdoc")
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader}).get_json()
    assert (
        api.as_(
            "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
        ).status_code
        == 202
    )
    return ids, api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()


def _levels(api: Api, doc_id: int) -> list[str]:
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/signatures").get_json()
    assert report["verdict"] == "valid", report
    return [s["level"] for s in report["signatures"]]


def test_tsa_up_gives_b_t_everywhere(trust: TrustServices, keys: Path, tmp_path: Path, password_hash: str) -> None:
    trust.tsa_up = True
    api = Api(_app(tmp_path, keys, password_hash, trust, "fail").test_client())
    ids, batch = _batch(api, 3)
    assert batch["state"] == "done"
    for doc_id in ids:
        assert _levels(api, doc_id) == ["B-T"]
    api.advance(ids[0], "dispatched")
    assert _levels(api, ids[0]) == ["B-T", "B-T"]


def test_tsa_down_fails_the_batch_visibly_then_retry_signs(
    trust: TrustServices, keys: Path, tmp_path: Path, password_hash: str
) -> None:
    api = Api(_app(tmp_path, keys, password_hash, trust, "fail").test_client())
    trust.tsa_up = False
    try:
        ids, batch = _batch(api, 3)
    finally:
        trust.tsa_up = True
    assert batch["state"] == "partial" and batch["counts"] == {"failed": 3}
    assert all("dấu thời gian" in item["error"] for item in batch["items"])
    for doc_id in ids:
        doc = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}").get_json()
        assert doc["state"] == "awaiting_signature" and doc["current_version"]["kind"] == "prepared"
    retried = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/retry")
    assert retried.status_code == 202
    again = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()
    assert again["state"] == "done" and again["counts"] == {"signed": 3}
    assert _levels(api, ids[0]) == ["B-T"]


def test_tsa_down_with_defer_signs_b_b_flagged_then_timestamps(
    trust: TrustServices, keys: Path, tmp_path: Path, password_hash: str
) -> None:
    app = _app(tmp_path, keys, password_hash, trust, "defer")
    api = Api(app.test_client())
    trust.tsa_up = False
    try:
        ids, batch = _batch(api, 2)
        assert batch["state"] == "done"
        for doc_id in ids:
            doc = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}").get_json()
            assert doc["state"] == "signed" and doc["timestamp_due"] is True  # visible, not silently weaker
            assert _levels(api, doc_id) == ["B-B"]
        events = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[0]}/events").get_json()["events"]
        assert "timestamp_deferred" in [e["action"] for e in events]
        with app.app_context():
            assert jobs.add_due_timestamps() == 0  # still down: nothing changes
    finally:
        trust.tsa_up = True
    with app.app_context():
        assert jobs.reconcile()["timestamps"] == 2
        assert jobs.add_due_timestamps() == 0  # idempotent
    for doc_id in ids:
        doc = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}").get_json()
        assert doc["timestamp_due"] is False and doc["current_version"]["kind"] == "timestamped"
        assert _levels(api, doc_id) == ["B-T"]
    api.advance(ids[0], "dispatched")  # issuance on top of the document timestamp
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[0]}/signatures").get_json()
    assert report["verdict"] == "valid" and report["signatures"][0]["modification_level"] == "FORM_FILLING"
