"""Sign-in throttling: per account and address, per address, per account from strange addresses only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from congvan.demo_day import PASSWORD
from tests.support.api import build_app

LIMITS = {
    "LOGIN_MAX_PAIR_FAILURES": 3,
    "LOGIN_MAX_ADDRESS_FAILURES": 6,
    "LOGIN_MAX_ACCOUNT_FAILURES": 5,
}


@pytest.fixture
def throttled_app(tmp_path: Path, keys_dir: Path, password_hash: str) -> Iterator[Flask]:
    app = build_app(f"sqlite:///{tmp_path}/c.db", tmp_path, keys_dir, password_hash, **LIMITS)
    yield app
    app.extensions["congvan"].close()


def _login(client: FlaskClient, user: str, password: str, address: str) -> tuple[int, dict]:
    response = client.post(
        "/api/v1/auth/login",
        json={"username": user, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code, response.get_json() | {"retry_after": response.headers.get("Retry-After")}


def test_wrong_passwords_from_one_place_are_throttled_there_only(throttled_app: Flask) -> None:
    client = throttled_app.test_client()
    assert _login(client, "vanthu", PASSWORD, "10.0.0.1")[0] == 200  # her office
    for _ in range(3):
        status, body = _login(client, "vanthu", "sai-mat-khau", "10.9.9.9")
        assert status == 401 and body["error"]["code"] == "bad_credentials"
    status, body = _login(client, "vanthu", PASSWORD, "10.9.9.9")  # even the right password, from there
    assert status == 429 and body["error"]["code"] == "login_throttled" and "phút" in body["error"]["message"]
    assert 0 < int(body["retry_after"]) <= 15 * 60
    assert _login(client, "vanthu", PASSWORD, "10.0.0.1")[0] == 200  # the owner is not locked out


def test_one_address_trying_many_accounts_is_throttled(throttled_app: Flask) -> None:
    client = throttled_app.test_client()
    for user in ("a1", "a2", "giamdoc", "a4", "vanthu", "a6"):
        assert _login(client, user, "doan-mo", "10.6.6.6")[0] == 401  # unknown accounts answer the same
    status, _ = _login(client, "chuyenvien", PASSWORD, "10.6.6.6")
    assert status == 429
    assert _login(client, "chuyenvien", PASSWORD, "10.0.0.2")[0] == 200


def test_an_account_attacked_from_everywhere_stays_open_to_its_owner(throttled_app: Flask) -> None:
    client = throttled_app.test_client()
    assert _login(client, "giamdoc", PASSWORD, "10.0.0.7")[0] == 200  # where the leader signs in
    for n in range(5):
        assert _login(client, "giamdoc", "doan-mo", f"10.7.0.{n}")[0] == 401
    assert _login(client, "giamdoc", PASSWORD, "10.8.8.8")[0] == 429  # a new place: refused for now
    assert _login(client, "giamdoc", PASSWORD, "10.0.0.7")[0] == 200  # the leader's own place: open


def test_the_sign_in_page_is_throttled_too(throttled_app: Flask) -> None:
    import re

    client = throttled_app.test_client()

    def post(password: str) -> int:
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        data = {"username": "vanthu", "password": password, "csrf_token": token.group(1)}
        return client.post("/login", data=data, environ_base={"REMOTE_ADDR": "10.5.5.5"}).status_code

    assert [post("sai") for _ in range(3)] == [401, 401, 401]
    assert post(PASSWORD) == 429
    page = client.get("/login")
    assert page.status_code == 200
