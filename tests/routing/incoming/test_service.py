"""Incoming documents called directly, on SQLite and PostgreSQL: registered with the next number, assigned
to units of ours, and each step's status queued for the sender."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.incoming import service as incoming
from routing.incoming.schemas import IncomingStep
from routing.models import ExchangeMessage
from tests.support.factories import make_incoming, make_person, person, unit
from workflow import runtime
from workflow.errors import Conflict, Forbidden, Invalid, NotFound

NOTHING = IncomingStep()


def test_registering_takes_the_next_number_and_queues_status_03_for_the_sender(
    db_session: Session, service_runtime: runtime.Runtime
) -> None:
    clerk = person(db_session, "vanthu")
    first, second = make_incoming(db_session), make_incoming(db_session)
    with pytest.raises(Forbidden):  # a leader sees it, but the clerk registers it
        incoming.act(db_session, service_runtime, person(db_session, "giamdoc"), first.id, "register", NOTHING)
    with pytest.raises(NotFound):  # a specialist of no unit it was given to does not even see it
        incoming.act(db_session, service_runtime, person(db_session, "chuyenvien"), first.id, "register", NOTHING)
    incoming.act(db_session, service_runtime, clerk, first.id, "register", NOTHING)
    incoming.act(db_session, service_runtime, clerk, second.id, "register", NOTHING)
    assert second.incoming_number == first.incoming_number + 1 and first.state == "registered"
    with pytest.raises(Conflict):
        incoming.act(db_session, service_runtime, clerk, first.id, "register", NOTHING)
    sent = db_session.scalars(select(ExchangeMessage).where(ExchangeMessage.document_key == first.document_key)).all()
    assert [(m.kind, m.code, m.organ_id) for m in sent] == [("status", "03", first.sender_code)]


def test_a_document_without_a_good_signature_is_registered_only_with_a_reason(
    db_session: Session, service_runtime: runtime.Runtime
) -> None:
    doubtful = make_incoming(db_session, signatures={"attention": True})
    clerk = person(db_session, "vanthu")
    with pytest.raises(Invalid) as bare:
        incoming.act(db_session, service_runtime, clerk, doubtful.id, "register", NOTHING)
    assert bare.value.code == "reason_required" and doubtful.incoming_number is None
    incoming.act(db_session, service_runtime, clerk, doubtful.id, "register", IncomingStep(reason="Đã gọi xác minh."))
    assert doubtful.state == "registered"


def test_the_leader_assigns_a_lead_unit_of_ours_which_alone_may_start(
    db_session: Session, service_runtime: runtime.Runtime
) -> None:
    rt, leader = service_runtime, person(db_session, "giamdoc")
    document = make_incoming(db_session)
    incoming.act(db_session, rt, person(db_session, "vanthu"), document.id, "register", NOTHING)
    with pytest.raises(Invalid):
        incoming.act(db_session, rt, leader, document.id, "assign", IncomingStep(lead_unit_id=999_999))
    lead, support = unit(db_session, "QLDD"), unit(db_session, "TNN")
    step = IncomingStep(lead_unit_id=lead.id, supporting_unit_ids=[support.id, lead.id])
    incoming.act(db_session, rt, leader, document.id, "assign", step)
    assert (document.state, document.lead_unit_id, document.supporting_unit_ids) == ("assigned", lead.id, [support.id])
    supporting = make_person(db_session, unit_code="TNN")
    assert incoming.can_see(supporting, document) and incoming.allowed_actions(supporting, document) == []
    with pytest.raises(Forbidden):  # supporting units see it; the lead unit starts it
        incoming.act(db_session, rt, supporting, document.id, "start", NOTHING)
    assert incoming.allowed_actions(make_person(db_session, unit_code="QLDD"), document) == ["start"]
