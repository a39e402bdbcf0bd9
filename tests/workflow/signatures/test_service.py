"""The signing book and batches called directly, on SQLite and PostgreSQL: what a batch takes, who may make
and confirm it, and what confirming does to a document changed meanwhile."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factories import make_batch, make_document, person
from workflow.accounts.service import Reauthenticated
from workflow.errors import Conflict, Forbidden, Invalid
from workflow.models import DocumentVersion, OutboxMessage
from workflow.signatures import service as batches
from workflow.states import BatchState, DocumentState, ItemStatus

WAITING = DocumentState.AWAITING_SIGNATURE


def test_a_batch_takes_the_leaders_waiting_documents_but_not_urgent_or_taken_ones(db_session: Session) -> None:
    clerk, leader = person(db_session, "vanthu"), person(db_session, "giamdoc")
    already = {d.id for d in batches.signing_book(db_session, leader)}
    plain = make_document(db_session, WAITING)
    make_document(db_session, WAITING, urgency="khan")  # urgent: signed at once, never batched
    make_document(db_session, WAITING, signer=person(db_session, "phogiamdoc"))  # another leader's
    make_document(db_session, DocumentState.IN_REVIEW)  # not yet approved
    taken = make_document(db_session, WAITING)
    make_batch(db_session, [taken])
    batch = batches.create_batch(db_session, clerk, leader.id)
    assert {i.document_id for i in batch.items} - already == {plain.id}
    with pytest.raises(Conflict) as again:
        batches.create_batch(db_session, clerk, leader.id, [plain.id])  # already in the new batch
    assert again.value.code == "not_in_signing_book"


def test_only_a_clerk_or_the_leader_makes_a_batch_and_only_for_a_leader(db_session: Session) -> None:
    make_document(db_session, WAITING)
    with pytest.raises(Forbidden):
        batches.create_batch(db_session, person(db_session, "chuyenvien"), person(db_session, "giamdoc").id)
    with pytest.raises(Invalid) as not_a_leader:
        batches.create_batch(db_session, person(db_session, "vanthu"), person(db_session, "chuyenvien").id)
    assert not_a_leader.value.code == "invalid_leader"


def test_confirming_fails_a_document_changed_since_and_twice_changes_nothing(db_session: Session) -> None:
    leader = person(db_session, "giamdoc")
    kept, changed = make_document(db_session, WAITING), make_document(db_session, WAITING)
    batch = make_batch(db_session, [kept, changed])
    changed.versions.append(DocumentVersion(seq=2, kind="rendered", sha256="0" * 64, size=1))
    db_session.flush()
    with pytest.raises(Forbidden):
        batches.confirm_batch(db_session, leader, batch.id, Reauthenticated(person(db_session, "vanthu").id))
    batches.confirm_batch(db_session, leader, batch.id, Reauthenticated(leader.id))
    assert batch.state == BatchState.SIGNING
    status = {i.document_id: (i.status, i.error) for i in batch.items}
    assert status[kept.id] == (ItemStatus.PENDING, None)
    assert status[changed.id][0] == ItemStatus.FAILED and "thay đổi" in str(status[changed.id][1])
    batches.confirm_batch(db_session, leader, batch.id, Reauthenticated(leader.id))
    jobs = db_session.scalars(select(OutboxMessage).where(OutboxMessage.func.contains("sign_batch"))).all()
    assert [j.args for j in jobs] == [{"batch_id": batch.id, "notify": ""}]  # one signing job, not two
