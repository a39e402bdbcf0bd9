"""Receiving from other agencies over the national exchange (VXP), or from a file the clerk imports.

Each waiting item is taken with getEdoc, checked with nothing open for writing (its sender as the exchange
authenticated it, its XML signature against the sender's pinned certificate, each PDF's signatures in the
isolated validator), applied in one short transaction, then answered `done` — or `fail` with the reason when
it is refused for good. The same item again is answered without effect; a status older than the recorded one
is ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from routing.deliveries import statuses
from routing.exchange import edxml, edxml_read, payload
from routing.exchange.arrival import PdfCheck, accept_package, main_pdf, recall_requested
from routing.exchange.directory import client, peer_of, self_agency, sender_roots
from routing.models import Delivery, DeliveryEvent, ExchangeMessage
from routing.states import Transport
from routing.webhooks import payloads
from routing.webhooks import service as webhooks
from signing import validation, xmldsig
from signing.errors import SigningError
from workflow import outbox
from workflow.audit import audit
from workflow.errors import DomainError, Forbidden, Invalid, NotFound, Unprocessable
from workflow.models import Agency, Person
from workflow.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrival:
    """A message as it reached us: its id (the exchange's DocId, or the imported file's digest), the organ the
    exchange authenticated ("" when only the package names it: an imported file), and its bytes."""

    message_id: str
    sender: str
    body: bytes


@dataclass(frozen=True)
class Checked:
    """A received message that passed every check that needs no write: ready to be taken."""

    arrival: Arrival
    message: edxml.Package | edxml.Status | None  # None: a message id we already took
    pdf: PdfCheck | None = None  # for packages: what the validation service said of the PDF
    xml_signature: dict[str, str] | None = None  # for packages: what its own XML signature says
    files: tuple[dict[str, str], ...] = ()  # for packages: each file with its verdict
    imported_by: int | None = None  # the clerk who imported it from a file
    body_sha256: str = ""  # the message as it came, already in the file store
    not_named: bool = False  # for packages: its To does not name us


def check_from_vxp(session: Session, rt: Runtime, doc_id: str, sender: str, body: bytes) -> Checked:
    """A message the national exchange delivered; `sender` is the organ the exchange authenticated it for (its
    list's `from`), which the package must name: an item without one is refused, never taken on its own word.
    Its own XML signature is checked and kept."""
    if not sender:
        raise Forbidden(
            "exchange_no_sender", "Trục liên thông không cho biết cơ quan gửi của gói tin này: không nhận gói tin."
        )
    return _check(session, rt, Arrival(f"vxp-{doc_id}"[:64], sender, body))


def check_imported(session: Session, rt: Runtime, actor_id: int, body: bytes) -> Checked:
    """A package the clerk received by other means (a file): read as the exchange would deliver it, its sender
    the one it names, its XML signature and its PDF's signatures checked and shown. Importing the same file
    again takes nothing twice."""
    actor = session.get(Person, actor_id)
    if actor is None or not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư nhập văn bản đến từ tệp edXML.")
    key = "import-" + hashlib.sha256(body).hexdigest()[:48]
    return dataclasses.replace(_check(session, rt, Arrival(key, "", body), imported=True), imported_by=actor.id)


def _check(session: Session, rt: Runtime, arrival: Arrival, *, imported: bool = False) -> Checked:
    """Everything about a message that needs no write, cheapest first: its envelope (who sends it, for whom,
    under whose DocumentId) before its files are decoded, and its files within the bounds, each put in the
    file store as it is decoded."""
    if _taken(session, arrival.message_id) is not None:
        return Checked(arrival, None)
    ours = self_agency(session)
    try:
        read = edxml_read.Read(arrival.body)  # refuses an oversize or hostile package first
        envelope = read.envelope()
    except edxml_read.EdxmlError as exc:
        raise Invalid(exc.code, exc.message) from exc
    if imported and envelope.is_status:
        raise Invalid("edxml_unexpected", "Tệp là gói trạng thái, không phải gói văn bản.")
    if arrival.sender and envelope.sender != arrival.sender:
        raise Forbidden("exchange_wrong_sender", "Cơ quan gửi trong gói tin khác cơ quan đã xác thực.")
    if envelope.is_status:
        if envelope.recipients and envelope.recipients != (ours.code,):
            raise Unprocessable("exchange_not_addressee", f"Gói trạng thái không gửi cho cơ quan này ({ours.code}).")
        return Checked(arrival, read.message(), body_sha256=rt.store.put(arrival.body, ".xml"))
    owner = edxml.document_organ(envelope.document_id)
    if owner is not None and owner != envelope.sender:
        raise Forbidden(
            "exchange_foreign_document_id",
            f"Mã định danh văn bản {envelope.document_id} thuộc cơ quan {owner}, không phải cơ quan gửi "
            f"{envelope.sender}: không nhận gói tin.",
        )
    # Delivered to us though its To does not name us (a sender's system that addressed it wrongly, or a unit's code
    # for ours): taken and flagged for the clerk, who registers or returns it; never answered `fail`.
    not_named = ours.code not in envelope.recipients
    if not envelope.files:
        raise Invalid("edxml_no_attachment", "Gói tin không có tệp đính kèm nào.")
    bounds = payload.Bounds(rt.settings.exchange_max_attachments, rt.settings.exchange_max_unpacked_mb * 2**20)
    try:
        # Each file goes to the content-addressed store as soon as it is decoded, after the bounds were checked.
        message = read.message(bounds, keep=rt.store.put)
    except edxml_read.EdxmlError as exc:
        raise Invalid(exc.code, exc.message) from exc
    assert isinstance(message, edxml.Package)
    peer = peer_of(session, message.sender.organ_id)
    roots = sender_roots(rt, peer)
    # Recorded and shown, never a refusal: real packages often carry none, or a placeholder.
    xml_check = xmldsig.verify(arrival.body, peer.certificate.encode() if peer and peer.certificate else None)
    # Every file's verdict, for the clerk: real packages carry unsigned PDFs, .doc files, several files.
    verdicts: list[dict[str, str]] = []
    main, pdf = main_pdf(message), None
    for attachment in message.attachments:
        if attachment.content_type != "application/pdf" or len(verdicts) >= MAX_VALIDATED:
            verdicts.append({"name": attachment.name, "content_type": attachment.content_type, "verdict": "not_pdf"})
            continue
        check = validate_pdf(rt.store.get(attachment.sha256), roots)
        pdf = check if attachment is main else pdf
        verdicts.append(
            {"name": attachment.name, "content_type": attachment.content_type, "verdict": check.summary["verdict"]}
        )
    if pdf is None:
        names = ", ".join(a.name for a in message.attachments)
        pdf = PdfCheck(False, {"verdict": "no_pdf"}, f"Gói tin không có tệp PDF văn bản (chỉ có: {names}).")
    # Stored before the write transaction that takes it (a package may be 64 MB), as its files were.
    digest = rt.store.put(arrival.body, ".xml")
    return Checked(arrival, message, pdf, xml_check.as_dict(), tuple(verdicts), body_sha256=digest, not_named=not_named)


# PDFs of one package validated (each in its own process, about a second); the rest are listed as they are.
MAX_VALIDATED = 10


def pull(rt: Runtime) -> int:
    """Take what waits for us at the national exchange: packages, then statuses; returns how many were taken."""
    with rt.readers() as session:
        exchange = client(session, rt)
    if exchange is None:
        return 0
    taken = 0
    for kind in ("edoc", "status"):
        for item in exchange.received(kind):
            doc_id = str(item["docId"])
            answer = take(rt, doc_id, str(item.get("from") or ""), exchange.get(doc_id))
            exchange.update(doc_id, "fail" if "error" in answer else "done")
            taken += 1
    return taken


def take(rt: Runtime, doc_id: str, sender: str, body: bytes) -> dict[str, Any]:
    """Check one item the exchange delivered, then apply it in one transaction; a refusal for good is answered
    with its code and reason (the caller tells the exchange `fail`), never retried."""
    try:
        with rt.readers() as reader:
            checked = check_from_vxp(reader, rt, doc_id, sender, body)
        with rt.sessions() as session, session.begin():
            answer = receive(session, rt, checked)
    except DomainError as exc:
        log.warning("item %s from the exchange refused: %s %s", doc_id, exc.code, exc.message)
        answer = {"message_id": f"vxp-{doc_id}", "error": {"code": exc.code, "message": exc.message}}
    outbox.relay_quietly(rt)
    return answer


def validate_pdf(data: bytes, roots: list[Any]) -> PdfCheck:
    """Validate the signatures of a received PDF in the isolated validator."""
    try:
        report = validation.report_isolated(data, b"".join(validation.cert_pem(c) for c in roots))
    except SigningError as exc:  # PdfError included: not a PDF we can read
        return PdfCheck(False, {"verdict": "invalid", "error": exc.code}, exc.message)
    summary = {
        "verdict": report["verdict"],
        "signers": [s.get("signer") for s in report.get("signatures", [])],
        "levels": [s.get("level") for s in report.get("signatures", [])],
    }
    if report["verdict"] == "valid":
        return PdfCheck(True, summary, "")
    problems = [p for s in report.get("signatures", []) for p in s.get("problems", [])]
    reason = "; ".join(problems) or "Văn bản không có chữ ký số hợp lệ."
    return PdfCheck(False, summary, f"Chữ ký số trên văn bản không hợp lệ: {reason}")


def _taken(session: Session, message_id: str) -> ExchangeMessage | None:
    query = select(ExchangeMessage).where(ExchangeMessage.direction == "in", ExchangeMessage.message_id == message_id)
    return session.scalar(query)


def receive(session: Session, rt: Runtime, checked: Checked) -> dict[str, Any]:
    """Take a checked message; a message id taken before is answered again without effect."""
    arrival, message = checked.arrival, checked.message
    done = _taken(session, arrival.message_id)
    if done is not None or message is None:
        return {"message_id": arrival.message_id, "result": done.state if done else "accepted", "duplicate": True}
    row = ExchangeMessage(
        message_id=arrival.message_id,
        direction="in",
        kind="package" if isinstance(message, edxml.Package) else "status",
        organ_id=message.sender.organ_id,
        document_key=message.document_id,
        code=message.code if isinstance(message, edxml.Status) else None,
        body_sha256=checked.body_sha256,
        state="accepted",
        done_at=dt.datetime.now(dt.UTC),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same message taken at this moment by a concurrent request
        return {"message_id": arrival.message_id, "result": "accepted", "duplicate": True}
    if isinstance(message, edxml.Package) and message.business_type == edxml.RECALL:
        # A revocation package: the document is sent again with the reason; the clerk answers 15 or 16.
        key = message.business_document_id or message.document_id
        result = recall_requested(session, message.sender.organ_id, key, message.business_reason, row)
    elif isinstance(message, edxml.Package):
        assert checked.pdf is not None
        importer = session.get(Person, checked.imported_by) if checked.imported_by else None
        result = accept_package(
            session,
            rt,
            message,
            row,
            checked.pdf,
            checked.xml_signature,
            list(checked.files),
            importer,
            checked.not_named,
        )
    elif message.code == "13":
        result = recall_requested(session, message.sender.organ_id, message.document_id, message.description, row)
    else:
        result = status_received(session, message, row)
    return {"message_id": arrival.message_id, "duplicate": False, **result}


def status_received(session: Session, status: edxml.Status, row: ExchangeMessage) -> dict[str, Any]:
    """A recipient agency's status about a document we sent; older than the recorded one: ignored."""
    if status.code not in statuses.RECEIVER_CODES:
        raise Unprocessable("edxml_status_code", f"Mã trạng thái {status.code} không dùng cho cơ quan nhận.")
    delivery = session.scalar(
        select(Delivery)
        .join(Agency, Delivery.agency_id == Agency.id)
        .where(Delivery.exchange_id == status.document_id, Agency.code == status.sender.organ_id)
        .with_for_update()
    )
    if delivery is None:
        raise NotFound("exchange_unknown_document", "Không có văn bản đã gửi tới cơ quan này với mã định danh đó.")
    row.delivery_id = delivery.id
    # A time that does not parse, or one still to come (a status dated 2099 would make every genuine later one
    # look older), counts as the moment it came.
    now = dt.datetime.now(dt.UTC)
    moment = min(status.moment or now, now)
    if not statuses.advances(status.code, moment, delivery.status_code, delivery.remote_status_at):
        row.state = "ignored"  # kept in the message log; the delivery's history shows what counted
        return {"result": "ignored", "status": delivery.status_code}
    delivery.status_code = status.code
    delivery.status_reason = status.description or None
    delivery.remote_status_at = moment
    delivery.transport = Transport.DELIVERED  # it answered, so it has the document
    session.add(
        DeliveryEvent(delivery_id=delivery.id, code=status.code, reason=status.description or None, remote_at=moment)
    )
    audit(session, None, f"receipt_{status.code}", delivery.document, delivery_id=delivery.id, remote=True)
    webhooks.emit(session, "delivery.status_changed", payloads.DeliveryStatusChanged.of(delivery))
    return {"result": "accepted", "status": status.code}
