"""Notifications called directly, on SQLite and PostgreSQL: to whom, once each, and read."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.support.factories import make_document, make_person, person
from workflow.errors import NotFound
from workflow.notifications import service as notifications


def test_a_role_is_told_once_each_and_marks_its_notices_read(db_session: Session) -> None:
    clerk = person(db_session, "vanthu")
    second = make_person(db_session, roles="clerk")
    make_person(db_session, roles="clerk", active=False)  # not told
    document = make_document(db_session)
    before = notifications.unread_count(db_session, clerk)
    told = notifications.notify_role(
        db_session, clerk.unit.agency_id, "clerk", "issued", "Có văn bản cần phát hành.", document
    )
    assert told == len(notifications.role_holders(db_session, clerk.unit.agency_id, "clerk"))
    assert second.id in notifications.role_holders(db_session, clerk.unit.agency_id, "clerk")
    assert notifications.notify(db_session, [second.id, second.id], "issued", "Một lần thôi.", None) == 1
    db_session.flush()
    assert notifications.unread_count(db_session, clerk) == before + 1
    assert notifications.mark_all_read(db_session, clerk) == before + 1
    assert notifications.unread_count(db_session, clerk) == 0
    mine = notifications.notifications(db_session, second, unread_only=True)
    assert [n.message for n in mine] == ["Một lần thôi.", "Có văn bản cần phát hành."]
    with pytest.raises(NotFound):
        notifications.mark_read(db_session, clerk, mine[0].id)  # not theirs
    assert notifications.mark_read(db_session, second, mine[0].id).read_at is not None
