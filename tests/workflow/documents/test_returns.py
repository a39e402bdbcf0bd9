"""Every way a document comes back to its drafter leads to a draft that can be submitted, approved and signed
again: returned by the head of unit, by the leader through the API, from the signing book, from its reader,
out of a batch prepared ahead, with a revision and without one."""

from __future__ import annotations

from flask import Flask

from congvan.demo_day import PASSWORD
from tests.support.api import Api
from tests.web.test_pages import _token, sign_in

REASON = "Đề nghị bổ sung thời hạn báo cáo."


def _state(api: Api, doc_id: int) -> str:
    return str(api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}").get_json()["state"])


def _resubmit_and_sign(api: Api, doc_id: int) -> None:
    """The drafter sends it again; the head approves it; the leader signs it: each step answered 200."""
    assert _state(api, doc_id) == "drafting"
    for user, action in (("chuyenvien", "submit"), ("truongphong", "approve"), ("giamdoc", "sign")):
        response = api.act(user, doc_id, action)
        assert response.status_code == 200, (action, response.get_json())
    assert _state(api, doc_id) == "signed"


def _awaiting(api: Api) -> int:
    doc = api.draft(summary="báo cáo tình hình thực hiện nhiệm vụ quý IV")
    api.advance(doc["id"], "awaiting_signature")
    return int(doc["id"])


def test_returned_by_the_head_of_unit(api: Api) -> None:
    doc = api.draft()
    api.act("chuyenvien", doc["id"], "submit")
    assert api.act("truongphong", doc["id"], "return", REASON).status_code == 200
    _resubmit_and_sign(api, doc["id"])


def test_returned_by_the_leader_and_sent_back_unchanged(api: Api) -> None:
    doc_id = _awaiting(api)
    assert api.act("giamdoc", doc_id, "return", REASON).status_code == 200
    _resubmit_and_sign(api, doc_id)
    # The PDF signed is the one approved: one prepared version, no second set of fields.
    versions = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}/versions").get_json()["versions"]
    assert [v["kind"] for v in versions].count("prepared") == 1


def test_returned_by_the_leader_then_revised(api: Api) -> None:
    doc_id = _awaiting(api)
    assert api.act("giamdoc", doc_id, "return", REASON).status_code == 200
    changed = api.as_(
        "chuyenvien",
        "POST",
        f"/api/v1/documents/{doc_id}/versions",
        json={"summary": "báo cáo tình hình thực hiện nhiệm vụ quý IV, thời hạn trước ngày 15/12/2026"},
    )
    assert changed.status_code == 201, changed.get_json()
    _resubmit_and_sign(api, doc_id)


def test_returned_from_the_signing_book_and_its_reader(app: Flask, api: Api) -> None:
    from_book, from_reader = _awaiting(api), _awaiting(api)
    leader = sign_in(app, "giamdoc")
    token = _token(leader, "/signing")
    book = leader.post(f"/documents/{from_book}/act/return", data={"csrf_token": token, "reason": REASON})
    assert book.status_code == 302
    reader = leader.get(f"/signing/read/{from_reader}").get_data(as_text=True)
    assert "Trả lại" in reader
    after = leader.post(
        f"/documents/{from_reader}/act/return",
        data={"csrf_token": token, "reason": REASON, "next": "/signing"},
    )
    assert after.status_code == 302 and after.headers["Location"].endswith("/signing")
    for doc_id in (from_book, from_reader):
        _resubmit_and_sign(api, doc_id)


def test_returned_out_of_a_batch_prepared_ahead(api: Api) -> None:
    kept, returned = _awaiting(api), _awaiting(api)
    leader_id = api.id_of("giamdoc")
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader_id}).get_json()
    assert {i["document_id"] for i in batch["items"]} == {kept, returned}
    assert api.act("giamdoc", returned, "return", REASON).status_code == 200
    # It left the batch waiting for confirmation, which signs the rest.
    waiting = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()
    assert [i["document_id"] for i in waiting["items"]] == [kept]
    path = f"/api/v1/signing-batches/{batch['id']}/confirm"
    assert api.as_("giamdoc", "POST", path, json={"password": PASSWORD}).status_code == 202
    assert _state(api, kept) == "signed"
    # Sent back and approved again, it goes into a new batch and is signed there.
    for user, action in (("chuyenvien", "submit"), ("truongphong", "approve")):
        assert api.act(user, returned, action).status_code == 200
    again = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader_id})
    assert again.status_code == 201, again.get_json()
    assert [i["document_id"] for i in again.get_json()["items"]] == [returned]
    path = f"/api/v1/signing-batches/{again.get_json()['id']}/confirm"
    assert api.as_("giamdoc", "POST", path, json={"password": PASSWORD}).status_code == 202
    assert _state(api, returned) == "signed"
