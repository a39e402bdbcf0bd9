"""The incoming register (sổ đăng ký văn bản đến): the agency's register, a year's entries in number order, and
the year printed with Decree 30's columns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.deliveries.statuses import ARRIVED_VIA
from routing.deliveries.statuses import INCOMING_GONE as GONE
from routing.deliveries.statuses import INCOMING_LABELS as STATE_LABELS
from routing.incoming import assignment
from routing.models import IncomingDocument
from workflow.errors import Forbidden
from workflow.issuance import printouts
from workflow.models import Person, Register
from workflow.runtime import Runtime


def incoming_register(session: Session, agency_id: int) -> Register:
    """The agency's incoming register (made the first time a document is registered)."""
    register = session.scalar(select(Register).where(Register.agency_id == agency_id, Register.scope == "incoming"))
    if register is None:
        register = Register(agency_id=agency_id, code="DEN", name="Sổ đăng ký văn bản đến", scope="incoming")
        session.add(register)
        session.flush()
    return register


def register_of_year(session: Session, actor: Person, year: int) -> list[IncomingDocument]:
    """The incoming register of a year in number order (clerks and leaders)."""
    if not (actor.has_role("clerk") or actor.has_role("leader")):
        raise Forbidden("forbidden", "Chỉ văn thư và lãnh đạo xem sổ văn bản đến.")
    query = select(IncomingDocument).where(
        IncomingDocument.agency_id == actor.unit.agency_id,
        IncomingDocument.incoming_year == year,
        IncomingDocument.incoming_number.is_not(None),
    )
    return list(session.scalars(query.order_by(IncomingDocument.incoming_number)))


# The incoming register's columns (Decree 30, appendix VI: sổ đăng ký văn bản đến) and their widths in mm.
REGISTER_COLUMNS = (
    ("Ngày đến", 22),
    ("Số đến", 13),
    ("Tác giả", 36),
    ("Số, ký hiệu", 38),
    ("Ngày tháng", 22),
    ("Tên loại và trích yếu nội dung", 56),
    ("Đơn vị hoặc người nhận", 42),
    ("Ký nhận", 16),
    ("Ghi chú", 28),
)


def register_pdf(session: Session, rt: Runtime, actor: Person, year: int) -> tuple[bytes, str]:
    """The incoming register of a year as a printable PDF with the decree's columns, and its file name."""
    rows = []
    for i in register_of_year(session, actor, year):
        parts = [r for r in i.assignees if r.active and r.parent_id is None]
        given = "; ".join(f"{assignment.name_of(r)} ({assignment.ROLES[r.role].lower()})" for r in parts)
        notes = [ARRIVED_VIA[i.received_via]] if i.received_via not in ("exchange",) else []
        if i.state in GONE or i.state == "returned":
            notes.append(STATE_LABELS[i.state])
        rows.append(
            [
                i.received_at.astimezone(rt.tz).strftime("%d/%m/%Y"),
                str(i.incoming_number),
                i.sender_name,
                i.symbol,
                i.promulgation_date.strftime("%d/%m/%Y"),
                f"{i.type_name}: {i.subject}" if i.type_name else i.subject,
                given,
                "",
                "; ".join(notes),
            ]
        )
    agency = actor.unit.agency
    register = incoming_register(session, agency.id)
    data = printouts.render_book(agency.name, agency.superior, register.name, year, REGISTER_COLUMNS, rows)
    return data, f"so-van-ban-den-{year}.pdf"
