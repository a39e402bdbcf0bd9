"""The web pages in-process: sign-in, CSRF on forms, every page for every role, refusals in Vietnamese."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from congvan.demo_day import PASSWORD
from tests.routing.foreign import Foreign, arrive, package_from_snv
from tests.support.api import Api

PAGES = ["/", "/documents", "/documents/new", "/review", "/signing", "/issue", "/inbox", "/incoming", "/account"]
USERS = ["chuyenvien", "truongphong", "giamdoc", "vanthu", "admin", "chuyenvien_dd"]


def _token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1)


def sign_in(app: Flask, user: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/login", data={"username": user, "password": PASSWORD, "csrf_token": _token(client, "/login")}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    return client


def test_sign_in_session_and_csrf(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/documents")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/documents"
    # A form without its CSRF token is refused, in Vietnamese, and nobody is signed in.
    response = client.post("/login", data={"username": "vanthu", "password": PASSWORD})
    assert response.status_code == 400 and "Phiên làm việc của biểu mẫu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    response = client.post(
        "/login", data={"username": "vanthu", "password": "sai", "csrf_token": _token(client, "/login")}
    )
    assert response.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    response = client.post(
        "/login", data={"username": "vanthu", "password": PASSWORD, "csrf_token": _token(client, "/login")}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Lê Thị Hoa" in client.get("/").get_data(as_text=True)
    # Signing out needs the token too, then the pages are closed again.
    assert client.post("/logout").status_code == 400
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    assert client.get("/").status_code == 302
    # An open redirect through ?next= is not followed.
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "vanthu", "password": PASSWORD, "csrf_token": _token(client, "/login")},
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("user", USERS)
def test_every_page_opens_for_every_role(app: Flask, user: str) -> None:
    client = sign_in(app, user)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (user, path)
        assert response.mimetype == "text/html" and '<html lang="vi">' in response.get_data(as_text=True)
    board = client.get("/board")
    # The board is the clerk's (and leaders'); others get the reason as a page, never JSON.
    assert board.mimetype == "text/html"
    assert board.status_code == (200 if user in ("vanthu", "giamdoc", "admin") else 403)
    # The outgoing register is the clerk's book.
    registers = client.get("/registers")
    assert registers.mimetype == "text/html"
    assert registers.status_code == (200 if user == "vanthu" else 403)


def test_a_refused_step_comes_back_on_the_page(app: Flask, api: Api) -> None:
    doc = api.draft()
    client = sign_in(app, "chuyenvien")
    token = _token(client, f"/documents/{doc['id']}")
    response = client.post(
        f"/documents/{doc['id']}/act/approve",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost/documents/{doc['id']}"},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/documents/{doc['id']}"
    page = client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Không thể duyệt khi văn bản đang ở trạng thái" in page
    assert client.get("/documents/999").status_code == 404
    assert client.get(f"/documents/{doc['id']}/versions/1/pages/1.png").mimetype == "image/png"
    assert client.get(f"/documents/{doc['id']}/versions/1/pages/9.png").status_code == 404


def test_new_draft_form_keeps_what_was_typed_when_refused(app: Flask) -> None:
    client = sign_in(app, "chuyenvien")
    token = _token(client, "/documents/new")
    response = client.post(
        "/documents/new",
        data={"csrf_token": token, "doc_type": "cong_van", "summary": "", "body": "Nội dung", "signer_id": "3"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Thiếu trích yếu" in text and "Nội dung</textarea>" in text


def test_lists_have_pages(app: Flask, api: Api) -> None:
    made = [api.draft(summary=f"văn bản phân trang {n}")["id"] for n in range(3)]
    client = sign_in(app, "giamdoc")
    first = client.get("/documents?mine=0&limit=2").get_data(as_text=True)
    assert f"/documents/{made[2]}" in first and f"/documents/{made[0]}" not in first
    link = re.search(r'href="([^"]+)" rel="next"', first)
    assert link is not None and f"before={made[1]}" in link.group(1)
    second = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f"/documents/{made[0]}" in second and f"/documents/{made[2]}" not in second
    assert 'rel="next"' not in second and "Trang đầu" in second


def test_search_page(app: Flask, api: Api) -> None:
    doc = api.draft(summary="tiếp tục thực hiện công tác phòng, chống dịch COVID-19")
    client = sign_in(app, "chuyenvien")
    page = client.get("/search?q=phong+chong+dich").get_data(as_text=True)
    assert "1 văn bản trên trang này." in page and f"/documents/{doc['id']}" in page
    assert "0 văn bản trên trang này." in client.get("/search?q=khong+co").get_data(as_text=True)
    refused = client.get("/search?from=xx", follow_redirects=True).get_data(as_text=True)
    # Dates as people write them, whatever the browser's language.
    assert "Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm" in refused


def test_incoming_document_steps_in_the_page(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    answer = arrive(app, package_from_snv(signed_pdf))
    assert answer["result"] == "received", answer
    incoming_id = answer["incoming_id"]
    clerk = sign_in(app, "vanthu")
    assert "Sở Nội vụ" in clerk.get("/incoming").get_data(as_text=True)
    page = clerk.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    assert "Chữ ký số: hợp lệ" in page and "Vào sổ văn bản đến" in page
    assert clerk.get(f"/incoming/{incoming_id}/pages/1.png").mimetype == "image/png"
    token = _token(clerk, f"/incoming/{incoming_id}")
    clerk.post(f"/incoming/{incoming_id}/act/register", data={"csrf_token": token})
    assert "Số đến 1/" in clerk.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    leader = sign_in(app, "giamdoc")
    token = _token(leader, f"/incoming/{incoming_id}")
    leader.post(
        f"/incoming/{incoming_id}/act/assign",
        data={
            "csrf_token": token,
            "instruction": "Phòng Quản lý đất đai chủ trì tham mưu.",
            "role_unit_3": "lead",
            "deadline_unit_3": "31/12/2026",
            "role_unit_5": "support",
            "role_unit_1": "",
        },
    )
    unit = sign_in(app, "truongphong_dd")
    page = unit.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    assert "Phòng Quản lý đất đai" in page and "31/12/2026" in page and "Bắt đầu xử lý" in page
    assert "Phòng Quản lý đất đai chủ trì tham mưu." in page and "Phối hợp" in page and "Chuyển xử lý" in page


def test_english_is_one_switch_away(app: Flask, api: Api) -> None:
    doc = api.draft()
    client = sign_in(app, "chuyenvien")
    page = client.get("/").get_data(as_text=True)
    assert "Việc của tôi" in page and '<html lang="vi">' in page
    client.post("/language", data={"csrf_token": _token(client, "/"), "lang": "en"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "My work" in page and "Sign out" in page and "Tiếng Việt" in page
    page = client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Drafting" in page and "Submit" in page and "Official letter" in page
    client.post(f"/documents/{doc['id']}/act/submit", data={"csrf_token": _token(client, "/")})
    assert "Submitted «" in client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    client.post("/language", data={"csrf_token": _token(client, "/"), "lang": "vi"})
    assert "Việc của tôi" in client.get("/").get_data(as_text=True)


def test_preview_renders_without_storing(app: Flask) -> None:
    client = sign_in(app, "chuyenvien")
    form = {
        "csrf_token": _token(client, "/documents/new"),
        "doc_type": "cong_van",
        "summary": "xem trước công văn",
        "body": "Nội dung xem trước./.",
        "signer_id": "3",
        "kinh_gui": "Phòng Quản lý đất đai",
        "noi_nhan": "Như trên;\nLưu: VT, VP.",
    }
    response = client.post("/documents/preview", data=form)
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data[:5] == b"%PDF-"
    assert "Không có văn bản nào." in client.get("/documents").get_data(as_text=True)  # nothing was stored
    response = client.post("/documents/preview", data=form | {"summary": ""}, follow_redirects=True)
    assert "Thiếu trích yếu" in response.get_data(as_text=True)
