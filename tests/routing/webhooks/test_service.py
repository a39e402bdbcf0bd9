"""Webhooks called directly, on SQLite and PostgreSQL: who subscribes what, and an event queued once per
subscribed endpoint."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from routing.webhooks import service as webhooks
from tests.support.factories import make_person, person
from workflow.errors import Forbidden, Invalid
from workflow.web.answers import Done


def test_an_admin_subscribes_a_full_url_to_known_events(db_session: Session) -> None:
    admin = make_person(db_session, roles="admin")
    with pytest.raises(Forbidden):
        webhooks.create_endpoint(db_session, person(db_session, "vanthu"), "https://a.example/hook", None)
    for url in ("ftp://a.example/hook", "https://", "hook"):
        with pytest.raises(Invalid) as bad:
            webhooks.create_endpoint(db_session, admin, url, None)
        assert bad.value.code == "invalid_url"
    with pytest.raises(Invalid):
        webhooks.create_endpoint(db_session, admin, "https://a.example/hook", ["document.eaten"])
    made = webhooks.create_endpoint(db_session, admin, "https://a.example/hook", None)
    assert made.secret.startswith("whsec_") and set(made.events.split()) == set(webhooks.EVENTS)


def test_an_event_is_queued_for_each_active_endpoint_subscribed_to_it(db_session: Session) -> None:
    admin = make_person(db_session, roles="admin")
    event, other = webhooks.EVENTS[0], webhooks.EVENTS[1]
    before = webhooks.emit(db_session, event, Done(ok=True))
    webhooks.create_endpoint(db_session, admin, "https://a.example/1", [event])
    webhooks.create_endpoint(db_session, admin, "https://a.example/2", [other])
    quiet = webhooks.create_endpoint(db_session, admin, "https://a.example/3", [event])
    quiet.active = False
    assert webhooks.emit(db_session, event, Done(ok=True)) == before + 1
