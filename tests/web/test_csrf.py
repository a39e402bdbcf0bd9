"""Generated from the URL map: every form of the pages refuses a POST without its CSRF token, and no GET
of a page changes anything (no audit event, no document, no delivery, no outbox row)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from routing.models import Delivery
from tests.support.api import Api
from tests.web.test_pages import sign_in
from workflow.models import AuditEvent, Document, OutboxMessage
from workflow.web.pages import PAGE_BLUEPRINTS


def _concrete(rule: str, doc_id: int) -> str:
    """A URL of the rule with every parameter filled with something that exists."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: {"action": "submit", "lang": "en"}.get(m.group(1), str(doc_id)), rule)


def test_every_page_form_needs_its_csrf_token(app: Flask, api: Api) -> None:
    doc = api.draft()
    client = sign_in(app, "admin")
    forms = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in (r.methods or ()) and r.endpoint.split(".")[0] in PAGE_BLUEPRINTS
    ]
    assert len(forms) > 15  # the list grows with the pages; none may be forgotten
    rt = app.extensions["congvan"]
    with rt.readers() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    for rule in forms:
        response = client.post(_concrete(rule.rule, doc["id"]), data={"reason": "x", "username": "admin"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert "biểu mẫu" in response.get_data(as_text=True), rule.rule  # the CSRF page, in Vietnamese
    with rt.readers() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_no_page_changes_anything_on_get(app: Flask, api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    rt = app.extensions["congvan"]

    def counts() -> tuple[int, ...]:
        with rt.readers() as session:
            return tuple(
                int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (AuditEvent, Document, Delivery, OutboxMessage)
            )

    before = counts()
    pages = [
        r
        for r in app.url_map.iter_rules()
        if "GET" in (r.methods or ()) and r.endpoint.split(".")[0] in PAGE_BLUEPRINTS
    ]
    for user in ("chuyenvien", "truongphong", "giamdoc", "vanthu", "admin"):
        client = sign_in(app, user)
        for rule in pages:
            response = client.get(_concrete(rule.rule, doc["id"]))
            assert response.status_code < 500, (user, rule.rule, response.status_code)
            response.close()
    assert counts() == before
