"""Documents that did not come over the exchange — a scanned paper letter, a PDF from e-mail, a letter brought
by hand — registered by the clerk with what is printed on them.

The file is checked, its signatures validated and its text read before anything is written (staged); the write
takes the next number of the year's incoming register. The same document (sender, number and date) is never
registered twice: the clerk is shown the one already there. A scan's words are read by a job afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.deliveries.statuses import RECEIVED_VIA
from routing.exchange.arrival import add_event, duplicate_of
from routing.exchange.directory import peer_of, self_agency, sender_roots
from routing.exchange.inbound import validate_pdf
from routing.incoming import images, ocr
from routing.incoming.registers import incoming_register
from routing.incoming.schemas import Registration
from routing.models import IncomingDocument
from workflow import catalog, outbox
from workflow.documents.drafting import check_pdf, signed_in
from workflow.documents.search import fold
from workflow.errors import Conflict, Forbidden, Invalid
from workflow.issuance.registers import take_number
from workflow.models import Agency, Person
from workflow.runtime import Runtime


@dataclass(frozen=True)
class Staged:
    """A registration's file, checked and stored, and its sender as the directory knows it."""

    sha256: str
    pages: int
    signatures: dict[str, Any]
    text: str
    scanned: bool
    sender_code: str
    sender_name: str


def stage(rt: Runtime, actor_id: int, fields: Registration, data: bytes) -> Staged:
    """Check who registers, the file (in a child process), its signatures and its own text, with nothing open
    for writing; the file goes to the store."""
    with rt.readers() as reader:
        actor = signed_in(reader, actor_id)
        if not actor.has_role("clerk"):
            raise Forbidden("forbidden", "Chỉ văn thư vào sổ văn bản đến.")
        code, name = _sender(reader, fields.sender)
        roots = sender_roots(rt, peer_of(reader, code) if code else None)
    if not data:
        raise Invalid("missing_file", "Hãy đính kèm bản quét hoặc tệp PDF của văn bản.", field="file")
    if images.is_image(data):  # a scan as an image (a scanner's JPEG or TIFF, a phone's photo): kept as a PDF
        if len(data) > rt.settings.max_upload_bytes:
            raise Invalid("file_too_large", "Tệp quá lớn.", field="file")
        data = images.to_pdf(data, rt.settings.max_pages)
    info = check_pdf(rt, data).info
    check = validate_pdf(data, roots)
    signatures = dict(check.summary)
    if signatures["verdict"] == "invalid":
        signatures["attention"] = check.reason  # shown to the clerk and to whoever handles it
    text, scanned = ocr.needs_reading(data, info.pages, rt.settings.ocr_max_pages)
    return Staged(rt.store.put(data), info.pages, signatures, text, scanned, code, name)


def _sender(session: Session, written: str) -> tuple[str, str]:
    """The sender's code and name: an agency of the directory by its id or its name as written (accents and case
    aside), or else the name as the clerk wrote it with no code."""
    if written.isdigit():
        agency = session.get(Agency, int(written))
        if agency is None:
            raise Invalid("invalid_sender", f"Không có cơ quan số {written} trong danh bạ.", field="sender")
        return agency.code, agency.name
    wanted = fold(written)
    for agency in session.scalars(select(Agency).where(Agency.is_self.is_(False))):
        names = [agency.name, *agency.aliases.splitlines()]
        if any(fold(name) == wanted for name in names if name.strip()):
            return agency.code, agency.name
    return "", written


def register(session: Session, rt: Runtime, actor: Person, fields: Registration, staged: Staged) -> IncomingDocument:
    """Register the document with the next number of this year's incoming register (03 in its history); a scan is
    handed to the job that reads its words."""
    ours = self_agency(session)
    twin = duplicate_of(session, ours.id, staged.sender_code, staged.sender_name, fields.number, fields.issued_on)
    if twin is not None:
        where = f"số đến {twin.incoming_number}/{twin.incoming_year}" if twin.incoming_number else "chưa vào sổ"
        raise Conflict(
            "incoming_duplicate",
            f"Văn bản {twin.symbol} ngày {twin.promulgation_date:%d/%m/%Y} của {twin.sender_name} đã có trong "
            f"văn bản đến ({where}); mở văn bản đã có thay vì vào sổ lần nữa.",
            existing_id=twin.id,
        )
    now = rt.now()
    received_at = fields.received_at or now
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=rt.tz)
    if fields.issued_on > now.date() or received_at > now + dt.timedelta(minutes=5):
        raise Invalid("date_out_of_range", "Ngày văn bản và thời điểm nhận không thể ở tương lai.", field="issued_on")
    if received_at.date() < fields.issued_on:
        raise Invalid("date_out_of_range", "Thời điểm nhận không thể trước ngày văn bản.", field="received_at")
    number_part = fields.number.split("/", 1)[0].strip()
    incoming = IncomingDocument(
        agency_id=ours.id,
        sender_code=staged.sender_code,
        sender_name=staged.sender_name,
        document_key=f"{fields.received_via}-{uuid.uuid4().hex}",
        number=int(number_part) if number_part.isdigit() else 0,
        symbol=fields.number,
        promulgation_date=fields.issued_on,
        type_name=catalog.DOC_TYPES[fields.doc_type][0],
        subject=fields.summary,
        signer_name=fields.signer_name,
        priority=catalog.URGENCY[fields.urgency][1],
        due_date=fields.deadline,
        pdf_sha256=staged.sha256,
        attachments=[],
        signatures=staged.signatures,
        state="registered",
        received_via=fields.received_via,
        confidentiality=fields.confidentiality,
        ocr_state="pending" if staged.scanned else "none",
        ocr_text="" if staged.scanned else staged.text[:OWN_TEXT_CHARS],
        incoming_year=now.year,
        incoming_number=take_number(session, incoming_register(session, ours.id).id, now.year),
        registered_at=now,
        received_at=received_at.astimezone(dt.UTC),
    )
    session.add(incoming)
    session.flush()
    add_event(
        session, incoming, "received", None, actor, via=fields.received_via, label=RECEIVED_VIA[fields.received_via]
    )
    add_event(session, incoming, "register", "03", actor, number=incoming.incoming_number, year=incoming.incoming_year)
    if staged.scanned:
        outbox.add(session, outbox.READ_SCAN, incoming_id=incoming.id)
    return incoming


# Characters of a PDF's own text kept for search (a 500-page report's text need not be).
OWN_TEXT_CHARS = 200_000


def read_scan(rt: Runtime, incoming_id: int) -> str:
    """The job: read the words of a registered scan (once) and keep them for search; returns its new state."""
    with rt.readers() as reader:
        incoming = reader.get(IncomingDocument, incoming_id)
        if incoming is None or incoming.ocr_state != "pending":
            return incoming.ocr_state if incoming else "gone"
        data = rt.store.get(incoming.pdf_sha256)
    pages = check_pdf(rt, data).info.pages
    try:
        reading = ocr.read_scan(data, pages, max_pages=rt.settings.ocr_max_pages, seconds=rt.settings.ocr_seconds)
    except ocr.OcrUnavailable:
        reading = ocr.Reading("", 0, [])
    layered = ocr.with_text_layer(data, reading.layers) if reading.pages else None
    layered_sha256 = rt.store.put(layered) if layered else None  # stored before the write, as every file
    state = "done" if reading.pages else "failed"
    with rt.sessions() as session, session.begin():
        incoming = session.get(IncomingDocument, incoming_id, with_for_update=True)
        if incoming is None or incoming.ocr_state != "pending":
            return incoming.ocr_state if incoming else "gone"
        incoming.ocr_text = reading.text[:OWN_TEXT_CHARS]
        incoming.ocr_state = state
        incoming.ocr_pdf_sha256 = layered_sha256
        add_event(session, incoming, "ocr", None, None, pages=reading.pages, of=pages, state=state)
    return state
