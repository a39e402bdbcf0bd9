"""Deliveries per recipient: internal inbox, exchange without a route, unresolved names kept visible."""

from __future__ import annotations

import pytest

from routing.exchange import outbound
from tests.support.api import Api

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def test_unknown_recipient_is_kept_visible(api: Api) -> None:
    doc = api.draft(kinh_gui=["Sở Tài chính"], noi_nhan=["Như trên;", "Công ty ABC (để biết);", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    board = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"]
    assert [(d["recipient"]["label"], d["recipient"]["kind"], d["transport"], d["purpose"]) for d in board] == [
        # No exchange configured: failed at once, visible, not pending forever.
        ("Sở Tài chính", "agency", "failed", "action"),
        ("Công ty ABC", "unresolved", "unresolved", "info"),
    ]
    assert board[0]["last_error"] == outbound.NOT_CONNECTED
    assert board[1]["last_error"] == "Không tìm thấy nơi nhận trong danh bạ."


def test_group_of_units_reaches_every_unit_but_the_drafting_one(api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    board = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"]
    units = sorted(d["recipient"]["unit"]["code"] for d in board if d["recipient"]["unit"])
    assert units == ["CNTT", "QLDD", "TNN"]
    inbox = api.as_("chuyenvien_cntt", "GET", "/api/v1/inbox").get_json()["deliveries"]
    assert [d["document"]["symbol"] for d in inbox] == ["01/STNMT-VP"]
    assert inbox[0]["status"] == "01" and inbox[0]["status_label"] == "Đã đến"


def test_clerk_resends_a_failed_delivery(api: Api) -> None:
    doc = api.draft(kinh_gui=["Sở Tài chính", "Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    board = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"]
    failed = next(d for d in board if d["transport"] == "failed")
    delivered = next(d for d in board if d["transport"] == "delivered")
    assert api.as_("chuyenvien", "POST", f"/api/v1/deliveries/{failed['id']}/resend").status_code == 403
    response = api.as_("vanthu", "POST", f"/api/v1/deliveries/{delivered['id']}/resend")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_failed"
    response = api.as_("vanthu", "POST", f"/api/v1/deliveries/{failed['id']}/resend")
    assert response.status_code == 202
    # Still no route to Sở Tài chính in this deployment: tried again at once, failed again, visibly.
    again = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"]
    assert next(d for d in again if d["id"] == failed["id"])["transport"] == "failed"
    events = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/events").get_json()["events"]
    actions = [e["action"] for e in events]
    assert actions.count("delivery_failed") == 2 and actions.count("delivery_resent") == 1
