"""The signing book and end-of-day batches: manifest, one confirmation, failures alone, retry."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from congvan.demo_day import PASSWORD
from signing.inspection import signature_count
from tests.support.api import Api
from workflow import jobs
from workflow.models import SigningBatch

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def test_manifest_excludes_urgent_and_needs_the_leader(api: Api) -> None:
    normal = api.drafted(2)
    urgent = api.drafted(1, urgency="hoa_toc")
    signing_book = api.as_("giamdoc", "GET", "/api/v1/signing-book").get_json()["documents"]
    assert {d["id"] for d in signing_book} == {*normal, *urgent}
    seen_by_clerk = api.as_("vanthu", "GET", f"/api/v1/signing-book?leader_id={api.id_of('giamdoc')}").get_json()
    assert [d["id"] for d in seen_by_clerk["documents"]] == [d["id"] for d in signing_book]
    assert api.as_("chuyenvien", "GET", f"/api/v1/signing-book?leader_id={api.id_of('giamdoc')}").status_code == 404
    assert (
        api.as_("chuyenvien", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}).status_code
        == 403
    )
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}).get_json()
    assert [i["document_id"] for i in batch["items"]] == normal
    for item in batch["items"]:
        doc = api.as_("vanthu", "GET", f"/api/v1/documents/{item['document_id']}").get_json()
        assert item["sha256"] == doc["current_version"]["sha256"]
        assert item["summary"] == doc["summary"]
    # Only the leader of the batch confirms it.
    assert (
        api.as_(
            "vanthu", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
        ).status_code
        == 403
    )
    assert (
        api.as_(
            "phogiamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
        ).status_code
        == 404
    )
    # The leader types the password again: none or a wrong one signs nothing and leaves the batch open.
    path = f"/api/v1/signing-batches/{batch['id']}/confirm"
    missing = api.as_("giamdoc", "POST", path)
    assert missing.status_code == 400 and missing.get_json()["error"]["detail"]["field"] == "password"
    wrong = api.as_("giamdoc", "POST", path, json={"password": "doan-bua"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "reauth_failed"
    assert api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()["state"] == "open"
    # A document already in an open batch is not collected twice.
    again = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "nothing_to_sign"
    confirmed = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    ).get_json()
    assert confirmed["state"] == "done" and confirmed["counts"] == {"signed": 2}
    twice = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    ).get_json()
    assert twice["state"] == "done"
    for doc_id in normal:
        assert signature_count(api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/pdf").data) == 1


def test_a_failed_document_fails_alone_and_is_retried_alone(app: Flask, api: Api) -> None:
    ids = api.drafted(3)
    rt = app.extensions["congvan"]
    middle = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[1]}").get_json()["current_version"]["sha256"]
    path = Path(rt.settings.files_dir) / middle[:2] / f"{middle}.pdf"
    saved = path.read_bytes()
    path.unlink()  # the stored file of one document is missing
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}).get_json()
    result = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    ).get_json()
    assert result["state"] == "partial"
    assert [i["status"] for i in result["items"]] == ["signed", "failed", "signed"]
    assert result["items"][1]["error"]

    path.write_bytes(saved)
    retried = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/retry").get_json()
    assert retried["state"] == "done" and retried["counts"] == {"signed": 3}
    for doc_id in ids:
        events = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/events").get_json()["events"]
        assert [e["action"] for e in events].count("signature_applied") == 1
    nothing = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/retry")
    assert nothing.status_code == 409


def test_cutoff_creates_one_batch_per_leader(app: Flask, api: Api) -> None:
    api.drafted(2)
    api.drafted(1, urgency="khan")
    api.drafted(1, signer_id=api.id_of("phogiamdoc"))
    created = jobs.create_due_batches()
    assert len(created) == 2
    rt = app.extensions["congvan"]
    with rt.sessions() as session:
        batches = {b.leader.username: len(b.items) for b in session.scalars(select(SigningBatch))}
    assert batches == {"giamdoc": 2, "phogiamdoc": 1}
    assert jobs.create_due_batches() == []


def test_deputy_signs_with_kt_authority(api: Api) -> None:
    doc = api.draft(signer_id=api.id_of("phogiamdoc"))
    api.advance(doc["id"], "awaiting_signature")
    assert api.act("giamdoc", doc["id"], "sign").status_code == 404  # not the designated signer: not his to see
    assert api.act("phogiamdoc", doc["id"], "sign").status_code == 200
