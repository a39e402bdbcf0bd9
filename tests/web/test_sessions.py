"""Browser sessions live on the server: logout, idleness, age and disabling end them; API tokens are revocable."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.support.api import Api
from tests.web.test_pages import _token, sign_in
from workflow.models import WebSession


def _replay(app: Flask, cookie: str) -> FlaskClient:
    """Another browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def test_logout_ends_the_session_on_the_server(app: Flask) -> None:
    client = sign_in(app, "vanthu")
    copied = _cookie(client)
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    response = _replay(app, copied).get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_new_session_at_every_sign_in(app: Flask) -> None:
    first = _cookie(sign_in(app, "vanthu"))
    second = _cookie(sign_in(app, "vanthu"))
    assert first != second and _replay(app, first).get("/").status_code == 200  # two browsers, both alive


def _age(app: Flask, *, created: dt.timedelta, last_seen: dt.timedelta) -> None:
    """Move every browser session back in time, as if it had begun and last been seen that long ago: the rules
    are checked on the stored times, with no test waiting for real minutes to pass (or racing them)."""
    now = dt.datetime.now(dt.UTC)
    with app.extensions["congvan"].sessions() as session, session.begin():
        session.execute(update(WebSession).values(created_at=now - created, last_seen_at=now - last_seen))


def test_idle_sessions_end(app: Flask) -> None:
    idle = dt.timedelta(minutes=app.extensions["congvan"].settings.session_idle_minutes)
    client = sign_in(app, "vanthu")
    _age(app, created=idle, last_seen=idle - dt.timedelta(seconds=30))
    assert client.get("/").status_code == 200  # idle, but not yet for long enough
    _age(app, created=idle * 2, last_seen=idle + dt.timedelta(seconds=1))
    response = client.get("/", follow_redirects=True)
    assert "Phiên làm việc đã kết thúc" in response.get_data(as_text=True)


def test_sessions_end_after_their_maximum_age_even_when_busy(app: Flask) -> None:
    oldest = dt.timedelta(hours=app.extensions["congvan"].settings.session_max_hours)
    client = sign_in(app, "vanthu")
    # Busy all along (seen a moment ago), and just under the maximum age: still signed in.
    _age(app, created=oldest - dt.timedelta(seconds=30), last_seen=dt.timedelta(seconds=1))
    assert client.get("/").status_code == 200
    # Just over it, busy still: the session ends all the same.
    _age(app, created=oldest + dt.timedelta(seconds=1), last_seen=dt.timedelta(seconds=1))
    assert client.get("/").status_code == 302


def test_disabling_a_person_ends_their_sessions_and_tokens(app: Flask, api: Api) -> None:
    browser = sign_in(app, "chuyenvien")
    token = api.token("chuyenvien")
    assert api.as_("chuyenvien", "GET", "/api/v1/me").status_code == 200
    admin = sign_in(app, "admin")
    person_id = api.id_of("chuyenvien")
    page = f"/admin/people/{person_id}"
    form = {"csrf_token": _token(admin, page), "form": "person", "full_name": "Nguyễn Thị Lan", "unit_id": "1"}
    assert admin.post(page, data=form | {"roles": ["specialist"]}).status_code == 302  # no "active": disabled
    assert browser.get("/").status_code == 302
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_tokens_are_listed_and_revoked(app: Flask, api: Api) -> None:
    client = app.test_client()

    def login() -> str:
        answer = client.post("/api/v1/auth/login", json={"username": "vanthu", "password": "congvan-demo"})
        assert answer.status_code == 200
        return str(answer.get_json()["token"])

    first, second = login(), login()

    def call(token: str, method: str, path: str) -> tuple[int, dict]:
        answer = client.open(path, method=method, headers={"Authorization": f"Bearer {token}"})
        return answer.status_code, answer.get_json()

    assert call(first, "GET", "/api/v1/me")[0] == 200
    status, listed = call(first, "GET", "/api/v1/tokens")
    assert status == 200 and len(listed["tokens"]) >= 2
    assert first not in str(listed) and second not in str(listed)  # never the secrets
    current = [t for t in listed["tokens"] if t["current"]]
    assert len(current) == 1 and current[0]["last_used_at"] is not None
    other = next(t for t in listed["tokens"] if not t["current"] and t["revoked_at"] is None)
    assert call(first, "DELETE", f"/api/v1/tokens/{other['id']}")[0] == 200
    assert call(second, "GET", "/api/v1/me")[0] == 401
    # Someone else's token is not found; an admin may revoke it.
    specialist = api.token("chuyenvien")
    theirs = call(specialist, "GET", "/api/v1/tokens")[1]["tokens"][0]["id"]
    assert call(first, "DELETE", f"/api/v1/tokens/{theirs}")[0] == 404
    assert call(api.token("admin"), "DELETE", f"/api/v1/tokens/{theirs}")[0] == 200
    assert call(specialist, "GET", "/api/v1/me")[0] == 401
    # Logging out revokes the token used.
    assert call(first, "POST", "/api/v1/auth/logout")[0] == 200
    assert call(first, "GET", "/api/v1/me")[0] == 401
