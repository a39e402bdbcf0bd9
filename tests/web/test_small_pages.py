"""The small things a newcomer meets on the pages: recipients listed once each, the usual button first, a person
on the board by name, no empty notes on phone cards, a named confirmation after the inbox moves on, only the
steps ahead offered, and an icon for every page."""

from __future__ import annotations

import html
import re

from flask import Flask

from tests.support.api import Api
from tests.web.test_pages import _token, sign_in


def test_recipients_read_once_each_and_the_usual_button_comes_first(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["- Sở Nội vụ;", "- Sở Tài chính;"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    drafter = sign_in(app, "chuyenvien")
    page = html.unescape(drafter.get(f"/documents/{doc['id']}").get_data(as_text=True))
    listed = page[page.index("Kính gửi</dt>") :].split("</dd>")[0]
    assert listed.endswith("<dd>Sở Nội vụ; Sở Tài chính"), listed  # no ";;", no typed dashes
    page = drafter.get("/documents/new").get_data(as_text=True)
    form = page[page.index("<main") :]
    buttons = re.findall(r'<button type="submit"([^>]*)>([^<]+)</button>', form)
    assert buttons[0] == (' name="then" value="submit"', "Lưu và trình")  # first, so Enter takes it; highlighted


def test_the_board_names_a_person_and_leaves_out_empty_notes(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Giám đốc Sở;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    board = html.unescape(sign_in(app, "vanthu").get("/board").get_data(as_text=True))
    assert "Giám đốc Phạm Mạnh Duyệt (Ban Giám đốc Sở)" in board  # the person, not only their unit
    notes = re.findall(r'<td data-label="Ghi chú"( class="empty")?>', board)
    assert notes and all(empty for empty in notes)  # nothing to note: the phone card shows no "Ghi chú:"


def test_the_inbox_offers_only_steps_ahead_and_names_what_moved(app: Flask, api: Api) -> None:
    first = api.draft(summary="kế hoạch thứ nhất", kinh_gui=["Phòng Quản lý đất đai"])
    api.advance(first["id"], "dispatched")
    unit = sign_in(app, "chuyenvien_dd")
    unit.get(f"/documents/{first['id']}")  # opened: 03 recorded
    inbox = unit.get("/inbox").get_data(as_text=True)
    card = inbox[inbox.index("kế hoạch thứ nhất") :]
    assert "Đang xử lý" in card and "Đã tiếp nhận</button>" not in card.split("</li>")[0]
    token = _token(unit, "/inbox")
    deliveries = api.as_("vanthu", "GET", f"/api/v1/documents/{first['id']}/deliveries").get_json()["deliveries"]
    delivery = next(d for d in deliveries if d["recipient"]["kind"] == "unit")
    done = unit.post(
        f"/deliveries/{delivery['id']}/status", data={"csrf_token": token, "status": "06"}, follow_redirects=True
    )
    text = html.unescape(done.get_data(as_text=True))
    symbol = api.as_("vanthu", "GET", f"/api/v1/documents/{first['id']}").get_json()["symbol"]
    assert f"Văn bản {symbol} «kế hoạch thứ nhất»: Hoàn thành." in text


def test_every_page_has_an_icon(app: Flask) -> None:
    client = app.test_client()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and icon.headers["Location"].endswith("/favicon.svg")
    with client.get(icon.headers["Location"]) as served:
        assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
