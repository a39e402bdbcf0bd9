"""The optional second factor (TOTP, RFC 6238): turned on with the password and a first code, used instead of
the password to confirm a signing batch, good once, throttled, stored encrypted; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from sqlalchemy import text

from congvan.demo_day import PASSWORD
from tests.support.api import Api
from tests.web.test_pages import _token, sign_in

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def _turn_on(api: Api, user: str) -> tuple[pyotp.TOTP, str]:
    started = api.as_(user, "POST", "/api/v1/me/totp", json={"password": PASSWORD})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["uri"].startswith(f"otpauth://totp/congvan:{user}?secret={body['secret']}")
    totp = pyotp.TOTP(body["secret"])
    code = totp.now()
    confirmed = api.as_(user, "POST", "/api/v1/me/totp/confirm", json={"code": code})
    assert confirmed.status_code == 200 and confirmed.get_json() == {"totp_enabled": True}
    return totp, code


def _step_code(totp: pyotp.TOTP, ahead: int) -> str:
    """The code of the time step `ahead` of now (the server accepts one step either side)."""
    return totp.generate_otp(int(time.time()) // 30 + ahead)


def _batch(api: Api) -> int:
    api.drafted(1)
    made = api.as_("giamdoc", "POST", "/api/v1/signing-batches", json={})
    assert made.status_code == 201, made.get_json()
    return int(made.get_json()["id"])


def test_turning_it_on_needs_the_password_and_a_first_code(app: Flask, api: Api) -> None:
    wrong = api.as_("giamdoc", "POST", "/api/v1/me/totp", json={"password": "sai"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "reauth_failed"
    started = api.as_("giamdoc", "POST", "/api/v1/me/totp", json={"password": PASSWORD}).get_json()
    bad = api.as_("giamdoc", "POST", "/api/v1/me/totp/confirm", json={"code": "000000"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "bad_code"
    assert "Mã xác thực không đúng" in bad.get_json()["error"]["message"]
    # Not in force until confirmed: a batch cannot be confirmed with a code yet.
    batch = _batch(api)
    early = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch}/confirm", json={"code": "123456"})
    assert early.status_code == 400 and early.get_json()["error"]["code"] == "totp_not_enabled"
    totp = pyotp.TOTP(started["secret"])
    assert api.as_("giamdoc", "POST", "/api/v1/me/totp/confirm", json={"code": totp.now()}).status_code == 200
    again = api.as_("giamdoc", "POST", "/api/v1/me/totp/confirm", json={"code": _step_code(totp, 1)})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "totp_not_pending"
    restart = api.as_("giamdoc", "POST", "/api/v1/me/totp", json={"password": PASSWORD})
    assert restart.status_code == 409 and restart.get_json()["error"]["code"] == "totp_enabled"
    # The seed is stored encrypted, and never shown again.
    with app.extensions["congvan"].engine.connect() as connection:
        stored = connection.execute(text("SELECT totp_secret FROM people WHERE username = 'giamdoc'")).scalar_one()
    assert stored.startswith("sealed:") and started["secret"] not in stored
    assert started["secret"] not in api.as_("giamdoc", "GET", "/api/v1/me").get_data(as_text=True)


def test_a_code_confirms_a_batch_once(app: Flask, api: Api) -> None:
    totp, spent = _turn_on(api, "giamdoc")  # the first code is spent on turning it on
    first = _batch(api)
    replayed = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{first}/confirm", json={"code": spent})
    assert replayed.status_code == 401 and replayed.get_json()["error"]["code"] == "reauth_failed"
    state = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{first}").get_json()["state"]
    assert state == "open"  # nothing signed
    code = _step_code(totp, 1)
    confirmed = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{first}/confirm", json={"code": code})
    assert confirmed.status_code == 202, confirmed.get_json()
    assert api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{first}").get_json()["state"] == "done"
    second = _batch(api)
    reused = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{second}/confirm", json={"code": code})
    assert reused.status_code == 401  # a code is good once
    # The password still works for a leader who has the second factor.
    by_password = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{second}/confirm", json={"password": PASSWORD})
    assert by_password.status_code == 202
    # Someone else's code is not a leader's: the deputy has no second factor.
    deputy = api.as_("phogiamdoc", "POST", f"/api/v1/signing-batches/{second}/confirm", json={"code": code})
    assert deputy.status_code == 400 and deputy.get_json()["error"]["code"] == "totp_not_enabled"


def test_wrong_codes_are_throttled_and_it_can_be_turned_off(app: Flask, api: Api) -> None:
    _turn_on(api, "giamdoc")
    batch = _batch(api)
    answers = [
        api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch}/confirm", json={"code": "999999"}).status_code
        for _ in range(6)
    ]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    refused = api.as_("giamdoc", "DELETE", "/api/v1/me/totp", json={"password": "sai"})
    assert refused.status_code == 429  # throttled like every sign-in of this account from here
    with app.extensions["congvan"].sessions() as session, session.begin():
        session.execute(text("DELETE FROM login_attempts"))
    assert api.as_("giamdoc", "DELETE", "/api/v1/me/totp", json={"password": PASSWORD}).get_json() == {
        "totp_enabled": False
    }
    gone = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch}/confirm", json={"code": "123456"})
    assert gone.get_json()["error"]["code"] == "totp_not_enabled"
    events = [row[0] for row in _actions(app)]
    assert events.count("totp_started") == 1 and "totp_enabled" in events and "totp_disabled" in events


def test_the_signing_page_takes_a_code(app: Flask, api: Api) -> None:
    client = sign_in(app, "giamdoc")  # signed in before turning it on: the code is left for the batch
    totp, _ = _turn_on(api, "giamdoc")
    ids = api.drafted(2)
    page = client.get("/signing").get_data(as_text=True)
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    form = {"csrf_token": _token(client, "/signing"), "code": _step_code(totp, 1), "document_id": ids}
    response = client.post("/signing/sign-all", data=form)
    assert response.status_code == 302 and "/signing/batches/" in response.headers["Location"]


def _actions(app: Flask) -> list[tuple[str]]:
    with app.extensions["congvan"].engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT action FROM audit_events ORDER BY id"))]


def test_turned_on_and_reset_in_the_pages(app: Flask, api: Api) -> None:
    leader = api.id_of("giamdoc")
    client = sign_in(app, "giamdoc")
    page = client.get("/account").get_data(as_text=True)
    assert "Xác thực hai lớp (TOTP)" in page and "Bắt đầu bật" in page
    token = _token(client, "/account")
    wrong = client.post("/account", data={"csrf_token": token, "step": "start", "password": "sai"})
    assert wrong.status_code == 302
    assert "Mật khẩu xác nhận không đúng" in client.get("/account").get_data(as_text=True)
    client.post("/account", data={"csrf_token": token, "step": "start", "password": PASSWORD})
    pending = client.get("/account").get_data(as_text=True)
    found = re.search(r"otpauth://totp/congvan:giamdoc\?secret=([A-Z2-7]+)", pending)
    assert found is not None
    totp = pyotp.TOTP(found.group(1))
    client.post("/account", data={"csrf_token": token, "step": "confirm", "code": totp.now()})
    on = client.get("/account").get_data(as_text=True)
    assert "Đã bật xác thực hai lớp." in on and "Đang bật." in on and found.group(1) not in on
    # The admin turns it off for a leader who lost the phone.
    admin = sign_in(app, "admin")
    form = admin.get(f"/admin/people/{leader}").get_data(as_text=True)
    assert 'name="form" value="totp"' in form
    admin.post(f"/admin/people/{leader}", data={"csrf_token": _token(admin, f"/admin/people/{leader}"), "form": "totp"})
    assert "Bắt đầu bật" in client.get("/account").get_data(as_text=True)


def test_signing_in_asks_for_the_code_once_it_is_on(app: Flask, api: Api) -> None:
    totp, spent = _turn_on(api, "giamdoc")
    login = {"username": "giamdoc", "password": PASSWORD}
    missing = api.client.post("/api/v1/auth/login", json=login)
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "code_required"
    wrong_password = api.client.post("/api/v1/auth/login", json={**login, "password": "sai", "code": "123456"})
    assert wrong_password.get_json()["error"]["code"] == "bad_credentials"  # the code is asked for only after
    replay = api.client.post("/api/v1/auth/login", json={**login, "code": spent})
    assert replay.status_code == 401 and replay.get_json()["error"]["code"] == "bad_code"
    # The pages: password, then the code form; a wrong code shows it again; nobody is signed in meanwhile.
    client = app.test_client()
    first = client.post("/login", data={**login, "csrf_token": _token(client, "/login")})
    token = re.search(r'name="csrf_token" value="([^"]+)"', first.get_data(as_text=True))
    assert token is not None and "xác thực hai lớp" in first.get_data(as_text=True)
    assert client.get("/").status_code == 302  # half signed in is not signed in
    bad = client.post("/login", data={"step": "code", "code": "000000", "csrf_token": token.group(1)})
    assert bad.status_code == 401 and 'name="code"' in bad.get_data(as_text=True)
    assert "Mã xác thực không đúng" in bad.get_data(as_text=True)
    good = client.post("/login", data={"step": "code", "code": _step_code(totp, 1), "csrf_token": token.group(1)})
    assert good.status_code == 302 and client.get("/").status_code == 200
    # Through the API, with the deputy's own second factor.
    deputy, _ = _turn_on(api, "phogiamdoc")
    by_api = api.client.post(
        "/api/v1/auth/login", json={"username": "phogiamdoc", "password": PASSWORD, "code": _step_code(deputy, 1)}
    )
    assert by_api.status_code == 200 and by_api.get_json()["person"]["username"] == "phogiamdoc"
    fresh = app.test_client()  # a code without the password first is refused
    orphan = fresh.post("/login", data={"step": "code", "code": "000000", "csrf_token": _token(fresh, "/login")})
    assert orphan.status_code == 401 and "Đã quá thời gian nhập mã" in orphan.get_data(as_text=True)
    # Other people sign in as before.
    assert sign_in(app, "vanthu").get("/").status_code == 200
