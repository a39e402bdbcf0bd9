"""Security headers on every answer: pages, JSON, errors, downloads, static files."""

from __future__ import annotations

from flask import Flask

from tests.support.api import Api
from tests.web.test_pages import sign_in

EXPECTED = {
    "Strict-Transport-Security": "max-age=63072000",
    "Content-Security-Policy": "frame-ancestors 'none'; connect-src 'self' wss://127.0.0.1:8987 http://127.0.0.1:8990",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _secured(response, what: str) -> None:  # type: ignore[no-untyped-def]
    for name, part in EXPECTED.items():
        assert part in response.headers.get(name, ""), (what, name, dict(response.headers))


def test_every_kind_of_answer_carries_the_headers(app: Flask, api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    client = sign_in(app, "vanthu")
    answers = {
        "page": client.get("/"),
        "login page": app.test_client().get("/login"),
        "page 404": client.get("/documents/999999"),
        "JSON": api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}"),
        "JSON 404": api.as_("vanthu", "GET", "/api/v1/documents/999999"),
        "JSON 401": app.test_client().get("/api/v1/documents"),
        "JSON 405": api.as_("vanthu", "DELETE", "/api/v1/documents"),
        "CSRF refusal": client.post("/logout"),
        "PDF download": api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf"),
        "static": client.get("/assets/congvan.css"),
        "health": app.test_client().get("/healthz"),
    }
    for what, response in answers.items():
        _secured(response, what)
    assert answers["JSON 404"].status_code == 404 and answers["CSRF refusal"].status_code == 400
    assert answers["static"].status_code == 200
    assert answers["PDF download"].headers["Cache-Control"] == "no-store"
    assert "no-store" not in answers["static"].headers.get("Cache-Control", "")
    # No inline script on any page: the policy allows only our own file.
    assert "<script>" not in answers["page"].get_data(as_text=True)
    for response in answers.values():
        response.close()  # file answers are streamed


def test_session_cookie_is_secure_in_production_only(app: Flask) -> None:
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.config["SESSION_COOKIE_SECURE"]  # the demo runs on http://127.0.0.1
