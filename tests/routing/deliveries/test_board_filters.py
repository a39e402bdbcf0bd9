"""The clerk's board narrowed to what needs following (needs attention, not finished, one document, one day), with
a long list's finished recipients folded away so a day of documents stays a short page."""

from __future__ import annotations

import datetime as dt
import html

from flask import Flask

from tests.support.api import Api
from tests.web.test_pages import sign_in

UNITS = ["Phòng Quản lý đất đai", "Trung tâm CNTT"]
AGENCIES = ["Sở Nội vụ tỉnh Tuyên Quang", "Sở Tài chính tỉnh Tuyên Quang", "Sở Y tế tỉnh Tuyên Quang", "UBND tỉnh"]
NOI_NHAN = ["Như trên;", "Lưu: VT, VP."]


def _board(api: Api, **query: str) -> list[dict]:
    path = "/api/v1/dispatch-board" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    answer = api.as_("vanthu", "GET", path)
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json()["documents"])


def test_the_board_filters_and_folds(app: Flask, api: Api) -> None:
    wide = api.draft(summary="triển khai kế hoạch chuyển đổi số", kinh_gui=[*UNITS, *AGENCIES], noi_nhan=NOI_NHAN)
    narrow = api.draft(summary="mời họp giao ban tuần", kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=NOI_NHAN)
    for doc in (wide, narrow):
        api.advance(doc["id"], "dispatched")
    # The units finish the wide one; the agencies cannot be reached (no exchange connection here).
    for delivery in api.as_("vanthu", "GET", f"/api/v1/documents/{wide['id']}/deliveries").get_json()["deliveries"]:
        if delivery["recipient"]["kind"] == "unit":
            path = f"/api/v1/deliveries/{delivery['id']}/status"
            people = {"QLDD": "chuyenvien_dd", "CNTT": "chuyenvien_cntt"}
            user = people[delivery["recipient"]["unit"]["code"]]
            assert api.as_(user, "POST", path, json={"status": "06"}).status_code == 200

    everything = {row["document"]["id"]: row for row in _board(api)}
    assert len(everything[wide["id"]]["recipients"]) == 6 and everything[wide["id"]]["done"] == 2
    attention = {row["document"]["id"]: row for row in _board(api, show="attention")}
    assert [r["sending"] for r in attention[wide["id"]]["recipients"]] == ["not_sent"] * 4
    assert narrow["id"] not in attention  # nothing of it needs the clerk
    unfinished = {row["document"]["id"]: row for row in _board(api, show="open")}
    assert len(unfinished[wide["id"]]["recipients"]) == 4 and narrow["id"] in unfinished
    symbol = api.as_("vanthu", "GET", f"/api/v1/documents/{narrow['id']}").get_json()["symbol"]
    assert [row["document"]["id"] for row in _board(api, q=symbol)] == [narrow["id"]]
    assert [row["document"]["id"] for row in _board(api, q="chuyển đổi số")] == [wide["id"]]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    assert len(_board(api, day=today.isoformat())) == 2
    assert _board(api, day=(today - dt.timedelta(days=1)).isoformat()) == []

    clerk = sign_in(app, "vanthu")
    page = html.unescape(clerk.get("/board").get_data(as_text=True))
    section = page[page.index("triển khai kế hoạch chuyển đổi số") :].split("</section>")[0]
    assert "2 nơi nhận đã xong" in section and section.count("<tr") == 5  # the header and the four to follow
    narrowed = html.unescape(clerk.get(f"/board?show=attention&day={today:%d/%m/%Y}").get_data(as_text=True))
    assert "mời họp giao ban tuần" not in narrowed and "triển khai kế hoạch chuyển đổi số" in narrowed
    wrong = clerk.get("/board?day=31/02/2026")
    assert wrong.status_code == 400 and "ví dụ 31/12/2026" in html.unescape(wrong.get_data(as_text=True))
