"""Every act that puts a leader's signature on a document asks for the password (or one-time code) again, as
"Ký tất cả" does, and every confirmation names the document; withdrawing and recalling ask first, naming the
document and what follows, and come after the everyday steps."""

from __future__ import annotations

import html
import re

from flask import Flask

from congvan.demo_day import PASSWORD
from tests.support.api import Api
from tests.web.test_pages import _token, sign_in

URGENT = "báo cáo khẩn tình hình thiệt hại do mưa lũ"


def _state(api: Api, doc_id: int) -> str:
    return str(api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}").get_json()["state"])


def _urgent(api: Api) -> int:
    doc = api.draft(summary=URGENT, urgency="hoa_toc")
    api.advance(int(doc["id"]), "awaiting_signature")
    return int(doc["id"])


def test_the_api_signs_only_with_the_password_again(api: Api) -> None:
    doc_id = _urgent(api)
    path = f"/api/v1/documents/{doc_id}/actions/sign"
    bare = api.as_("giamdoc", "POST", path)
    assert bare.status_code == 400 and bare.get_json()["error"]["code"] == "missing_field"
    wrong = api.as_("giamdoc", "POST", path, json={"password": "not-my-password"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "reauth_failed"
    assert _state(api, doc_id) == "awaiting_signature"
    assert api.as_("giamdoc", "POST", path, json={"password": PASSWORD}).status_code == 200
    assert _state(api, doc_id) == "signed"


def test_sign_now_asks_for_the_password_and_names_the_document(app: Flask, api: Api) -> None:
    doc_id = _urgent(api)
    leader = sign_in(app, "giamdoc")
    book = leader.get("/signing").get_data(as_text=True)
    form = re.search(r"<form[^>]*act/sign[^>]*>.*?</form>", book, re.S)
    assert form is not None and f"/documents/{doc_id}/act/sign" in form.group(0)
    assert 'name="password"' in form.group(0) and URGENT in html.unescape(form.group(0))  # data-confirm names it
    reader = leader.get(f"/signing/read/{doc_id}").get_data(as_text=True)
    assert 'name="password"' in re.search(r"<form[^>]*act/sign.*?</form>", reader, re.S).group(0)  # type: ignore[union-attr]

    token = _token(leader, "/signing")
    one_click = leader.post(f"/documents/{doc_id}/act/sign", data={"csrf_token": token}, follow_redirects=True)
    assert "Cần nhập lại mật khẩu" in one_click.get_data(as_text=True)
    wrong = leader.post(
        f"/documents/{doc_id}/act/sign", data={"csrf_token": token, "password": "x"}, follow_redirects=True
    )
    assert "Mật khẩu xác nhận không đúng" in wrong.get_data(as_text=True)
    assert _state(api, doc_id) == "awaiting_signature"
    signed = leader.post(
        f"/documents/{doc_id}/act/sign", data={"csrf_token": token, "password": PASSWORD}, follow_redirects=True
    )
    assert f"Đã ký văn bản «{URGENT}»." in html.unescape(signed.get_data(as_text=True))
    assert _state(api, doc_id) == "signed"


def test_withdraw_and_recall_ask_first_and_come_last(app: Flask, api: Api) -> None:
    draft = api.draft(summary="kế hoạch kiểm tra năm 2027")
    drafter = sign_in(app, "chuyenvien")
    page = html.unescape(drafter.get(f"/documents/{draft['id']}").get_data(as_text=True))
    actions = re.findall(r'/documents/\d+/act/(\w+)"', page)
    assert actions.index("submit") < actions.index("withdraw")
    withdraw = re.search(r'<form[^>]*act/withdraw"[^>]*>', page, re.S)
    assert withdraw is not None and "data-confirm" in withdraw.group(0)
    assert "«kế hoạch kiểm tra năm 2027»" in withdraw.group(0) and "không trình duyệt" in withdraw.group(0)

    issued = api.draft(summary="thông báo lịch tiếp công dân")
    api.advance(int(issued["id"]), "dispatched")
    clerk = sign_in(app, "vanthu")
    page = html.unescape(clerk.get(f"/documents/{issued['id']}").get_data(as_text=True))
    recall = re.search(r'<form[^>]*act/recall"[^>]*>', page, re.S)
    assert recall is not None and "«thông báo lịch tiếp công dân»" in recall.group(0)
    assert "không hoàn tác" in recall.group(0)
    # Done, the confirmation names the document.
    token = _token(drafter, f"/documents/{draft['id']}")
    done = drafter.post(f"/documents/{draft['id']}/act/withdraw", data={"csrf_token": token}, follow_redirects=True)
    assert "Đã rút văn bản văn bản «kế hoạch kiểm tra năm 2027»." not in html.unescape(done.get_data(as_text=True))
    assert "Đã rút văn bản «kế hoạch kiểm tra năm 2027»." in html.unescape(done.get_data(as_text=True))
