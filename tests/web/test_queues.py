"""The day's queues in the pages, without a browser: the signing book's ticks and read marks, bulk approval and
issuance, a document opened from the inbox, and the notifications that tell people what waits."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

from congvan.demo_day import PASSWORD
from tests.support.api import Api
from tests.web.test_pages import _token, sign_in


def _unit_delivery(api: Api, doc_id: int) -> dict:
    deliveries = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/deliveries").get_json()["deliveries"]
    return next(d for d in deliveries if d["recipient"]["kind"] == "unit")


def test_the_book_signs_only_what_is_ticked_and_marks_what_was_read(app: Flask, api: Api) -> None:
    first, second, third = api.drafted(3)
    leader = sign_in(app, "giamdoc")
    token = _token(leader, "/signing")
    nothing = leader.post("/signing/sign-all", data={"csrf_token": token, "password": PASSWORD})
    assert nothing.status_code == 302
    assert "Chưa chọn văn bản nào để ký." in leader.get("/signing").get_data(as_text=True)
    assert len(api.as_("giamdoc", "GET", "/api/v1/signing-book").get_json()["documents"]) == 3  # none signed

    reader = leader.get(f"/signing/read/{second}").get_data(as_text=True)
    assert "Văn bản 2/3" in reader and f"/signing/read/{first}" in reader and f"/signing/read/{third}" in reader
    assert reader.count('class="page"') >= 1
    page = leader.get("/signing").get_data(as_text=True)
    assert page.count("Đã đọc</span>") == 1 and "Đã đọc 1/3." in page
    events = api.as_("giamdoc", "GET", f"/api/v1/documents/{second}/events").get_json()["events"]
    assert [e["action"] for e in events].count("read_for_signing") == 1
    leader.get(f"/signing/read/{second}")  # read again: one mark per version
    events = api.as_("giamdoc", "GET", f"/api/v1/documents/{second}/events").get_json()["events"]
    assert [e["action"] for e in events].count("read_for_signing") == 1

    form = {"csrf_token": token, "password": PASSWORD, "document_id": [first, third]}
    signed = leader.post("/signing/sign-all", data=form)
    assert signed.status_code == 302 and "/signing/batches/" in signed.headers["Location"]
    batch = leader.get(signed.headers["Location"]).get_data(as_text=True)
    assert "1 trang" in batch and "SHA" not in batch  # each document's pages and result, no hashes
    left = api.as_("giamdoc", "GET", "/api/v1/signing-book").get_json()["documents"]
    assert [d["id"] for d in left] == [second]
    gone = leader.get(f"/signing/read/{first}")  # signed: no longer in the book
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/signing")


def test_bulk_approval_and_issuance_in_the_order_shown(app: Flask, api: Api) -> None:
    drafts = []
    for n in range(3):
        doc = api.draft(summary=f"dự thảo số {n + 1}")
        api.act("chuyenvien", doc["id"], "submit")
        drafts.append(doc["id"])
    head = sign_in(app, "truongphong")
    form = {"csrf_token": _token(head, "/review"), "document_id": drafts[:2]}
    done = head.post("/review/approve", data=form).get_data(as_text=True)
    assert "2/2 văn bản xong." in done
    states = [api.as_("chuyenvien", "GET", f"/api/v1/documents/{d}").get_json()["state"] for d in drafts]
    assert states == ["awaiting_signature", "awaiting_signature", "in_review"]
    api.act("truongphong", drafts[2], "approve")
    for doc_id in drafts:
        api.act("giamdoc", doc_id, "sign")
    clerk = sign_in(app, "vanthu")
    form = {"csrf_token": _token(clerk, "/issue"), "document_id": [drafts[2], drafts[0], drafts[1]]}
    issued = clerk.post("/issue/all", data=form).get_data(as_text=True)
    assert "3/3 văn bản xong." in issued
    symbols = [api.as_("vanthu", "GET", f"/api/v1/documents/{d}").get_json()["symbol"] for d in drafts]
    assert symbols == ["02/STNMT-VP", "03/STNMT-VP", "01/STNMT-VP"]  # numbers in the order sent
    # Someone who may not approve gets each document refused, nothing done.
    specialist = sign_in(app, "chuyenvien")
    refused = specialist.post(
        "/review/approve", data={"csrf_token": _token(specialist, "/documents"), "document_id": drafts[0]}
    ).get_data(as_text=True)
    assert "0/1 văn bản xong." in refused


def test_a_document_opened_from_the_inbox_is_received_and_people_are_told(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.act("chuyenvien", doc["id"], "submit")
    api.act("truongphong", doc["id"], "return", "Sửa trích yếu.")
    told = api.as_("chuyenvien", "GET", "/api/v1/notifications?unread=1").get_json()["notifications"]
    assert [n["kind"] for n in told] == ["document_returned"] and "Sửa trích yếu." in told[0]["message"]
    api.advance(doc["id"], "dispatched")
    to_sign = api.as_("giamdoc", "GET", "/api/v1/notifications").get_json()["notifications"]
    assert "to_sign" in [n["kind"] for n in to_sign]
    unit = sign_in(app, "chuyenvien_dd")
    inbox = unit.get("/inbox").get_data(as_text=True)
    assert "Để thực hiện" in inbox and "Mở văn bản" in inbox and "Sở Tài nguyên" in inbox
    assert "Chưa có" not in unit.get("/inbox?view=waiting&purpose=action").get_data(as_text=True)
    assert doc["summary"] not in unit.get("/inbox?purpose=info").get_data(as_text=True)
    assert _unit_delivery(api, doc["id"])["status"] == "01"
    bell = api.as_("chuyenvien_dd", "GET", "/api/v1/notifications?unread=1").get_json()["notifications"]
    assert [n["kind"] for n in bell] == ["incoming_document"]
    live = unit.get("/live.json").get_json()
    assert live["unread"] == 0 and live["inbox"] == 1  # the inbox counts it; the bell does not count it again

    page = unit.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Đã tiếp nhận" in page and "Hoàn thành" in page and "← Hộp thư đơn vị" in page
    assert _unit_delivery(api, doc["id"])["status"] == "03"  # opening it recorded 03
    unit.get(f"/documents/{doc['id']}")
    history = api.as_("vanthu", "GET", "/api/v1/dispatch-board").get_json()["documents"][0]["recipients"]
    assert [h["status"] for r in history if r["recipient"]["kind"] == "unit" for h in r["history"]] == ["01", "03"]

    api.act("vanthu", doc["id"], "recall", "Phát hành nhầm.")
    bell = api.as_("chuyenvien_dd", "GET", "/api/v1/notifications").get_json()["notifications"]
    assert bell == []  # the recalled document's notice went with it


def test_the_clerk_reads_a_plain_explanation_instead_of_the_administrators_message(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["Sở Tài chính"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    board = api.as_("vanthu", "GET", "/api/v1/dispatch-board").get_json()["documents"][0]["recipients"]
    assert [r["needs_admin"] for r in board] == [True]
    clerk = sign_in(app, "vanthu").get("/board").get_data(as_text=True)
    assert "Quản trị viên cần khai báo kết nối với trục liên thông" in clerk and "CONGVAN_" not in clerk
    assert 'class="flag not_sent"' in clerk and "Chưa gửi được: chưa kết nối trục liên thông" in clerk  # amber
    assert "Gửi lại" not in clerk  # it cannot succeed until the administrator acts
    assert "CONGVAN_" not in board[0]["last_error"]  # no setting names, in the API either


def test_the_pages_ask_for_dates_as_people_write_them_and_mark_the_wrong_field(app: Flask, api: Api) -> None:
    specialist = sign_in(app, "chuyenvien")
    form = {
        "csrf_token": _token(specialist, "/documents/new"),
        "doc_type": "cong_van",
        "summary": "",
        "body": "Nội dung.",
        "signer_id": str(api.id_of("giamdoc")),
        "due_date": "31/12/2026",
    }
    refused = specialist.post("/documents/new", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Thiếu trích yếu." in page and "(summary)" not in page  # in Vietnamese, no English field name
    assert 'id="summary" aria-invalid="true"' in page
    made = specialist.post("/documents/new", data=form | {"summary": "có hạn xử lý"})
    assert made.status_code == 302
    doc_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}").get_json()["due_date"] == "2026-12-31"
    shown = specialist.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert 'value="31/12/2026"' in shown and 'type="date"' not in shown
    wrong = specialist.post("/documents/new", data=form | {"summary": "x", "due_date": "31/13/2026"})
    assert "Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm" in wrong.get_data(as_text=True)
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    start, end = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    found = specialist.get(f"/search?q=&from={start.day}/{start.month}/{start.year}&to={end:%d/%m/%Y}")
    assert "có hạn xử lý" in found.get_data(as_text=True)
    assert f'value="{start:%d/%m/%Y}"' in found.get_data(as_text=True)


def test_a_refused_revision_marks_its_field_on_the_page_it_returns_to(app: Flask, api: Api) -> None:
    doc = api.draft()
    specialist = sign_in(app, "chuyenvien")
    token = _token(specialist, f"/documents/{doc['id']}")
    refused = specialist.post(
        f"/documents/{doc['id']}/versions",
        data={"csrf_token": token, "summary": " "},
        headers={"Referer": f"http://localhost/documents/{doc['id']}"},
    )
    assert refused.status_code == 302
    page = specialist.get(refused.headers["Location"]).get_data(as_text=True)
    assert 'data-invalid="summary"' in page, page[page.find("<main") : page.find("<main") + 300]
    assert "Thiếu trích yếu." in page and "(summary)" not in page
    assert 'data-invalid=""' in specialist.get(f"/documents/{doc['id']}").get_data(as_text=True)  # once only
