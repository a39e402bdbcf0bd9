"""The exchange's outbound side called directly, on SQLite and PostgreSQL: a status queued for another agency
names the document as its sender wrote it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from routing.exchange import outbound
from tests.support.factories import make_incoming
from workflow import runtime


def test_a_status_is_queued_once_with_the_documents_reference(
    db_session: Session, service_runtime: runtime.Runtime
) -> None:
    received = make_incoming(db_session)
    staff = {"department": "Văn phòng Sở", "staff": "Trần Văn Thư", "ignored": "x"}
    message = outbound.send_status(
        db_session,
        service_runtime,
        organ_id=received.sender_code,
        key=received.document_key,
        code="03",
        description="Đã vào sổ.",
        staff=staff,
    )
    assert (message.direction, message.kind, message.code, message.organ_id) == (
        "out",
        "status",
        "03",
        received.sender_code,
    )
    xml = service_runtime.store.get(message.body_sha256, ".xml").decode()
    assert received.document_key in xml and "Trần Văn Thư" in xml and "ignored" not in xml
    reference = outbound.reference(received.document_key, received.sender_code)
    assert (reference.code, reference.promulgation_date) == (str(received.number), "2026/12/01")
