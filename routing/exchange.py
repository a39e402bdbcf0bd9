"""Exchange with other agencies: signed edXML messages out (at least once) and in (once).

Sending: a message row is written in the transaction that decides it (outbox), a job makes one
HTTP attempt, and the reconciler re-enqueues what is due, with exponential backoff and a cap;
after the last attempt the message and its delivery are `failed` and the clerks are notified.
Receiving: the caller is authenticated (a direct peer's token or the hub's), the sending
agency's signature is checked against its pinned certificate, duplicates (same message id)
are answered without effect, and a status older than the recorded one is ignored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from routing import edxml, recipients, transport, vxp, webhooks
from routing.models import Delivery, DeliveryEvent, ExchangeMessage, Peer
from signing import signers, validation, xmldsig
from signing.errors import SigningError
from workflow import catalog, outbox
from workflow.errors import DomainError, Forbidden, Invalid, NotFound, Unauthenticated, Unprocessable
from workflow.models import Agency, AuditEvent, Document, Person
from workflow.runtime import Runtime
from workflow.services import audit, notify_role, read_pdf

log = logging.getLogger(__name__)

# Order of a recipient's statuses, to break ties between statuses stamped with the same time.
RANK = {None: 0, "01": 1, "02": 2, "03": 2, "04": 3, "05": 4, "06": 5, "16": 6, "15": 7}
RECEIVER_CODES = ("01", "02", "03", "04", "05", "06", "15", "16")


def self_agency(session: Session) -> Agency:
    """Our own agency."""
    agency = session.scalar(select(Agency).where(Agency.is_self.is_(True)))
    assert agency is not None, "the directory has no agency of our own"
    return agency


def organ(agency: Agency) -> edxml.Organ:
    """An agency as an edXML organ."""
    return edxml.Organ(agency.code, agency.name, in_charge=agency.superior)


# A message its own job sends at once is leased this long before the reconciler may retry it.
SEND_LEASE = dt.timedelta(seconds=60)


def identity(rt: Runtime, agency: Agency) -> dict[str, str]:
    """What another agency or the hub needs to recognise us: organ id, name, certificate with its chain."""
    signer = rt.keyring.agency(agency.code)
    own = signer.signing_cert
    assert own is not None
    chain = [c for c in signer.cert_registry if c.dump() != own.dump()]
    pem = b"".join(validation.cert_pem(c) for c in [own, *chain])
    return {"organ_id": agency.code, "name": agency.name, "certificate": pem.decode("ascii")}


def add_peer(session: Session, organ_id: str, name: str, certificate: str, url: str = "", token: str = "") -> Peer:
    """Put an agency in our exchange directory (direct URL and shared token optional: else via the hub)."""
    if certificate:
        validation.pem_sha256(certificate.encode())  # refuses what is not a certificate
    agency = session.scalar(select(Agency).where(Agency.code == organ_id))
    if agency is None:
        agency = Agency(code=organ_id, name=name)
        session.add(agency)
        session.flush()
    peer = session.scalar(select(Peer).where(Peer.agency_id == agency.id))
    if peer is None:
        peer = Peer(agency_id=agency.id)
        session.add(peer)
    peer.url, peer.token, peer.certificate = url, token, certificate
    session.flush()
    return peer


def peer_of(session: Session, organ_id: str) -> Peer | None:
    """How we reach and recognise an agency, if it is in our directory."""
    return session.scalar(select(Peer).join(Agency).where(Agency.code == organ_id))


# --- sending -------------------------------------------------------------------------------


def queue_message(
    session: Session,
    rt: Runtime,
    *,
    kind: str,
    organ_id: str,
    document_key: str,
    body: bytes,
    code: str | None = None,
    delivery_id: int | None = None,
    incoming_id: int | None = None,
    signature: bytes | None = None,
    send_now: bool = False,
) -> ExchangeMessage:
    """Store a signed outgoing message and record the job that sends it after commit.

    With send_now the caller sends it itself right after commit; the message is leased meanwhile,
    and the reconciler retries it only if the lease runs out with the message still pending.
    """
    if signature is None:
        signature = signers.sign_detached(body, rt.keyring.agency(self_agency(session).code))
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
        body_sha256=rt.store.put(body, ".xml"),
        signature=base64.b64encode(signature).decode("ascii"),
        state="pending",
        next_attempt_at=now + SEND_LEASE if send_now else now,
    )
    session.add(message)
    session.flush()
    if not send_now:
        outbox.add(session, "exchange", "routing.jobs.send_message", message_id=message.id)
    return message


def package_of(
    session: Session, rt: Runtime, document: Document, business_type: int = edxml.NEW, reason: str = ""
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
    from signing import pdf as signing_pdf

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
        signer_competence=signer.authority,
        signer_position=signer.position,
        signer_name=signer.full_name,
        attachments=tuple(files),
        priority=catalog.URGENCY[document.urgency][1],
        due_date=edxml.day_text(document.due_date),
        # Clean names of who receives it, as "Nơi nhận" reads them (no "- ", no "Lưu: …").
        to_places=tuple(line.label for line in recipients.parse(document.kinh_gui, document.noi_nhan)),
        steering_type=STEERING_TYPE,
        page_amount=signing_pdf.inspect(pdf).pages,
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


def send_document(session: Session, rt: Runtime, document_id: int) -> list[int]:
    """Store the package of an issued document for every recipient agency that has not had it yet.

    One package and one signature serve every recipient (the signature covers the package bytes);
    returns the message rows, which the caller sends at once after commit.
    """
    document = session.get(Document, document_id)
    if document is None or document.number is None:
        return []
    query = select(Delivery).where(
        Delivery.document_id == document_id,
        Delivery.kind == "agency",
        Delivery.transport == "pending",
        Delivery.exchange_id.is_(None),
    )
    waiting = list(session.scalars(query.with_for_update()))
    if not waiting:
        return []
    return _queue_package(session, rt, package_of(session, rt, document), waiting, send_now=True)


def _queue_package(
    session: Session, rt: Runtime, package: edxml.Package, deliveries: list[Delivery], *, send_now: bool
) -> list[int]:
    agency_signer = rt.keyring.agency(package.sender.organ_id)
    # The package carries the agency's XML signature in its header (QCVN 102:2016) when its key is one
    # signxml can use here (not on a token); the PDF's PAdES signatures remain the legal check.
    if xmldsig.can_sign(agency_signer):
        body = xmldsig.sign(edxml.build(package, signature_place=True), agency_signer)
    else:
        body = edxml.build(package)
    # One signature serves every recipient: it covers the package bytes, which are the same for all.
    signature = signers.sign_detached(body, agency_signer)
    made = []
    for delivery in deliveries:
        assert delivery.agency is not None
        delivery.exchange_id = package.document_id
        message = queue_message(
            session,
            rt,
            kind="package",
            organ_id=delivery.agency.code,
            document_key=package.document_id,
            body=body,
            delivery_id=delivery.id,
            signature=signature,
            send_now=send_now,
        )
        made.append(message.id)
    return made


def resend(
    session: Session, rt: Runtime, actor: Person, document: Document, due_date: dt.date | None, reason: str
) -> int:
    """Send an update package (BussinessDocType 2) of an issued document to its recipient agencies."""
    if not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư gửi cập nhật văn bản.")
    if document.state not in ("dispatched", "issued"):
        raise Unprocessable("not_dispatched", "Chỉ gửi cập nhật được cho văn bản đã phát hành.")
    if not reason.strip():
        raise Invalid("reason_required", "Cần nêu lý do cập nhật.", field="reason")
    if due_date is not None:
        document.due_date = due_date
    deliveries = list(
        session.scalars(select(Delivery).where(Delivery.document_id == document.id, Delivery.kind == "agency"))
    )
    if not deliveries:
        raise Unprocessable("no_external_recipients", "Văn bản không có nơi nhận là cơ quan khác.")
    for delivery in deliveries:
        if delivery.transport == "failed":
            # A recipient that never got the document takes the update as its first arrival.
            delivery.transport, delivery.last_error = "pending", None
    _queue_package(
        session, rt, package_of(session, rt, document, edxml.UPDATE, reason.strip()), deliveries, send_now=False
    )
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
    return queue_message(
        session, rt, kind="status", organ_id=organ_id, document_key=key, body=edxml.build_status(status), code=code
    )


def reference(key: str, organ_id: str) -> edxml.Reference:
    """ResponseFor of a status: the document's id, and its code and date when the id is the composite one."""
    parts = key.split(",", 2)
    if len(parts) == 3 and edxml.parse_day(parts[1]) is not None:
        return edxml.Reference(key, organ_id=organ_id, code=parts[2], promulgation_date=parts[1])
    return edxml.Reference(key, organ_id=organ_id)


def route(session: Session, rt: Runtime, organ_id: str) -> tuple[str, str] | None:
    """Where a message to an agency goes (URL, bearer token): its instance directly, else the hub."""
    peer = peer_of(session, organ_id)
    if peer is not None and peer.url:
        return peer.url.rstrip("/") + transport.INBOX_PATH, peer.token
    hub = str(rt.config["EXCHANGE_HUB_URL"])
    if hub:
        return hub.rstrip("/") + transport.HUB_PATH, str(rt.config["EXCHANGE_HUB_TOKEN"])
    return None


def attempt(rt: Runtime, message_row_id: int, *, leased: bool = False) -> str:
    """One delivery attempt of an outgoing message (no transaction is held during the HTTP call).

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
        # A direct peer first; else the national exchange (VXP) when configured; else congvan's hub.
        peer = peer_of(session, message.organ_id)
        client = None if peer is not None and peer.url else vxp_client(session, rt)
        target = route(session, rt, message.organ_id)
        envelope = transport.Envelope(
            message.message_id,
            self_agency(session).code,
            message.organ_id,
            rt.store.get(message.body_sha256, ".xml"),
            base64.b64decode(message.signature),
        )
    if client is not None:
        outcome = send_vxp(client, envelope, "status" if message.kind == "status" else "edoc")
    elif target is not None:
        outcome = transport.post(target[0], target[1], envelope, float(rt.config["EXCHANGE_TIMEOUT"]))
    else:
        outcome = transport.Outcome(False, False, f"Chưa cấu hình đường gửi tới cơ quan {envelope.recipient}.")
    with rt.sessions() as session, session.begin():
        return record_outcome(session, rt, message_row_id, outcome)


def vxp_client(session: Session, rt: Runtime) -> vxp.Client | None:
    """The national exchange this agency is connected to (CONGVAN_VXP_URL), or None."""
    if not rt.config["VXP_URL"]:
        return None
    return vxp.Client(
        str(rt.config["VXP_URL"]),
        str(rt.config["VXP_SYSTEM_ID"]),
        str(rt.config["VXP_SECRET"]),
        self_agency(session).code,
        float(rt.config["EXCHANGE_TIMEOUT"]),
    )


def send_vxp(client: vxp.Client, envelope: transport.Envelope, kind: str) -> transport.Outcome:
    """One sendEdoc of a message for one organ: sent, worth retrying (network, 5xx), or refused for good."""
    try:
        doc_id = client.send(envelope.body, kind, envelope.recipient)
    except requests.RequestException as exc:
        return transport.Outcome(False, True, f"Không kết nối được tới trục liên thông: {type(exc).__name__}.")
    except vxp.VxpError as exc:
        retry = exc.http_status >= 500 or exc.http_status in (408, 429)
        return transport.Outcome(False, retry, f"Trục liên thông từ chối ({exc.code}): {exc.message}")
    return transport.Outcome(True, False, answer={"DocId": doc_id})


def record_outcome(session: Session, rt: Runtime, message_row_id: int, outcome: transport.Outcome) -> str:
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
        if delivery is not None and delivery.transport == "pending":
            delivery.transport = "delivered"
            delivery.attempts = message.attempts
            delivery.last_error = None
        return "sent"
    if outcome.retry and message.attempts < int(rt.config["RETRY_MAX_ATTEMPTS"]):
        message.next_attempt_at = now + transport.retry_delay(rt.config, message.attempts)
        if delivery is not None:
            delivery.attempts, delivery.last_error = message.attempts, outcome.error
        return "retry"
    message.state, message.done_at = "failed", now
    if delivery is not None:
        delivery.transport, delivery.attempts, delivery.last_error = "failed", message.attempts, outcome.error
        document = delivery.document
        label = delivery.agency.name if delivery.agency else delivery.label
        notify_role(
            session,
            document.agency_id,
            "clerk",
            "delivery_failed",
            f"Gửi văn bản {document.symbol} tới {label} thất bại: {outcome.error}",
            document,
            delivery_id=delivery.id,
        )
        audit(session, None, "delivery_failed", document, delivery_id=delivery.id, error=outcome.error)
        webhooks.emit(session, "delivery.status_changed", webhooks.delivery_payload(delivery))
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


# --- receiving -------------------------------------------------------------------------------


def authenticate(session: Session, rt: Runtime, token: str, sender: str) -> str:
    """Who hands us the message: 'hub' (our hub credentials) or 'direct' (the sending peer's token)."""
    hub_token = str(rt.config["EXCHANGE_HUB_TOKEN"])
    if token and hub_token and hmac.compare_digest(token.encode(), hub_token.encode()):
        return "hub"
    peer = peer_of(session, sender)
    if token and peer is not None and peer.token and hmac.compare_digest(token.encode(), peer.token.encode()):
        return "direct"
    raise Unauthenticated(
        "exchange_unauthorized", "Cơ quan gửi không xác thực được (sai mã định danh cơ quan hoặc khóa truy cập)."
    )


def chain_of(certificate: str) -> list[Any]:
    """The CA certificates that come with a peer's pinned certificate (its issuers, up to its root)."""
    return validation.load_certs(certificate.encode())[1:] if certificate else []


def sender_roots(rt: Runtime, peer: Peer | None) -> list[Any]:
    """Roots trusted for a sender's signatures: ours plus the chain it registered with."""
    return [*rt.keyring.trust_roots, *chain_of(peer.certificate if peer else "")]


def verify(session: Session, rt: Runtime, envelope: transport.Envelope) -> None:
    """The message must be signed by the sending agency's own certificate (pinned in our directory).

    With a hub, an unknown sender or a renewed certificate sends us to the hub's directory once.
    """
    problem = _check_signer(session, rt, envelope)
    if problem is not None and rt.config["EXCHANGE_HUB_URL"]:
        from routing import hub

        hub.sync_directory(rt)
        session.rollback()  # a new read transaction sees what the sync wrote
        problem = _check_signer(session, rt, envelope)
    if problem is not None:
        raise problem


def _check_signer(session: Session, rt: Runtime, envelope: transport.Envelope) -> Forbidden | None:
    peer = peer_of(session, envelope.sender)
    if peer is None or not peer.certificate:
        return Forbidden("exchange_unknown_sender", f"Cơ quan gửi {envelope.sender} chưa có trong danh bạ liên thông.")
    return signature_problem(rt, envelope, peer.certificate)


def signature_problem(rt: Runtime, envelope: transport.Envelope, certificate: str) -> Forbidden | None:
    """Why the envelope is not signed by the holder of the pinned certificate (PEM with its chain), or None."""
    try:
        signer = validation.verify_detached(
            envelope.body, envelope.signature, [*rt.keyring.trust_roots, *chain_of(certificate)]
        )
    except SigningError as exc:
        return Forbidden("exchange_bad_signature", exc.message)
    if signer.cert_sha256 != validation.pem_sha256(certificate.encode()):
        return Forbidden(
            "exchange_wrong_signer", f"Gói tin không được ký bằng chứng thư số của cơ quan gửi {envelope.sender}."
        )
    return None


@dataclass(frozen=True)
class Checked:
    """A received message that passed every check that needs no write: ready to be taken."""

    envelope: transport.Envelope
    message: edxml.Package | edxml.Status | None  # None: a message id we already took
    pdf: PdfCheck | None = None  # for packages: what the validation service said of the PDF
    xml_signature: dict[str, str] | None = None  # for packages: what its own XML signature says
    files: tuple[dict[str, str], ...] = ()  # for packages: each file with its verdict


@dataclass(frozen=True)
class PdfCheck:
    """The validation service's verdict on a received PDF."""

    valid: bool
    summary: dict[str, Any]
    reason: str


def check(session: Session, rt: Runtime, token: str, envelope: transport.Envelope) -> Checked:
    """Authenticate, parse and verify a message, and validate a package's PDF, in a read-only session.

    The slow parts (signature checks, the PDF's validation in its own process) run here, so the
    write transaction that takes the message stays short.
    """
    authenticate(session, rt, token, envelope.sender)
    return _check(session, rt, envelope, signed=True)


def check_from_vxp(session: Session, rt: Runtime, doc_id: str, body: bytes) -> Checked:
    """A message the national exchange delivered. The exchange authenticated the system that sent it for the
    organ its package names, so that is the sender; the package's own XML signature is checked and kept."""
    try:
        sender = edxml.parse_message(body).sender.organ_id
    except edxml.EdxmlError as exc:
        raise Invalid(exc.code, exc.message) from exc
    envelope = transport.Envelope(f"vxp-{doc_id}"[:64], sender, self_agency(session).code, body, b"")
    return _check(session, rt, envelope, signed=False)


def check_imported(session: Session, rt: Runtime, actor_id: int, body: bytes) -> Checked:
    """A package the clerk received by other means (a file): read as the exchange would deliver it, its sender
    the one it names, its XML signature and its PDF's signatures checked and shown. Importing the same file
    again takes nothing twice."""
    actor = session.get(Person, actor_id)
    if actor is None or not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư nhập văn bản đến từ tệp edXML.")
    try:
        message = edxml.parse_message(body)  # refuses an oversize package first
    except edxml.EdxmlError as exc:
        raise Invalid(exc.code, exc.message) from exc
    if not isinstance(message, edxml.Package):
        raise Invalid("edxml_unexpected", "Tệp là gói trạng thái, không phải gói văn bản.")
    key = "import-" + hashlib.sha256(body).hexdigest()[:48]
    envelope = transport.Envelope(key, message.sender.organ_id, self_agency(session).code, body, b"")
    return _check(session, rt, envelope, signed=False)


def _check(session: Session, rt: Runtime, envelope: transport.Envelope, *, signed: bool) -> Checked:
    if _taken(session, envelope.message_id) is not None:
        return Checked(envelope, None)
    ours = self_agency(session)
    if envelope.recipient and envelope.recipient != ours.code:
        raise Unprocessable("exchange_not_addressee", f"Thông điệp không gửi cho cơ quan này ({ours.code}).")
    try:
        message = edxml.parse_message(envelope.body)
    except edxml.EdxmlError as exc:
        raise Invalid(exc.code, exc.message) from exc
    if message.sender.organ_id != envelope.sender:
        raise Forbidden("exchange_wrong_sender", "Cơ quan gửi trong gói tin khác cơ quan đã xác thực.")
    if signed:
        verify(session, rt, envelope)
    if not isinstance(message, edxml.Package):
        return Checked(envelope, message)
    if ours.code not in {r.organ_id for r in message.recipients}:
        raise Unprocessable("exchange_not_addressee", f"Cơ quan này ({ours.code}) không có trong nơi nhận.")
    if not message.attachments:
        raise Invalid("edxml_no_attachment", "Gói tin không có tệp đính kèm nào.")
    peer = peer_of(session, envelope.sender)
    roots = sender_roots(rt, peer)
    # Recorded and shown, never a refusal: real packages often carry none, or a placeholder.
    xml_check = xmldsig.verify(envelope.body, peer.certificate.encode() if peer and peer.certificate else None)
    # Every file's verdict, for the clerk: real packages carry unsigned PDFs, .doc files, several files.
    verdicts: list[dict[str, str]] = []
    main, pdf = main_pdf(message), None
    for attachment in message.attachments:
        if attachment.content_type != "application/pdf" or len(verdicts) >= MAX_VALIDATED:
            verdicts.append({"name": attachment.name, "content_type": attachment.content_type, "verdict": "not_pdf"})
            continue
        check = validate_pdf(rt, attachment.data, roots)
        pdf = check if attachment is main else pdf
        verdicts.append(
            {"name": attachment.name, "content_type": attachment.content_type, "verdict": check.summary["verdict"]}
        )
    if pdf is None:
        names = ", ".join(a.name for a in message.attachments)
        pdf = PdfCheck(False, {"verdict": "no_pdf"}, f"Gói tin không có tệp PDF văn bản (chỉ có: {names}).")
    return Checked(envelope, message, pdf, xml_check.as_dict(), tuple(verdicts))


# PDFs of one package validated (each in its own process, about a second); the rest are listed as they are.
MAX_VALIDATED = 10


def pull_vxp(rt: Runtime) -> int:
    """Take what waits for us at the national exchange: packages, then statuses; each is applied in one
    transaction, then answered `done` (or `fail` with the reason when it is refused for good)."""
    with rt.readers() as session:
        client = vxp_client(session, rt)
    if client is None:
        return 0
    taken = 0
    for kind in ("edoc", "status"):
        for item in client.received(kind):
            doc_id = str(item["docId"])
            try:
                body = client.get(doc_id)
                with rt.readers() as reader:
                    checked = check_from_vxp(reader, rt, doc_id, body)
                with rt.sessions() as session, session.begin():
                    receive(session, rt, checked)
            except DomainError as exc:
                log.warning("package %s from the exchange refused: %s %s", doc_id, exc.code, exc.message)
                client.update(doc_id, "fail")
            else:
                client.update(doc_id, "done")
            outbox.relay_quietly(rt)
            taken += 1
    return taken


def sync_agencies(rt: Runtime) -> int:
    """Bring the agencies the national exchange lists (getAgenciesList: code and name) into our directory, so
    recipients in Kính gửi / Nơi nhận resolve to them; returns how many were added or renamed."""
    with rt.readers() as session:
        client = vxp_client(session, rt)
    if client is None:
        return 0
    listed = client.call("getAgenciesList", {}).get("data") or []
    entries = {
        str(e["code"]).strip(): str(e.get("name") or "").strip()
        for e in listed
        if isinstance(e, dict) and str(e.get("code") or "").strip()
    }
    changed = 0
    with rt.sessions() as session, session.begin():
        known = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(list(entries))))}
        for code, name in entries.items():
            agency = known.get(code)
            if agency is None:
                session.add(Agency(code=code[:32], name=(name or code)[:255]))
                changed += 1
            elif name and not agency.is_self and agency.name != name:
                agency.name = name[:255]
                changed += 1
    return changed


def main_pdf(package: edxml.Package) -> edxml.Attachment | None:
    """The document itself among a package's files: its first PDF."""
    return next((a for a in package.attachments if a.content_type == "application/pdf"), None)


def validate_pdf(rt: Runtime, data: bytes, roots: list[Any]) -> PdfCheck:
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
    envelope, message = checked.envelope, checked.message
    done = _taken(session, envelope.message_id)
    if done is not None or message is None:
        return {"message_id": envelope.message_id, "result": done.state if done else "accepted", "duplicate": True}
    row = ExchangeMessage(
        message_id=envelope.message_id,
        direction="in",
        kind="package" if isinstance(message, edxml.Package) else "status",
        organ_id=envelope.sender,
        document_key=message.document_id,
        code=message.code if isinstance(message, edxml.Status) else None,
        body_sha256=rt.store.put(envelope.body, ".xml"),
        signature=base64.b64encode(envelope.signature).decode("ascii"),
        state="accepted",
        done_at=dt.datetime.now(dt.UTC),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same message taken at this moment by a concurrent request
        return {"message_id": envelope.message_id, "result": "accepted", "duplicate": True}
    from routing import incoming

    if isinstance(message, edxml.Package) and message.business_type == edxml.RECALL:
        # A revocation package: the document is sent again with the reason; the clerk answers 15 or 16.
        key = message.business_document_id or message.document_id
        result = incoming.recall_requested(session, message.sender.organ_id, key, message.business_reason, row)
    elif isinstance(message, edxml.Package):
        assert checked.pdf is not None
        result = incoming.accept_package(
            session, rt, message, row, checked.pdf, checked.xml_signature, list(checked.files)
        )
    elif message.code == "13":
        result = incoming.recall_requested(
            session, message.sender.organ_id, message.document_id, message.description, row
        )
    else:
        result = status_received(session, rt, message, row)
    return {"message_id": envelope.message_id, "duplicate": False, **result}


def status_received(session: Session, rt: Runtime, status: edxml.Status, row: ExchangeMessage) -> dict[str, Any]:
    """A recipient agency's status about a document we sent; older than the recorded one: ignored."""
    if status.code not in RECEIVER_CODES:
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
    moment = status.moment or dt.datetime.now(dt.UTC)  # a time that does not parse: when it came
    recorded = delivery.remote_status_at
    if recorded is not None and (
        moment < recorded or (moment == recorded and RANK.get(status.code, 0) <= RANK.get(delivery.status_code, 0))
    ):
        row.state = "ignored"  # kept in the message log; the delivery's history shows what counted
        return {"result": "ignored", "status": delivery.status_code}
    delivery.status_code = status.code
    delivery.status_reason = status.description or None
    delivery.remote_status_at = moment
    delivery.transport = "delivered"  # it answered, so it has the document
    session.add(
        DeliveryEvent(delivery_id=delivery.id, code=status.code, reason=status.description or None, remote_at=moment)
    )
    audit(session, None, f"receipt_{status.code}", delivery.document, delivery_id=delivery.id, remote=True)
    webhooks.emit(session, "delivery.status_changed", webhooks.delivery_payload(delivery))
    return {"result": "accepted", "status": status.code}
