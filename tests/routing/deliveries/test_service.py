"""Deliveries called directly, on SQLite and PostgreSQL: one per recipient found, and statuses that only
move forward."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.deliveries import service as deliveries
from routing.models import DeliveryEvent
from routing.states import Transport
from tests.support.factories import make_document, make_person
from workflow.errors import Conflict, Invalid, NotFound
from workflow.states import DocumentState


def test_each_recipient_found_gets_one_delivery_and_an_unknown_one_stays_in_sight(db_session: Session) -> None:
    document = make_document(
        db_session,
        DocumentState.ISSUED,
        kinh_gui="Phòng Quản lý đất đai",
        noi_nhan="Như trên;\nSở Nội vụ;\nPhòng Quản lý đất đai;\nBan Chưa Có Trong Danh Bạ;\nLưu: VT.",
    )
    made = deliveries.create_deliveries(db_session, document)
    kinds = sorted((d.kind, d.channel) for d in made)
    assert kinds == [("agency", "edxml"), ("unit", "internal"), ("unresolved", "none")]  # the unit once
    unknown = next(d for d in made if d.kind == "unresolved")
    assert unknown.transport == Transport.UNRESOLVED and unknown.label == "Ban Chưa Có Trong Danh Bạ"


def test_a_recipient_moves_its_status_forward_only_and_refuses_with_a_reason(db_session: Session) -> None:
    document = make_document(db_session, DocumentState.ISSUED, kinh_gui="Phòng Quản lý đất đai", noi_nhan="")
    (delivery,) = deliveries.create_deliveries(db_session, document)
    staff = make_person(db_session, unit_code="QLDD")
    with pytest.raises(NotFound):  # not their unit's
        deliveries.update_status(db_session, make_person(db_session, unit_code="TNN"), delivery.id, "03", None)
    with pytest.raises(Invalid):
        deliveries.update_status(db_session, staff, delivery.id, "02", " ")
    with pytest.raises(Invalid):
        deliveries.update_status(db_session, staff, delivery.id, "99", None)
    deliveries.update_status(db_session, staff, delivery.id, "04", None)
    with pytest.raises(Conflict) as backwards:
        deliveries.update_status(db_session, staff, delivery.id, "03", None)
    assert backwards.value.code == "stale_status"
    with pytest.raises(Conflict):  # taken in: no longer refused
        deliveries.update_status(db_session, staff, delivery.id, "02", "Không đúng thẩm quyền.")
    deliveries.update_status(db_session, staff, delivery.id, "06", None)
    with pytest.raises(Conflict) as final:
        deliveries.update_status(db_session, staff, delivery.id, "05", None)
    assert final.value.code == "status_final"
    codes = db_session.scalars(select(DeliveryEvent.code).where(DeliveryEvent.delivery_id == delivery.id))
    assert list(codes) == ["04", "06"]
