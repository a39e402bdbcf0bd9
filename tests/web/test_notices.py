"""Notices about work clear when the work is done, come one per document and cause, read in plain words, and the
bell does not count again what a menu counter shows."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.routing.foreign import Foreign, arrive, package_from_snv
from tests.support.api import Api
from tests.web.test_pages import sign_in


def _notices(api: Api, user: str, kind: str, unread: bool = True) -> list[dict[str, Any]]:
    query = "?unread=1" if unread else ""
    found = api.as_(user, "GET", f"/api/v1/notifications{query}").get_json()["notifications"]
    return [n for n in found if n["kind"] == kind]


def _bell(app: Flask, user: str) -> int:
    return int(sign_in(app, user).get("/live.json").get_json()["unread"])


def test_to_sign_clears_when_signed_or_returned_and_the_bell_does_not_count_it(app: Flask, api: Api) -> None:
    signed, returned = (api.draft(summary=f"tờ trình số {n}") for n in (1, 2))
    for doc in (signed, returned):
        api.advance(doc["id"], "awaiting_signature")
    assert {n["document_id"] for n in _notices(api, "giamdoc", "to_sign")} == {signed["id"], returned["id"]}
    live = sign_in(app, "giamdoc").get("/live.json").get_json()
    assert live["signing"] == 2 and live["unread"] == 0  # the signing book counts them, once
    api.act("giamdoc", signed["id"], "sign")
    api.act("giamdoc", returned["id"], "return", "Bổ sung số liệu.")
    assert _notices(api, "giamdoc", "to_sign") == []
    assert len(_notices(api, "giamdoc", "to_sign", unread=False)) == 2  # kept in the list, read
    # The drafter's notice of the return clears when the draft goes on again.
    assert [n["document_id"] for n in _notices(api, "chuyenvien", "document_returned")] == [returned["id"]]
    api.act("chuyenvien", returned["id"], "submit")
    assert _notices(api, "chuyenvien", "document_returned") == []


def test_a_units_notice_clears_when_it_is_finished(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    assert len(_notices(api, "chuyenvien_dd", "incoming_document")) == 1
    deliveries = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"]
    unit = next(d for d in deliveries if d["recipient"]["kind"] == "unit")
    for code in ("03", "06"):
        path = f"/api/v1/deliveries/{unit['id']}/status"
        assert api.as_("chuyenvien_dd", "POST", path, json={"status": code}).status_code == 200
    assert _notices(api, "chuyenvien_dd", "incoming_document") == []


def test_failed_deliveries_are_one_notice_per_document_in_plain_words(app: Flask, api: Api) -> None:
    agencies = ["Sở Nội vụ tỉnh Tuyên Quang", "Sở Tài chính tỉnh Tuyên Quang", "Sở Y tế tỉnh Tuyên Quang"]
    doc = api.draft(kinh_gui=agencies, noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    (notice,) = _notices(api, "vanthu", "delivery_failed")
    assert notice["document_id"] == doc["id"] and "3 nơi nhận" in notice["message"]
    assert all(name.split(" tỉnh")[0] in notice["message"] for name in agencies), notice["message"]
    assert "CONGVAN_" not in notice["message"] and "Chưa kết nối trục liên thông" in notice["message"]
    page = sign_in(app, "vanthu").get("/notifications").get_data(as_text=True)
    assert page.count('class="notice unread"') == 1 and "CONGVAN_" not in page
    assert _bell(app, "vanthu") == 1


def test_the_clerks_notice_of_an_arrival_clears_once_registered(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes
) -> None:
    answer = arrive(app, package_from_snv(signed_pdf, foreign.signer))
    assert answer["result"] == "received"
    assert len(_notices(api, "vanthu", "incoming_received")) == 1
    path = f"/api/v1/incoming/{answer['incoming_id']}/actions/register"
    assert api.as_("vanthu", "POST", path, json={}).status_code == 200
    assert _notices(api, "vanthu", "incoming_received") == []
