"""The feature modules called directly, without HTTP: the lifecycle's checks and transitions, batches,
registers' numbering and issuance (the API only sets the scene)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import Api
from workflow import outbox
from workflow.accounts import service as auth
from workflow.documents import lifecycle
from workflow.errors import Conflict, Forbidden
from workflow.issuance import registers
from workflow.issuance import service as issuance
from workflow.models import AuditEvent, Document, Person, RegisterEntry
from workflow.signatures import service as batches


def _person(session: object, username: str) -> Person:
    found = session.scalar(select(Person).where(Person.username == username))  # type: ignore[attr-defined]
    assert found is not None
    return found


def test_the_lifecycle_checks_who_and_when_and_records_each_step(app: Flask, api: Api) -> None:
    doc_id = api.draft()["id"]
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        document = session.get(Document, doc_id)
        assert document is not None
        with pytest.raises(Forbidden):
            lifecycle.check(_person(session, "vanthu"), document, "submit")  # not the drafter
        with pytest.raises(Conflict) as early:
            lifecycle.check(_person(session, "giamdoc"), document, "sign")  # not yet
        assert early.value.code == "invalid_transition"
        drafter = _person(session, "chuyenvien")
        lifecycle.transition(session, drafter, document, "submit")
        assert document.state == "in_review"
        head = _person(session, "truongphong")
        lifecycle.transition(session, head, document, "return", "Bổ sung số liệu.")
        assert document.state == "drafting" and document.return_reason == "Bổ sung số liệu."
    with rt.readers() as session:
        steps = [
            (e.action, e.from_state, e.to_state)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.document_id == doc_id))
        ]
    assert steps[-2:] == [("submit", "drafting", "in_review"), ("return", "in_review", "drafting")]


def test_numbers_are_consecutive_per_register_and_year(app: Flask) -> None:
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        register = registers.registers_of(session, _person(session, "vanthu").unit.agency_id)[0]
        taken = [registers.take_number(session, register.id, 2026) for _ in range(3)]
        next_year = registers.take_number(session, register.id, 2027)
    assert taken == [1, 2, 3] and next_year == 1


def test_a_batch_collects_the_leaders_book_and_issuance_numbers_it(app: Flask, api: Api) -> None:
    made = [api.draft(summary=f"văn bản lô {n}")["id"] for n in range(2)]
    for doc_id in made:
        api.advance(doc_id, "awaiting_signature")
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        leader = _person(session, "giamdoc")
        assert [d.id for d in batches.signing_book(session, leader)] == made
        batch = batches.create_batch(session, _person(session, "vanthu"), leader.id)
        assert sorted(item.document_id for item in batch.items) == made and batch.state == "open"
        proof = auth.Reauthenticated(leader.id)
        confirmed = batches.confirm_batch(session, leader, batch.id, proof)
        assert confirmed.state == "signing"
    # The job recorded with the confirmation signs them (inline here, once relayed); then issuance numbers each.
    assert outbox.relay(rt) >= 1
    with rt.sessions() as session, session.begin():
        clerk = _person(session, "vanthu")
        results = []
        for doc_id in made:
            document = session.get(Document, doc_id)
            assert document is not None and document.state == "signed"
            results.append(issuance.issue(session, rt, clerk, document))
    assert [r["symbol"] for r in results] == ["01/STNMT-VP", "02/STNMT-VP"]
    with rt.readers() as session:
        entries = session.scalars(select(RegisterEntry).order_by(RegisterEntry.number)).all()
        assert [(e.number, e.status, e.document_id) for e in entries] == [
            (1, "issued", made[0]),
            (2, "issued", made[1]),
        ]
