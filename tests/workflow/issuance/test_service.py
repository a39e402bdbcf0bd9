"""Issuance called directly, on SQLite and PostgreSQL: which register, the next number, the symbol, the date
line, and a secret document kept off the network."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factories import make_document, person
from workflow.issuance import registers
from workflow.issuance import service as issuance
from workflow.models import AuditEvent
from workflow.states import DocumentState


def test_numbers_are_consecutive_per_register_and_year(db_session: Session) -> None:
    register = registers.registers_of(db_session, person(db_session, "vanthu").unit.agency_id)[0]
    taken = [registers.take_number(db_session, register.id, 2031) for _ in range(3)]
    assert taken == [1, 2, 3] and registers.take_number(db_session, register.id, 2032) == 1


def test_each_kind_of_document_has_its_register_and_its_symbol(db_session: Session) -> None:
    cong_van = make_document(db_session)
    decision = make_document(db_session, doc_type="quyet_dinh")
    secret = make_document(db_session, confidentiality="mat")
    scopes = {d.id: registers.choose_register(db_session, d).scope for d in (cong_van, decision, secret)}
    assert scopes == {cong_van.id: "cong_van", decision.id: "typed", secret.id: "confidential"}
    unit = cong_van.drafting_unit.code
    assert registers.make_symbol(registers.choose_register(db_session, cong_van), cong_van, 7) == f"07/STNMT-{unit}"
    assert registers.make_symbol(registers.choose_register(db_session, decision), decision, 3) == "03/QĐ-STNMT"


def test_the_date_line_writes_day_and_early_months_with_two_digits() -> None:
    assert issuance.date_line("Tuyên Quang", dt.date(2026, 1, 5)) == "Tuyên Quang, ngày 05 tháng 01 năm 2026"
    assert issuance.date_line("Tuyên Quang", dt.date(2026, 12, 7)) == "Tuyên Quang, ngày 07 tháng 12 năm 2026"


def test_a_secret_document_is_never_dispatched_over_the_network(db_session: Session) -> None:
    secret = make_document(db_session, DocumentState.ISSUED, confidentiality="toi_mat")
    answer = issuance.dispatch(db_session, person(db_session, "vanthu"), secret)
    assert answer["error"]["code"] == "confidential_no_electronic_dispatch"
    assert secret.state == DocumentState.ISSUED
    refused = db_session.scalars(select(AuditEvent.action).where(AuditEvent.document_id == secret.id)).all()
    assert refused == ["dispatch_refused"]
