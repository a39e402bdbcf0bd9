"""Sending to other agencies over the national exchange (VXP): the packages of issued documents and status
packages, at least once.

A message row is written in the transaction that decides it (outbox); a job makes one sendEdoc per recipient
organ, and the reconciler re-enqueues what is due with exponential backoff and a cap; after the last attempt
the message and its delivery are `failed` and the clerks are notified. Nothing is held open during the call.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing import retry
from routing.exchange import edxml, edxml_build, vxp
from routing.exchange.directory import client, organ, self_agency
from routing.models import Delivery, ExchangeMessage, IncomingDocument
from routing.recipients import parse as recipients
from routing.states import Transport
from routing.webhooks import payloads
from routing.webhooks import service as webhooks
from signing import inspection, xmldsig
from workflow import catalog, outbox
from workflow.audit import audit
from workflow.documents.service import get_document, read_pdf
from workflow.errors import Forbidden, Invalid, Unprocessable
from workflow.models import AuditEvent, Document, Person
from workflow.notifications.service import notify_grouped, resolve, role_holders
from workflow.runtime import Runtime
from workflow.states import SENDABLE

# Why a delivery to another agency cannot go while the agency has no connection to the national exchange: said
# plainly, for the clerk (the administrator knows what to set).
NOT_CONNECTED = (
    "Chưa kết nối trục liên thông: quản trị viên cần khai báo kết nối của cơ quan với trục liên thông văn bản."
)

# A message its own job sends at once is leased this long before the reconciler may retry it.
SEND_LEASE = dt.timedelta(seconds=60)


def queue_message(
    session: Session,
    *,
    kind: str,
    organ_id: str,
    document_key: str,
    body_sha256: str,
    code: str | None = None,
    delivery_id: int | None = None,
    incoming_id: int | None = None,
    send_now: bool = False,
) -> ExchangeMessage:
    """Record an outgoing message (its bytes already in the file store) and the job that sends it after commit.

    With send_now the caller sends it itself right after commit; the message is leased meanwhile,
    and the reconciler retries it only if the lease runs out with the message still pending.
    """
    now = dt.datetime.now(dt.UTC)
    message = ExchangeMessage(
        message_id=uuid.uuid4().hex,
        direction="out",
        kind=kind,
        organ_id=organ_id,
        document_key=document_key,
        code=code,
        delivery_id=delivery_id,
        incoming_id=incoming_id,
        body_sha256=body_sha256,
        state="pending",
        next_attempt_at=now + SEND_LEASE if send_now else now,
    )
    session.add(message)
    session.flush()
    if not send_now:
        outbox.add(session, outbox.SEND_MESSAGE, message_id=message.id)
    return message


def package_of(
    session: Session,
    rt: Runtime,
    document: Document,
    business_type: int = edxml.NEW,
    reason: str = "",
    due_date: dt.date | None = None,
) -> edxml.Package:
    """An issued document as the edXML package its recipient agencies receive (QCVN 102:2016), laid out as the
    national exchange's library writes it: a new document, an update (2) or a replacement (3)."""
    if catalog.is_secret(document.confidentiality):
        raise Unprocessable(
            "confidential_no_electronic_dispatch", "Văn bản mật không được gửi qua mạng (liên thông điện tử)."
        )
    assert document.number is not None and document.symbol is not None
    agency = document.agency
    signer = document.signer
    issued_at = (document.issued_at or dt.datetime.now(dt.UTC)).astimezone(rt.tz)
    pdf = read_pdf(rt, document.current_version)
    files = [edxml.Attachment(f"{document.symbol.replace('/', '-')}.pdf", pdf, description="Văn bản")]
    files += [
        edxml.Attachment(a.filename, rt.store.get(a.issued_sha256 or a.sha256), description=f"Phụ lục {a.seq}")
        for a in document.appendices
    ]
    query = select(Delivery).where(Delivery.document_id == document.id, Delivery.kind == "agency")
    external = [d.agency for d in session.scalars(query.order_by(Delivery.id)) if d.agency]
    replaced = session.get(Document, document.replaces_id) if document.replaces_id else None
    if replaced is not None and business_type == edxml.NEW:
        business_type = edxml.REPLACE
    type_name, _ = catalog.DOC_TYPES[document.doc_type]
    kind, detail = edxml.DOCUMENT_TYPES[type_name]
    number, notation = document.symbol.split("/", 1)
    key = document_key(rt, document)
    clerk = _issuer(session, document)
    return edxml.Package(
        sender=organ(agency),
        recipients=tuple(organ(a) for a in external),
        document_id=key,
        code_number=number,
        code_notation=notation,
        place=agency.place,
        promulgation_date=edxml.day_text(issued_at.date()),
        type=kind,
        type_detail=detail,
        type_name=type_name,
        subject=document.summary,
        # Signed for the head (KT./TL./TUQ./Q.): that line; the head signing as themself has no such line.
        signer_competence=document.authority_line if document.authority_kind != "own" else "",
        signer_position=signer.position,
        signer_name=signer.full_name,
        attachments=tuple(files),
        priority=catalog.URGENCY[document.urgency][1],
        due_date=edxml.day_text(due_date or document.due_date),
        # Clean names of who receives it, as "Nơi nhận" reads them (no "- ", no "Lưu: …").
        to_places=tuple(line.label for line in recipients.parse(document.kinh_gui, document.noi_nhan)),
        steering_type=STEERING_TYPE,
        page_amount=inspection.inspect(pdf).pages,
        appendixes=tuple(a.filename for a in document.appendices),
        business_type=business_type,
        business_reason=reason,
        business_document_id=key if business_type == edxml.UPDATE else "",
        business_receivers=tuple(a.code for a in external) if business_type == edxml.UPDATE else (),
        staff=edxml.Staff(department="Văn thư", staff=clerk),
        replacements=(
            (edxml.Replacement(document_key(rt, replaced), tuple(a.code for a in external)),)
            if business_type == edxml.REPLACE and replaced is not None
            else ()
        ),
        traces=((agency.code, edxml.moment_text(issued_at)),),
        response_for=_answered(session, document),
    )


def _answered(session: Session, document: Document) -> tuple[edxml.Reference, ...]:
    """The incoming document an answer names in ResponseFor: the one it answers, when that came over the exchange
    (one that came on paper has no DocumentId to name)."""
    if document.replies_to_incoming_id is None:
        return ()
    incoming = session.get(IncomingDocument, document.replies_to_incoming_id)
    if incoming is None or incoming.received_via not in ("exchange", "import") or not incoming.sender_code:
        return ()
    return (
        edxml.Reference(
            document_id=incoming.document_key,
            organ_id=incoming.sender_code,
            code=incoming.symbol,
            promulgation_date=edxml.day_text(incoming.promulgation_date),
        ),
    )


# SteeringType: 0 for every document congvan sends. The SDK's material shows 0, 1 and 2 without saying what they
# mean ("chỉ đạo", steering); 0 claims nothing about the document.
STEERING_TYPE = 0


def _issuer(session: Session, document: Document) -> str:
    """The name of the clerk who issued the document (StaffInfo of its packages)."""
    event = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.document_id == document.id, AuditEvent.action == "issue")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return event.actor.full_name if event is not None and event.actor is not None else ""


def document_key(rt: Runtime, document: Document) -> str:
    """The edXML DocumentId of one of our issued documents: `OrganId,yyyy/MM/dd,07/Notation`."""
    assert document.number is not None and document.symbol is not None and document.issued_at is not None
    number, notation = document.symbol.split("/", 1)
    return edxml.document_id(document.agency.code, document.issued_at.astimezone(rt.tz).date(), number, notation)


@dataclass(frozen=True)
class Packaged:
    """A document's package, made and stored before the transaction that queues it."""

    document_key: str
    body_sha256: str


def _waiting(document_id: int) -> Any:
    """The document's recipient agencies that have not had its package yet."""
    return select(Delivery).where(
        Delivery.document_id == document_id,
        Delivery.kind == "agency",
        Delivery.transport == Transport.PENDING,
        Delivery.exchange_id.is_(None),
    )


def make_package(rt: Runtime, document_id: int) -> Packaged | None:
    """Build, sign and store the package of an issued document on a read-only snapshot (None: nothing to send)."""
    with rt.readers() as session:
        document = session.get(Document, document_id)
        if document is None or document.number is None or session.scalar(_waiting(document_id)) is None:
            return None
        package = package_of(session, rt, document)
    return Packaged(package.document_id, rt.store.put(signed_bytes(rt, package), ".xml"))


def send_document(session: Session, document_id: int, packaged: Packaged) -> list[int]:
    """Queue the package for every recipient agency that has not had it yet (the rows locked: one job wins);
    returns the message rows, which the caller sends at once after commit."""
    waiting = list(session.scalars(_waiting(document_id).with_for_update()))
    return _queue_package(session, packaged, waiting, send_now=True)


def signed_bytes(rt: Runtime, package: edxml.Package) -> bytes:
    """A package's bytes with the agency's XML signature in its header (QCVN 102:2016) when its key is one signxml
    can use here (not on a token); the PDF's PAdES signatures remain the legal check."""
    agency_signer = rt.keyring.agency(package.sender.organ_id)
    if xmldsig.can_sign(agency_signer):
        return xmldsig.sign(edxml_build.build(package, signature_place=True), agency_signer)
    return edxml_build.build(package)


def _queue_package(session: Session, packaged: Packaged, deliveries: list[Delivery], *, send_now: bool) -> list[int]:
    made = []
    for delivery in deliveries:
        assert delivery.agency is not None
        delivery.exchange_id = packaged.document_key
        message = queue_message(
            session,
            kind="package",
            organ_id=delivery.agency.code,
            document_key=packaged.document_key,
            body_sha256=packaged.body_sha256,
            delivery_id=delivery.id,
            send_now=send_now,
        )
        made.append(message.id)
    return made


def _may_update(actor: Person, document: Document, reason: str) -> None:
    if not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư gửi cập nhật văn bản.")
    if document.state not in SENDABLE:
        raise Unprocessable("not_dispatched", "Chỉ gửi cập nhật được cho văn bản đã phát hành.")
    if not reason.strip():
        raise Invalid("reason_required", "Cần nêu lý do cập nhật.", field="reason")


def make_update(rt: Runtime, actor_id: int, document_id: int, due_date: dt.date | None, reason: str) -> Packaged:
    """Build, sign and store an update package (BussinessDocType 2) on a read-only snapshot, with the new due
    date, before the transaction that records and queues it (resend)."""
    with rt.readers() as session:
        actor = session.get(Person, actor_id)
        assert actor is not None
        document = get_document(session, actor, document_id)
        _may_update(actor, document, reason)
        package = package_of(session, rt, document, edxml.UPDATE, reason.strip(), due_date)
    return Packaged(package.document_id, rt.store.put(signed_bytes(rt, package), ".xml"))


def resend(
    session: Session,
    actor: Person,
    document: Document,
    due_date: dt.date | None,
    reason: str,
    packaged: Packaged,
) -> int:
    """Record an update of an issued document (made by make_update) and queue it for its recipient agencies."""
    _may_update(actor, document, reason)
    if due_date is not None:
        document.due_date = due_date
    deliveries = list(
        session.scalars(select(Delivery).where(Delivery.document_id == document.id, Delivery.kind == "agency"))
    )
    if not deliveries:
        raise Unprocessable("no_external_recipients", "Văn bản không có nơi nhận là cơ quan khác.")
    for delivery in deliveries:
        if delivery.transport == Transport.FAILED:
            # A recipient that never got the document takes the update as its first arrival.
            delivery.transport, delivery.last_error = Transport.PENDING, None
    _queue_package(session, packaged, deliveries, send_now=False)
    audit(session, actor, "exchange_update", document, reason=reason.strip(), recipients=len(deliveries))
    return len(deliveries)


def send_status(
    session: Session, rt: Runtime, *, organ_id: str, key: str, code: str, description: str, staff: dict[str, str]
) -> ExchangeMessage:
    """Queue a status package about a document (ours or theirs) to another agency; `organ_id` is the other party,
    as the status's ResponseFor names it."""
    status = edxml.Status(
        sender=organ(self_agency(session)),
        response_for=reference(key, organ_id),
        code=code,
        timestamp=edxml.moment_text(rt.now()),
        description=description,
        staff=edxml.Staff(**{k: v for k, v in staff.items() if k in ("department", "staff", "email", "mobile")}),
    )
    # A status package is a few kilobytes: stored here, in the transaction that decides it.
    body = rt.store.put(edxml_build.build_status(status), ".xml")
    return queue_message(session, kind="status", organ_id=organ_id, document_key=key, body_sha256=body, code=code)


def reference(key: str, organ_id: str) -> edxml.Reference:
    """ResponseFor of a status: the document's id, and its code and date when the id is the composite one."""
    parts = key.split(",", 2)
    if len(parts) == 3 and edxml.parse_day(parts[1]) is not None:
        return edxml.Reference(key, organ_id=organ_id, code=parts[2], promulgation_date=parts[1])
    return edxml.Reference(key, organ_id=organ_id)


def attempt(rt: Runtime, message_row_id: int, *, leased: bool = False) -> str:
    """One sendEdoc of an outgoing message (no transaction is held during the HTTP call).

    `leased`: the caller stored the message for sending at once (send_now), so it is due now.
    """
    now = dt.datetime.now(dt.UTC)
    with rt.readers() as session:
        message = session.get(ExchangeMessage, message_row_id)
        if message is None or message.state != "pending":
            return "done"
        due = message.next_attempt_at is None or message.next_attempt_at <= now + dt.timedelta(seconds=1)
        if not (due or leased):
            return "not_due"
        exchange = client(session, rt)
        body, organ_id = rt.store.get(message.body_sha256, ".xml"), message.organ_id
        kind = "status" if message.kind == "status" else "edoc"
    outcome = Outcome(False, False, NOT_CONNECTED) if exchange is None else send(exchange, body, kind, organ_id)
    with rt.sessions() as session, session.begin():
        return record_outcome(session, rt, message_row_id, outcome)


@dataclass(frozen=True)
class Outcome:
    """What came of one attempt: sent, worth retrying, or refused for good."""

    delivered: bool
    retry: bool
    error: str | None = None


def send(exchange: vxp.Client, body: bytes, kind: str, organ_id: str) -> Outcome:
    """One sendEdoc of a message for one organ: sent, worth retrying (network, 5xx), or refused for good."""
    try:
        exchange.send(body, kind, organ_id)
    except requests.RequestException as exc:
        return Outcome(False, True, f"Không kết nối được tới trục liên thông: {type(exc).__name__}.")
    except vxp.VxpError as exc:
        again = exc.http_status >= 500 or exc.http_status in (408, 429)
        return Outcome(False, again, f"Trục liên thông từ chối ({exc.code}): {exc.message}")
    return Outcome(True, False)


def record_outcome(session: Session, rt: Runtime, message_row_id: int, outcome: Outcome) -> str:
    """Record an attempt: sent, due again later, or failed for good (visible, clerks notified)."""
    message = session.scalar(select(ExchangeMessage).where(ExchangeMessage.id == message_row_id).with_for_update())
    if message is None or message.state != "pending":
        return "done"
    now = dt.datetime.now(dt.UTC)
    message.attempts += 1
    message.last_error = outcome.error
    delivery = session.get(Delivery, message.delivery_id) if message.delivery_id else None
    if outcome.delivered:
        message.state, message.done_at = "sent", now
        if delivery is not None and delivery.transport == Transport.PENDING:
            delivery.transport = Transport.DELIVERED
            delivery.attempts = message.attempts
            delivery.last_error = None
            if not session.scalar(
                select(Delivery.id).where(
                    Delivery.document_id == delivery.document_id, Delivery.transport == Transport.FAILED
                )
            ):
                resolve(session, "delivery_failed", delivery.document)  # every recipient reached now
        return "sent"
    if outcome.retry and message.attempts < rt.settings.retry_max_attempts:
        message.next_attempt_at = now + retry.delay(rt.settings, message.attempts)
        if delivery is not None:
            delivery.attempts, delivery.last_error = message.attempts, outcome.error
        return "retry"
    message.state, message.done_at = "failed", now
    if delivery is not None:
        delivery.transport, delivery.attempts, delivery.last_error = Transport.FAILED, message.attempts, outcome.error
        document = delivery.document
        label = delivery.agency.name if delivery.agency else delivery.label
        # One notice per document and cause, naming each recipient it could not reach.
        clerks = role_holders(session, document.agency_id, "clerk")
        notify_grouped(session, clerks, "delivery_failed", document, outcome.error or "", label)
        audit(session, None, "delivery_failed", document, delivery_id=delivery.id, error=outcome.error)
        webhooks.emit(session, "delivery.status_changed", payloads.DeliveryStatusChanged.of(delivery))
    return "failed"


def due_messages(session: Session, limit: int = 500) -> list[int]:
    """Outgoing messages whose next attempt is due (the reconciler enqueues them)."""
    now = dt.datetime.now(dt.UTC)
    query = select(ExchangeMessage.id).where(
        ExchangeMessage.direction == "out",
        ExchangeMessage.state == "pending",
        ExchangeMessage.next_attempt_at <= now,
    )
    return list(session.scalars(query.order_by(ExchangeMessage.id).limit(limit)))
