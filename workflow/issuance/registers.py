"""Registers and their numbering (outgoing documents and the incoming register alike), symbols, the book."""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow import catalog
from workflow.errors import Conflict, Forbidden, NotFound
from workflow.issuance import printouts
from workflow.models import AuditAnchor, Document, Person, Register, RegisterCounter, RegisterEntry
from workflow.runtime import Runtime


def choose_register(session: Session, document: Document) -> Register:
    """Confidential documents have their own series; công văn and typed documents theirs."""
    if catalog.is_secret(document.confidentiality):
        scope = "confidential"
    else:
        scope = "cong_van" if document.doc_type == "cong_van" else "typed"
    register = session.scalar(select(Register).where(Register.agency_id == document.agency_id, Register.scope == scope))
    if register is None:
        raise Conflict("no_register", "Chưa cấu hình sổ đăng ký cho loại văn bản này.")
    return register


def take_number(session: Session, register_id: int, year: int) -> int:
    """Next number of (register, year): one atomic, row-locking UPDATE ... RETURNING."""
    values = {"register_id": register_id, "year": year, "last_number": 0}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(RegisterCounter).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(RegisterCounter).values(values).on_conflict_do_nothing())
    number = session.scalar(
        update(RegisterCounter)
        .where(RegisterCounter.register_id == register_id, RegisterCounter.year == year)
        .values(last_number=RegisterCounter.last_number + 1)
        .returning(RegisterCounter.last_number)
    )
    assert number is not None
    return int(number)


# A register's symbol pattern: the documented placeholders and the characters of a Decree-30 symbol.
SYMBOL_PATTERN = re.compile(r"(?:\{(?:type|agency|unit)\}|[^\W_]|[-/.&])+")


def make_symbol(register: Register, document: Document, number: int) -> str:
    """Number and symbol per Decree 30: 07/STNMT-VP for a công văn, 03/TB-STNMT otherwise."""
    _, abbreviation = catalog.DOC_TYPES[document.doc_type]
    pattern = register.cong_van_pattern if abbreviation is None else register.typed_pattern
    values = {"type": abbreviation or "", "agency": document.agency.abbreviation, "unit": document.drafting_unit.code}
    # Placeholders replaced one by one (never str.format on an admin's text), anything else dropped.
    tail = "".join(
        values[part.group(1)] if part.group(1) else part.group()
        for part in re.finditer(r"\{(type|agency|unit)\}|[^\W_]|[-/.&]", pattern)
    )
    return f"{number:02d}/{tail}"


def register_entries(session: Session, actor: Person, register_id: int, year: int) -> list[RegisterEntry]:
    """The outgoing register of a year, in number order, voided numbers included (the clerk's book)."""
    register = session.get(Register, register_id)
    if register is None or register.agency_id != actor.unit.agency_id:
        raise NotFound("register_not_found", "Không tìm thấy sổ đăng ký.")
    if not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư xem sổ đăng ký văn bản đi.")
    query = select(RegisterEntry).where(RegisterEntry.register_id == register_id, RegisterEntry.year == year)
    return list(session.scalars(query.order_by(RegisterEntry.number)))


def register_pdf(session: Session, rt: Runtime, actor: Person, register_id: int, year: int) -> tuple[bytes, str]:
    """The register of a year as a printable PDF, with its file name."""
    entries = register_entries(session, actor, register_id, year)
    register = session.get(Register, register_id)
    assert register is not None
    lines = [
        printouts.RegisterLine(
            symbol=e.symbol,
            date=e.issued_at.astimezone(rt.tz).strftime("%d/%m/%Y"),
            type_and_summary=f"{catalog.DOC_TYPES[e.doc_type][0]}: {e.summary}",
            signer=f"{e.signer_name}\n({e.signer_authority})" if e.signer_authority else e.signer_name,
            recipients=e.recipients,
            copies=e.copies,
            note=f"Số hủy: {e.void_reason}" if e.status == "voided" else "",
        )
        for e in entries
    ]
    agency = actor.unit.agency
    anchor = session.scalar(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1))
    footer = ""
    if anchor is not None:
        # The audit trail's daily anchor: whoever holds this printout can check the chain against it.
        stamped = "có dấu thời gian TSA" if anchor.token else "chưa có dấu thời gian TSA"
        footer = (
            f"Mốc nhật ký kiểm tra: liên kết số {anchor.seq}, SHA-256 {anchor.hash}, "
            f"lập lúc {anchor.created_at.astimezone(rt.tz):%d/%m/%Y %H:%M} ({stamped})."
        )
    data = printouts.render_register(agency.name, agency.superior, register.name, year, lines, footer)
    return data, f"so-{register.code}-{year}.pdf"


def registers_of(session: Session, agency_id: int) -> list[Register]:
    """An agency's outgoing registers, in the order they were made."""
    return list(session.scalars(select(Register).where(Register.agency_id == agency_id).order_by(Register.id)))
