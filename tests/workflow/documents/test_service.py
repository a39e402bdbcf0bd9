"""The documents' services called directly, on SQLite and PostgreSQL: the lifecycle's table, what waits for
whom, and search."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factories import make_document, make_person, person
from workflow.documents import lifecycle, search
from workflow.documents import service as documents
from workflow.errors import Conflict, Forbidden, Invalid
from workflow.models import AuditEvent
from workflow.states import DocumentState


def test_the_lifecycle_checks_who_and_when_and_records_each_step(db_session: Session) -> None:
    document = make_document(db_session)
    with pytest.raises(Forbidden):
        lifecycle.check(person(db_session, "vanthu"), document, "submit")  # not the drafter
    with pytest.raises(Conflict) as early:
        lifecycle.check(person(db_session, "giamdoc"), document, "sign")  # not yet
    assert early.value.code == "invalid_transition"
    lifecycle.transition(db_session, person(db_session, "chuyenvien"), document, "submit")
    assert document.state == DocumentState.IN_REVIEW
    head = person(db_session, "truongphong")
    with pytest.raises(Invalid) as bare:
        lifecycle.transition(db_session, head, document, "return", "  ")
    assert bare.value.code == "reason_required" and document.state == DocumentState.IN_REVIEW
    lifecycle.transition(db_session, head, document, "return", "Bổ sung số liệu.")
    assert document.state == DocumentState.DRAFTING and document.return_reason == "Bổ sung số liệu."
    steps = db_session.scalars(select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.id))
    assert [(e.action, e.from_state, e.to_state) for e in steps] == [
        ("submit", "drafting", "in_review"),
        ("return", "in_review", "drafting"),
    ]


def test_each_person_counts_what_waits_for_them(db_session: Session) -> None:
    before = {
        name: documents.waiting_counts(db_session, person(db_session, name)) for name in ("truongphong", "giamdoc")
    }
    make_document(db_session, DocumentState.IN_REVIEW)
    make_document(db_session, DocumentState.AWAITING_SIGNATURE)
    make_document(db_session, DocumentState.AWAITING_SIGNATURE, signer=person(db_session, "phogiamdoc"))
    head = documents.waiting_counts(db_session, person(db_session, "truongphong"))
    leader = documents.waiting_counts(db_session, person(db_session, "giamdoc"))
    assert head["review"] == before["truongphong"]["review"] + 1
    assert leader["signing"] == before["giamdoc"]["signing"] + 1  # the deputy's document is not the director's


def test_search_folds_accents_and_shows_only_what_the_reader_may_see(db_session: Session) -> None:
    drafter = person(db_session, "chuyenvien")
    found = make_document(db_session, summary="Về công tác phòng, chống thiên tai năm 2027")
    make_document(db_session, summary="Về kế hoạch trồng rừng")
    rows, _ = search.search(db_session, drafter, "phong chong THIEN tai")
    assert [d.id for d in rows] == [found.id]
    stranger = make_person(db_session, unit_code=person(db_session, "vanthu").unit.code)
    assert search.search(db_session, stranger, "phong chong thien tai")[0] == []  # another unit's draft
