"""A document another agency sent us arrives (văn bản đến): a new package kept, or an update, replacement or
recall request applied, always to the documents of the sender that sent it; 01 goes back by itself. What follows
(registration, assignment, handling) is routing/incoming.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.deliveries.statuses import ARRIVED_VIA
from routing.deliveries.statuses import INCOMING_GONE as GONE
from routing.exchange import edxml, outbound
from routing.exchange.directory import self_agency
from routing.models import Delivery, ExchangeMessage, IncomingDocument, IncomingEvent
from routing.webhooks import payloads
from routing.webhooks import service as webhooks
from workflow.documents.search import fold
from workflow.errors import NotFound
from workflow.models import Agency, Document, Person
from workflow.notifications.service import notify, notify_role
from workflow.runtime import Runtime


def add_event(
    session: Session, incoming: IncomingDocument, action: str, code: str | None, actor: Person | None, **detail: Any
) -> None:
    """One step of an incoming document's history, in the caller's transaction."""
    session.add(
        IncomingEvent(
            incoming_id=incoming.id, action=action, code=code, actor_id=actor.id if actor else None, detail=detail
        )
    )


@dataclass(frozen=True)
class PdfCheck:
    """The validation service's verdict on a received PDF."""

    valid: bool
    summary: dict[str, Any]
    reason: str


def main_pdf(package: edxml.Package) -> edxml.Attachment | None:
    """The document itself among a package's files: its first PDF."""
    return next((a for a in package.attachments if a.content_type == "application/pdf"), None)


def _stored(rt: Runtime, attachment: edxml.Attachment) -> str:
    """The file's name in the store: read from the exchange it is there already; built here it is put there."""
    return rt.store.put(attachment.data) if attachment.data else attachment.sha256


def _fields(rt: Runtime, package: edxml.Package) -> dict[str, Any]:
    # The document is its first PDF; a package without one is shown by its first file.
    main = main_pdf(package) or package.attachments[0]
    files = [
        {"name": attachment.name, "description": attachment.description, "sha256": _stored(rt, attachment)}
        for attachment in package.attachments
        if attachment is not main
    ]
    return {
        "subject": package.subject,
        "type_name": package.type_name,
        "signer_name": package.signer_name,
        "signer_position": package.signer_position,
        "priority": package.priority,
        "due_date": package.due_day,
        "pdf_sha256": _stored(rt, main),
        "attachments": files,
    }


def accept_package(
    session: Session,
    rt: Runtime,
    package: edxml.Package,
    message: ExchangeMessage,
    pdf_check: PdfCheck,
    xml_signature: dict[str, str] | None = None,
    files: list[dict[str, str]] | None = None,
    importer: Person | None = None,
    not_named: bool = False,
) -> dict[str, Any]:
    """A new, update or replacement package arrives with its files checked (or a clerk, `importer`, imports it
    from a file): keep it and send 01.

    What does not check (no valid signature on its PDF, no PDF at all) arrives all the same, flagged for the
    clerk, who returns it (02, the reason written for them) or registers it with a reason of their own. The
    package's own XML signature and every file's verdict are kept with the PDF's, for the clerk to see.
    """
    ours = self_agency(session)
    summary = pdf_check.summary | {"files": files or []} | ({"xml_signature": xml_signature} if xml_signature else {})
    if not pdf_check.valid:
        summary["attention"] = pdf_check.reason
    if not_named:
        names = ", ".join(r.organ_id for r in package.recipients) or "không ghi"
        flag = f"Gói tin không ghi cơ quan ta là nơi nhận (nơi nhận trong gói: {names})."
        summary["attention"] = f"{flag} {summary['attention']}" if "attention" in summary else flag
    staff = {"department": "Văn thư"}
    # A document is its sender's: found by (sender, DocumentId), so no other agency can change, replace or
    # pre-empt it by naming its DocumentId.
    sender = package.sender.organ_id
    existing = from_sender(session, ours.id, sender, package.document_id)
    if package.business_type == edxml.UPDATE and existing is None and package.business_document_id:
        # The update names the document it updates (the national library's update packages do).
        existing = from_sender(session, ours.id, sender, package.business_document_id)
    if package.business_type == edxml.UPDATE and existing is not None:
        for name, value in _fields(rt, package).items():
            setattr(existing, name, value)
        existing.signatures = summary
        existing.revision += 1
        message.incoming_id = existing.id
        add_event(
            session, existing, "updated", None, importer, reason=package.business_reason, revision=existing.revision
        )
        return {"result": "updated", "incoming_id": existing.id, "revision": existing.revision}
    if existing is not None:
        # The same document again under a new message id (e.g. resent by hand): one incoming document.
        message.incoming_id = existing.id
        return {"result": "already_received", "incoming_id": existing.id, "status": existing.state}
    twin = (
        duplicate_of(session, ours.id, sender, package.sender.name, package.code[:64], package.promulgation_day)
        if (package.promulgation_day)
        else None
    )
    if twin is not None:  # registered before from its paper copy: the clerk should not register it twice
        where = f"số đến {twin.incoming_number}/{twin.incoming_year}" if twin.incoming_number else "chưa vào sổ"
        flag = f"Văn bản này đã có trong văn bản đến ({where}, {ARRIVED_VIA[twin.received_via].lower()})."
        summary["attention"] = f"{flag} {summary['attention']}" if "attention" in summary else flag
    incoming = IncomingDocument(
        agency_id=ours.id,
        duplicate_of_id=twin.id if twin is not None else None,
        sender_code=package.sender.organ_id,
        sender_name=package.sender.name,
        document_key=package.document_id,
        number=int(package.code_number) if package.code_number.isdigit() else 0,
        symbol=package.code[:64],
        promulgation_date=package.promulgation_day or dt.datetime.now(rt.tz).date(),
        place=package.place,
        signatures=summary,
        received_at=dt.datetime.now(dt.UTC),
        **_fields(rt, package),
    )
    session.add(incoming)
    session.flush()
    message.incoming_id = incoming.id
    answered = _answers(session, package)
    if answered is not None:  # it answers one of ours: linked, and its drafter told
        incoming.answers_document_id = answered.id
        notify(
            session,
            [answered.drafter_id],
            "incoming_received",
            f"{incoming.sender_name} đã trả lời văn bản số {answered.symbol} bằng văn bản số {incoming.symbol}.",
            answered,
            incoming_id=incoming.id,
        )
    if importer is None:
        add_event(session, incoming, "received", "01", None, message_id=message.message_id)
    else:  # who brought it in, from which file, stays in its history
        incoming.received_via = "import"
        add_event(session, incoming, "received", "01", importer, message_id=message.message_id, imported=True)
    if package.business_type == edxml.REPLACE:
        replaced = [r.document_id for r in package.replacements] or [r.document_id for r in package.response_for]
        for key in filter(None, replaced):
            old = from_sender(session, ours.id, sender, key)
            if old is not None:
                old.state = "replaced"
                incoming.replaces_id = old.id
                add_event(session, old, "replaced", None, None, by=incoming.id, reason=package.business_reason)
    outbound.send_status(
        session,
        rt,
        organ_id=incoming.sender_code,
        key=incoming.document_key,
        code="01",
        description="Văn bản đã đến.",
        staff=staff,
    )
    notify_role(
        session,
        ours.id,
        "clerk",
        "incoming_received",
        f"Văn bản đến: {incoming.symbol} — {incoming.subject}",
        None,
        incoming_id=incoming.id,
    )
    webhooks.emit(session, "incoming.received", payloads.IncomingReceived.of(incoming))
    return {"result": "received", "incoming_id": incoming.id, "status": "01"}


def _answers(session: Session, package: edxml.Package) -> Document | None:
    """The document of ours a package answers: its ResponseFor names a DocumentId we sent to its sender."""
    for reference in package.response_for:
        if not reference.document_id:
            continue
        delivery = session.scalar(
            select(Delivery)
            .join(Agency, Delivery.agency_id == Agency.id)
            .where(Delivery.exchange_id == reference.document_id, Agency.code == package.sender.organ_id)
        )
        if delivery is not None:
            return delivery.document
    return None


def duplicate_of(
    session: Session, agency_id: int, sender_code: str, sender_name: str, number: str, issued_on: dt.date
) -> IncomingDocument | None:
    """The live incoming document with the same sender (by code, or by name when it has none), number/symbol and
    date: the same document come twice (on paper and over the exchange, say)."""
    query = select(IncomingDocument).where(
        IncomingDocument.agency_id == agency_id,
        IncomingDocument.promulgation_date == issued_on,
        IncomingDocument.state.not_in(GONE),
    )
    same_number = fold(number)
    for found in session.scalars(query.order_by(IncomingDocument.id)):
        same_sender = found.sender_code == sender_code if sender_code else fold(found.sender_name) == fold(sender_name)
        if same_sender and fold(found.symbol) == same_number:
            return found
    return None


def from_sender(session: Session, agency_id: int, sender: str, document_key: str) -> IncomingDocument | None:
    """The live incoming document this sender sent us under this DocumentId."""
    return session.scalar(
        select(IncomingDocument).where(
            IncomingDocument.agency_id == agency_id,
            IncomingDocument.sender_code == sender,
            IncomingDocument.document_key == document_key,
            IncomingDocument.state.not_in(GONE),
        )
    )


def recall_requested(
    session: Session, sender_code: str, document_key: str, reason: str, message: ExchangeMessage
) -> dict[str, Any]:
    """The sender asks to recall a document it sent us (status 13, or a revocation package): the clerk accepts
    (15) or refuses (16)."""
    incoming = from_sender(session, self_agency(session).id, sender_code, document_key)
    if incoming is None:
        raise NotFound("exchange_unknown_document", "Không có văn bản đến nào với mã định danh đó.")
    message.incoming_id = incoming.id
    incoming.recall_reason = reason or "Cơ quan gửi đề nghị thu hồi."
    add_event(session, incoming, "recall_requested", "13", None, reason=incoming.recall_reason)
    notify_role(
        session,
        incoming.agency_id,
        "clerk",
        "recall_requested",
        f"{incoming.sender_name} đề nghị thu hồi văn bản {incoming.symbol}: {incoming.recall_reason}",
        None,
        incoming_id=incoming.id,
    )
    return {"result": "recall_requested", "incoming_id": incoming.id}
