"""How a document went to each recipient, said the same way everywhere: without a connection to the exchange
another agency's delivery is "not sent yet" (amber), never a failure, the clerk is warned before issuance and
records the paper copy sent instead; the document reads "Đã phát hành", each recipient "Đã gửi" once it went."""

from __future__ import annotations

import html
import re

from flask import Flask

from tests.support.api import Api
from tests.web.test_pages import _token, sign_in

AGENCIES = ["Sở Nội vụ tỉnh Tuyên Quang", "Sở Tài chính tỉnh Tuyên Quang"]


def _deliveries(api: Api, doc_id: int) -> dict[str, dict]:
    found = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/deliveries").get_json()["deliveries"]
    return {d["recipient"]["label"]: d for d in found}


def test_without_the_exchange_it_is_not_sent_yet_not_failed(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=[*AGENCIES, "Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "signed")
    clerk = sign_in(app, "vanthu")
    issuing = html.unescape(clerk.get("/issue").get_data(as_text=True))
    assert "2 nơi nhận ngoài cơ quan chưa gửi điện tử được (chưa kết nối trục liên thông)" in issuing
    api.advance(doc["id"], "dispatched")
    shown = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    assert shown["state_label"] == "Đã phát hành"
    deliveries = _deliveries(api, doc["id"])
    for name in AGENCIES:
        row = next(d for label, d in deliveries.items() if name.split(" tỉnh")[0] in label)
        assert (row["sending"], row["sending_label"]) == ("not_sent", "Chưa gửi được: chưa kết nối trục liên thông")
    unit = next(d for d in deliveries.values() if d["recipient"]["kind"] == "unit")
    assert (unit["sending"], unit["sending_label"]) == ("sent", "Đã gửi")
    board = html.unescape(clerk.get("/board").get_data(as_text=True))
    section = board[board.index(shown["symbol"]) :].split("</section>")[0]
    assert section.count('class="flag not_sent"') == 2 and 'class="flag failed"' not in section
    assert "gửi lỗi" not in section and "Ghi nhận đã gửi bản giấy" in section


def test_the_clerk_records_the_paper_copy(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=AGENCIES, noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    first, second = (d for d in _deliveries(api, doc["id"]).values())
    path = f"/api/v1/deliveries/{first['id']}/paper"
    assert api.as_("chuyenvien", "POST", path, json={"way": "post", "carrier": "x"}).status_code == 404
    bad = api.as_("vanthu", "POST", path, json={"way": "fax", "carrier": "x"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_way"
    paper = api.as_("vanthu", "POST", path, json={"way": "post", "carrier": "Bưu điện tỉnh Tuyên Quang"})
    assert paper.status_code == 200, paper.get_json()
    body = paper.get_json()
    assert (body["transport"], body["sending"]) == ("paper", "paper")
    assert re.fullmatch(
        r"Đã gửi bản giấy \(qua bưu điện, Bưu điện tỉnh Tuyên Quang, \d\d/\d\d/\d{4} \d\d:\d\d\)", body["sending_label"]
    )
    # The failure notice stays while one recipient is still not reached; the paper copy to it clears it.
    notices = api.as_("vanthu", "GET", "/api/v1/notifications?unread=1").get_json()["notifications"]
    assert any(n["kind"] == "delivery_failed" for n in notices)
    clerk = sign_in(app, "vanthu")
    token = _token(clerk, "/board")
    done = clerk.post(
        f"/deliveries/{second['id']}/paper",
        data={"csrf_token": token, "way": "hand", "carrier": "Lê Thị Hoa"},
        follow_redirects=True,
    )
    assert "gửi bản giấy tới" in html.unescape(done.get_data(as_text=True))
    assert all(d["sending"] == "paper" for d in _deliveries(api, doc["id"]).values())
    notices = api.as_("vanthu", "GET", "/api/v1/notifications?unread=1").get_json()["notifications"]
    assert not any(n["kind"] == "delivery_failed" for n in notices)
    again = api.as_("vanthu", "POST", path, json={"way": "post", "carrier": "x"})
    assert again.status_code == 200  # correcting the record is allowed until it went electronically


def test_an_unknown_recipient_is_held_back_then_named_and_sent_after_issuance(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["Ban Quản lý dự án lạ"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    known = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    for d in (doc, known):
        api.advance(d["id"], "signed")
    clerk = sign_in(app, "vanthu")
    issuing = clerk.get("/issue").get_data(as_text=True)
    boxes = dict(re.findall(r'name="document_id" value="(\d+)"( checked)?>', issuing))
    assert boxes[str(doc["id"])] == "" and boxes[str(known["id"])] == " checked"  # held back unless ticked
    api.advance(doc["id"], "dispatched")  # the clerk ticked it: issued all the same
    (unknown,) = _deliveries(api, doc["id"]).values()
    assert unknown["sending"] == "not_sent" and "không tìm thấy" in unknown["sending_label"]
    board = html.unescape(clerk.get("/board").get_data(as_text=True))
    assert "“Ban Quản lý dự án lạ” là" in board and '<option value="" selected>— chọn đơn vị hoặc cơ quan —' in board
    directory = api.as_("vanthu", "GET", "/api/v1/directory").get_json()
    ours = next(a for a in directory["agencies"] if a["is_self"])
    qldd = next(u["id"] for u in ours["units"] if u["code"] == "QLDD")
    path = f"/api/v1/deliveries/{unknown['id']}/target"
    assert api.as_("vanthu", "POST", path, json={"kind": "list", "id": qldd}).status_code == 400
    sent = api.as_("vanthu", "POST", path, json={"kind": "unit", "id": qldd})
    assert sent.status_code == 202, sent.get_json()
    (now,) = _deliveries(api, doc["id"]).values()
    assert (now["recipient"]["kind"], now["sending"]) == ("unit", "sent")  # delivered to the unit's inbox
    inbox = api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()
    assert any(item["document_id"] == doc["id"] for item in inbox["deliveries"]), inbox
    # Remembered for every later document.
    later = api.draft(kinh_gui=["Ban Quản lý dự án lạ"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    preview = api.as_("vanthu", "GET", f"/api/v1/documents/{later['id']}/recipients").get_json()
    assert "unresolved" not in str(preview)
