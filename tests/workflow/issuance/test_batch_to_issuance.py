"""A batch through signing to issuance with the services called directly and real PDFs (the API only drafts
them); each feature's own rules are tested without HTTP in its tests/<package>/<feature>/test_service.py."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.support.api import Api
from tests.support.factories import person
from workflow import outbox
from workflow.accounts import service as auth
from workflow.issuance import service as issuance
from workflow.models import Document, RegisterEntry
from workflow.signatures import service as batches


def test_a_batch_collects_the_leaders_book_and_issuance_numbers_it(app: Flask, api: Api) -> None:
    made = [api.draft(summary=f"văn bản lô {n}")["id"] for n in range(2)]
    for doc_id in made:
        api.advance(doc_id, "awaiting_signature")
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        leader = person(session, "giamdoc")
        assert [d.id for d in batches.signing_book(session, leader)] == made
        batch = batches.create_batch(session, person(session, "vanthu"), leader.id)
        assert sorted(item.document_id for item in batch.items) == made and batch.state == "open"
        proof = auth.Reauthenticated(leader.id)
        confirmed = batches.confirm_batch(session, leader, batch.id, proof)
        assert confirmed.state == "signing"
    # The job recorded with the confirmation signs them (inline here, once relayed); then issuance numbers each.
    assert outbox.relay(rt) >= 1
    with rt.sessions() as session, session.begin():
        clerk = person(session, "vanthu")
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
