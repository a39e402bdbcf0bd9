"""Delegation while away: begun, used and ended — the signing book handed to the delegate (drawn again under the
delegate's name and line) and back, the instruction on incoming documents, the rules, the clock moving it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from congvan.demo_day import PASSWORD
from signing.inspection import signature_count
from tests.routing.foreign import Foreign, arrive, package_from_snv
from tests.support.api import Api
from tests.test_uploaded_document import letter
from tests.web.test_pages import _token, sign_in
from tests.workflow.signatures.test_authority import _authorities, _pdf, _text
from workflow import jobs
from workflow.models import AuditEvent


def _book(api: Api, user: str) -> list[int]:
    return [d["id"] for d in api.as_(user, "GET", "/api/v1/signing-book").get_json()["documents"]]


def _notices(api: Api, user: str, kind: str) -> list[str]:
    found = api.as_(user, "GET", "/api/v1/notifications").get_json()["notifications"]
    return [n["message"] for n in found if n["kind"] == kind]


def _delegate(api: Api, user: str, **body: Any) -> Any:
    return api.as_(user, "POST", "/api/v1/delegations", json=body)


def _signing(api: Api, rt: Any, starts: dt.datetime, ends: dt.datetime, user: str = "giamdoc") -> dict[str, Any]:
    """giamdoc hands signing to phogiamdoc, who signs "KT. GIÁM ĐỐC"."""
    kt, _ = _authorities(api, "phogiamdoc")
    answer = _delegate(
        api,
        user,
        principal_id=api.id_of("giamdoc"),
        delegate_id=api.id_of("phogiamdoc"),
        scopes=["sign"],
        starts_at=starts.isoformat(),
        ends_at=ends.isoformat(),
        authority_id=kt["id"],
        note="Đi công tác Hà Nội.",
    )
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def _uploaded(api: Api) -> int:
    doc_id = int(api.upload(letter(), summary="văn bản tải lên ký tên giám đốc")["id"])
    api.advance(doc_id, "awaiting_signature")
    return doc_id


@pytest.mark.both_databases
def test_the_signing_book_goes_to_the_delegate_and_comes_back(app: Flask, api: Api, tmp_path: Any) -> None:
    rt = app.extensions["congvan"]
    waiting = api.drafted(2)
    upload = _uploaded(api)
    now = rt.now()
    delegation = _signing(api, rt, now - dt.timedelta(minutes=1), now + dt.timedelta(hours=8))
    assert (delegation["state"], delegation["scope_labels"]) == ("running", ["Ký văn bản"])
    assert delegation["authority_lines"] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]

    # Moved at once, drawn again with the deputy's name and line; the uploaded PDF names the director: it stays.
    assert _book(api, "phogiamdoc") == waiting and _book(api, "giamdoc") == [upload]
    moved = api.as_("phogiamdoc", "GET", f"/api/v1/documents/{waiting[0]}").get_json()
    assert moved["signer"]["username"] == "phogiamdoc"
    assert moved["authority_lines"] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    drawn = _text(_pdf(api, "phogiamdoc", waiting[0]), tmp_path)
    assert "Hoàng Văn Minh" in drawn and "KT. GIÁM ĐỐC" in drawn and "Phạm Mạnh Duyệt" not in drawn
    assert any("ủy quyền cho bạn «Ký văn bản»" in m for m in _notices(api, "phogiamdoc", "delegation"))
    assert len(_notices(api, "phogiamdoc", "to_sign")) == 2
    told = _notices(api, "giamdoc", "delegation")
    assert any("đã bắt đầu" in m for m in told)
    assert any(f"văn bản số {upload}" in m and "tải lên" in m for m in told)  # why one stayed, said once

    # A document approved for the director meanwhile goes to the deputy too; he signs in his own batch.
    (later,) = api.drafted(1)
    assert _book(api, "phogiamdoc") == [*waiting, later]
    batch = api.as_("phogiamdoc", "POST", "/api/v1/signing-batches", json={"document_ids": [waiting[0], later]})
    assert batch.status_code == 201, batch.get_json()
    confirm = f"/api/v1/signing-batches/{batch.get_json()['id']}/confirm"
    assert api.as_("phogiamdoc", "POST", confirm, json={"password": PASSWORD}).get_json()["state"] == "done"
    assert signature_count(_pdf(api, "phogiamdoc", later)) == 1
    report = api.as_("phogiamdoc", "GET", f"/api/v1/documents/{later}/signatures").get_json()
    assert [s["ok"] for s in report["signatures"]] == [True]

    # Withdrawn: what is still waiting goes back, drawn for the director again; both are told.
    withdrawn = api.as_("giamdoc", "POST", f"/api/v1/delegations/{delegation['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["state"] == "withdrawn"
    assert _book(api, "phogiamdoc") == [] and sorted(_book(api, "giamdoc")) == sorted([waiting[1], upload])
    back = api.as_("giamdoc", "GET", f"/api/v1/documents/{waiting[1]}").get_json()
    assert back["signer"]["username"] == "giamdoc" and back["authority_lines"] == ["GIÁM ĐỐC"]
    assert any("đã bị thu hồi" in m for m in _notices(api, "phogiamdoc", "delegation"))
    again = api.as_("giamdoc", "POST", f"/api/v1/delegations/{delegation['id']}/withdraw")
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "delegation_over")
    with rt.readers() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for action in ("delegation_created", "delegation_began", "delegated", "delegation_withdrawn", "handed_back"):
        assert action in actions
    assert actions.count("delegated") == 3 and actions.count("handed_back") == 1


def test_it_begins_and_ends_by_itself_when_the_clock_moves(
    app: Flask, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = app.extensions["congvan"]
    waiting = api.drafted(1)
    tomorrow = (rt.now() + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    delegation = _signing(api, rt, tomorrow, tomorrow.replace(hour=17))
    assert delegation["state"] == "scheduled"
    assert _book(api, "giamdoc") == waiting and _notices(api, "phogiamdoc", "delegation") == []
    listed = api.as_("phogiamdoc", "GET", "/api/v1/delegations").get_json()["items"]
    assert [(d["id"], d["state_label"]) for d in listed] == [(delegation["id"], "Chưa bắt đầu")]

    monkeypatch.setattr(rt, "now", lambda: tomorrow.replace(hour=9))
    assert jobs.reconcile()["delegations"] == 1
    assert _book(api, "phogiamdoc") == waiting and _book(api, "giamdoc") == []
    assert jobs.reconcile()["delegations"] == 0  # told once
    monkeypatch.setattr(rt, "now", lambda: tomorrow.replace(hour=17, minute=1))
    assert jobs.reconcile()["delegations"] == 1
    assert _book(api, "giamdoc") == waiting and _book(api, "phogiamdoc") == []
    assert any("đã hết thời hạn" in m for m in _notices(api, "giamdoc", "delegation"))
    assert jobs.reconcile()["delegations"] == 0
    ended = api.as_("giamdoc", "GET", "/api/v1/delegations").get_json()["items"]
    assert [d["state"] for d in ended] == ["ended"]


def test_what_may_be_delegated_and_by_whom(app: Flask, api: Api) -> None:
    rt = app.extensions["congvan"]
    now = rt.now()
    hour = dt.timedelta(hours=1)
    kt, _ = _authorities(api, "phogiamdoc")
    (own,) = _authorities(api, "giamdoc")
    good = {
        "delegate_id": api.id_of("phogiamdoc"),
        "scopes": ["sign"],
        "starts_at": now.isoformat(),
        "ends_at": (now + hour).isoformat(),
        "authority_id": kt["id"],
    }
    refused = {
        "to oneself": (good | {"delegate_id": api.id_of("giamdoc")}, 400, "self_delegation"),
        "signing to a non-leader": (good | {"delegate_id": api.id_of("truongphong")}, 400, "delegate_cannot_sign"),
        "without a line": (good | {"authority_id": None}, 400, "missing_field"),
        "under another's line": (good | {"authority_id": own["id"]}, 400, "invalid_authority"),
        "ending first": (good | {"ends_at": (now - hour).isoformat()}, 400, "invalid_period"),
        "over already": (
            good | {"starts_at": (now - 3 * hour).isoformat(), "ends_at": (now - hour).isoformat()},
            400,
            "period_over",
        ),
        "too long": (good | {"ends_at": (now + dt.timedelta(days=400)).isoformat()}, 400, "period_too_long"),
        "unknown scope": (good | {"scopes": ["approve_budget"]}, 400, "invalid_scope"),
        "no scope": (good | {"scopes": []}, 400, "missing_field"),
    }
    for case, (body, status, code) in refused.items():
        answer = _delegate(api, "giamdoc", **body)
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (status, code), case
    # Someone else's work: only the leader themself or the admin.
    other = _delegate(api, "phogiamdoc", **good | {"principal_id": api.id_of("giamdoc")})
    assert other.status_code == 403
    assert _delegate(api, "chuyenvien", **good).status_code == 400  # a specialist has no signing to hand over
    made = _delegate(api, "admin", **good | {"principal_id": api.id_of("giamdoc")})
    assert made.status_code == 201, made.get_json()
    overlap = _delegate(api, "giamdoc", **good | {"starts_at": (now + hour / 2).isoformat()})
    assert (overlap.status_code, overlap.get_json()["error"]["code"]) == (409, "delegation_overlaps")
    assert "Hoàng Văn Minh" in overlap.get_json()["error"]["message"]
    # Seen by its two people and the admin only.
    path = f"/api/v1/delegations/{made.get_json()['id']}/withdraw"
    assert api.as_("chuyenvien", "POST", path).status_code == 404
    assert api.as_("phogiamdoc", "POST", path).status_code == 403  # the delegate cannot end it
    assert api.as_("vanthu", "GET", "/api/v1/delegations").get_json()["items"] == []
    assert api.as_("admin", "POST", path).status_code == 200
    with rt.readers() as session:
        created = session.scalars(select(AuditEvent).where(AuditEvent.action == "delegation_created")).all()
        assert [e.actor.username for e in created if e.actor] == ["admin"]


def test_the_instruction_on_incoming_documents_can_be_delegated(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes
) -> None:
    answer = arrive(app, package_from_snv(signed_pdf, code_number=31))
    incoming_id = answer["incoming_id"]
    assert api.as_("vanthu", "POST", f"/api/v1/incoming/{incoming_id}/actions/register").status_code == 200
    assign = f"/api/v1/incoming/{incoming_id}/actions/assign"
    assert api.as_("truongphong", "POST", assign, json={"lead_unit_id": 3}).status_code == 404  # not his to see
    now = app.extensions["congvan"].now()
    made = _delegate(
        api,
        "giamdoc",
        delegate_id=api.id_of("truongphong"),
        scopes=["assign"],
        starts_at=(now - dt.timedelta(minutes=1)).isoformat(),
        ends_at=(now + dt.timedelta(hours=2)).isoformat(),
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["authority_lines"] == []
    listed = api.as_("truongphong", "GET", "/api/v1/incoming").get_json()
    assert incoming_id in [i["id"] for i in listed["incoming"]]
    assigned = api.as_("truongphong", "POST", assign, json={"lead_unit_id": 3})
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["state"] == "assigned"
    assert api.as_("giamdoc", "POST", f"/api/v1/delegations/{made.get_json()['id']}/withdraw").status_code == 200
    assert api.as_("truongphong", "GET", f"/api/v1/incoming/{incoming_id}").status_code == 404


def test_the_page_delegates_and_withdraws(app: Flask, api: Api) -> None:
    leader = sign_in(app, "giamdoc")
    page = leader.get("/delegations").get_data(as_text=True)
    assert "Ủy quyền mới" in page and "Chưa có ủy quyền nào." in page
    kt, _ = _authorities(api, "phogiamdoc")
    now = app.extensions["congvan"].now()
    form = {
        "csrf_token": _token(leader, "/delegations"),
        "delegate_id": str(api.id_of("phogiamdoc")),
        "scopes": ["sign", "assign"],
        "authority_id": str(kt["id"]),
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),  # as the browser's datetime-local sends it: local time
        "ends_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "note": "Nghỉ phép.",
    }
    made = leader.post("/delegations", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Đã ủy quyền cho Hoàng Văn Minh." in made and "Đang có hiệu lực" in made
    assert "Ký văn bản, Giao xử lý văn bản đến (bút phê)" in made and "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" in made
    (listed,) = api.as_("giamdoc", "GET", "/api/v1/delegations").get_json()["items"]
    assert listed["starts_at"][:16] == now.strftime("%Y-%m-%dT%H:%M")  # read as Vietnam time, kept as given
    wrong = leader.post(
        "/delegations", data=form | {"csrf_token": _token(leader, "/delegations")}, follow_redirects=True
    )
    assert "đã ủy quyền «Ký văn bản» cho Hoàng Văn Minh" in wrong.get_data(as_text=True)  # overlap, named
    delegate = sign_in(app, "phogiamdoc")
    seen = delegate.get("/delegations").get_data(as_text=True)
    assert "Phạm Mạnh Duyệt" in seen and "Thu hồi</button>" not in seen  # the delegate cannot end it
    withdrawn = leader.post(
        f"/delegations/{listed['id']}/withdraw",
        data={"csrf_token": _token(leader, "/delegations")},
        follow_redirects=True,
    )
    assert "Đã thu hồi ủy quyền cho Hoàng Văn Minh." in withdrawn.get_data(as_text=True)


@pytest.mark.both_databases
def test_a_head_of_unit_hands_the_approval_of_drafts_to_a_deputy(app: Flask, api: Api) -> None:
    draft = api.draft()
    assert api.act("chuyenvien", draft["id"], "submit").status_code == 200
    helper = "chuyenvien"  # the unit's specialist stands in for its head
    assert api.act(helper, draft["id"], "approve").status_code == 403
    now = app.extensions["congvan"].now()
    body = {
        "delegate_id": api.id_of(helper),
        "scopes": ["approve"],
        "starts_at": (now - dt.timedelta(minutes=1)).isoformat(),
        "ends_at": (now + dt.timedelta(hours=4)).isoformat(),
    }
    elsewhere = _delegate(api, "truongphong", **body | {"delegate_id": api.id_of("chuyenvien_dd")})
    assert (elsewhere.status_code, elsewhere.get_json()["error"]["code"]) == (400, "approve_other_unit")
    assert _delegate(api, "giamdoc", **body).get_json()["error"]["code"] == "scope_not_held"  # not a unit head
    made = _delegate(api, "truongphong", **body)
    assert made.status_code == 201, made.get_json()
    review = sign_in(app, helper).get("/review").get_data(as_text=True)
    assert draft["summary"] in review  # the review queue is the delegate's while it runs
    approved = api.act(helper, draft["id"], "approve")
    assert approved.status_code == 200, approved.get_json()
    assert api.as_(helper, "GET", f"/api/v1/documents/{draft['id']}").get_json()["state"] == "awaiting_signature"
    assert api.as_("truongphong", "POST", f"/api/v1/delegations/{made.get_json()['id']}/withdraw").status_code == 200
    second = api.draft()
    assert api.act("chuyenvien", second["id"], "submit").status_code == 200
    assert api.act(helper, second["id"], "approve").status_code == 403  # ended: no longer theirs
