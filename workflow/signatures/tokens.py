"""A leader's own USB token on their PC (a VGCA government certificate): the certificate registered for it, and a
confirmed batch's documents handed to the leader's signing tool (VGCA SignService) under one-time addresses —
the tool fetches each file, signs it with the token, and hands the signed file back, which is taken only after
signing.returned has checked it."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import returned, validation
from signing.errors import SigningError
from workflow.audit import audit
from workflow.directory.service import colleague
from workflow.documents.service import read_pdf
from workflow.errors import Conflict, Forbidden, Invalid, NotFound, Unprocessable
from workflow.models import Person, SigningBatchItem
from workflow.runtime import Runtime
from workflow.signatures import service as batches
from workflow.signatures.models import TokenCertificate, TokenTicket
from workflow.states import BatchState, ItemStatus

USB = "usb"
# How long the tool may take to fetch a file and hand it back (the kit: implementations use about 15 minutes).
TICKET_LIFE = dt.timedelta(minutes=15)


def _secret_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def register(session: Session, actor: Person, person_id: int, pem: str, now: dt.datetime) -> TokenCertificate:
    """Register the certificate of a leader's USB token (the leader themself or an admin): the leader signs on
    their own PC from then on, and only files signed by this certificate are taken."""
    target = colleague(session, actor, person_id)
    if actor.id != target.id and not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ chính lãnh đạo hoặc quản trị viên được đăng ký chứng thư của USB token.")
    if not target.has_role("leader"):
        raise Invalid("not_a_signer", f"{target.full_name} không phải lãnh đạo ký văn bản.")
    try:
        chain = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise Invalid(
            "invalid_certificate",
            "Không đọc được chứng thư số: hãy dán chứng thư xuất từ USB token dạng PEM (-----BEGIN CERTIFICATE-----).",
            field="certificate",
        ) from exc
    return keep_certificate(session, actor, target, chain, now, USB)


def keep_certificate(
    session: Session, actor: Person, target: Person, chain: list[x509.Certificate], now: dt.datetime, kind: str
) -> TokenCertificate:
    """Keep a current certificate (then its chain) as the leader's token's, and sign with the token from now on
    (`kind`: through the VGCA tool, or through congvan-agent)."""
    first = chain[0]
    if not first.not_valid_before_utc <= now <= first.not_valid_after_utc:
        raise Invalid(
            "certificate_not_current",
            f"Chứng thư số chỉ có hiệu lực từ {first.not_valid_before_utc:%d/%m/%Y} đến "
            f"{first.not_valid_after_utc:%d/%m/%Y}; hãy dùng chứng thư đang còn hiệu lực.",
            field="certificate",
        )
    row = session.scalar(select(TokenCertificate).where(TokenCertificate.person_id == target.id))
    if row is None:
        row = TokenCertificate(person_id=target.id)
        session.add(row)
    row.certificate = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)
    row.subject, row.issuer = first.subject.rfc4514_string()[:512], first.issuer.rfc4514_string()[:512]
    row.valid_from, row.valid_to, row.added_at = first.not_valid_before_utc, first.not_valid_after_utc, now
    digest = hashlib.sha256(first.public_bytes(serialization.Encoding.DER)).hexdigest()
    target.signer_kind, target.signer_ref = kind, digest
    session.flush()
    audit(session, actor, "signer_set", None, person_id=target.id, kind=kind, ref=digest)
    return row


def certificate_of(session: Session, person: Person) -> TokenCertificate | None:
    """The registered certificate of the person's USB token, if any."""
    return session.scalar(select(TokenCertificate).where(TokenCertificate.person_id == person.id))


def chain_of(row: TokenCertificate) -> tuple[bytes, ...]:
    """The token's certificate then its chain, DER."""
    chain = x509.load_pem_x509_certificates(row.certificate.encode())
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in chain)


@dataclass(frozen=True)
class Ticket:
    """One document handed to the signing tool: the secret of its two one-time addresses (shown once)."""

    document_id: int
    summary: str
    secret: str
    expires_at: dt.datetime


def hand_out(session: Session, actor: Person, batch_id: int, now: dt.datetime) -> list[Ticket]:
    """New one-time addresses for every document of a confirmed batch still to be signed on the leader's token;
    the ones handed out before for them stop working (the page was closed, the token unplugged: ask again)."""
    batch = batches.get_batch(session, actor, batch_id, lock=True)
    if actor.id != batch.leader_id:
        raise Forbidden("forbidden_action", "Chỉ lãnh đạo ký mới ký lô này bằng USB token của mình.")
    if batch.leader.signer_kind != USB:
        raise Conflict("not_a_token_batch", "Lãnh đạo của lô này không ký bằng USB token trên máy tính.")
    if batch.state != BatchState.SIGNING:
        raise Conflict("batch_not_confirmed", "Lô ký chưa được xác nhận (hoặc đã ký xong); không có văn bản chờ ký.")
    pending = [item for item in batch.items if item.status == ItemStatus.PENDING]
    old = select(TokenTicket).where(
        TokenTicket.item_id.in_([item.id for item in pending]), TokenTicket.used_at.is_(None)
    )
    for ticket in session.scalars(old):
        ticket.expires_at = min(ticket.expires_at, now)
    handed = []
    for item in pending:
        secret = secrets.token_urlsafe(32)
        session.add(TokenTicket(item_id=item.id, secret_sha256=_secret_key(secret), expires_at=now + TICKET_LIFE))
        handed.append(Ticket(item.document_id, item.document.summary, secret, now + TICKET_LIFE))
    audit(session, actor, "token_tickets", None, batch_id=batch.id, count=len(handed))
    return handed


def _ticket(session: Session, secret: str, now: dt.datetime, *, lock: bool = False) -> TokenTicket:
    query = select(TokenTicket).where(TokenTicket.secret_sha256 == _secret_key(secret))
    ticket = session.scalar(query.with_for_update() if lock else query)
    if ticket is None or ticket.used_at is not None or ticket.expires_at <= now or len(secret) > 128:
        raise NotFound(
            "token_address_not_found",
            "Địa chỉ ký này không còn dùng được (đã dùng, quá 15 phút hoặc không có); hãy bấm «Ký bằng USB token» "
            "lại trên trang lô ký.",
        )
    if ticket.item.status != ItemStatus.PENDING or ticket.item.batch.state != BatchState.SIGNING:
        raise Conflict("item_not_pending", "Văn bản này không còn chờ ký trong lô.")
    return ticket


def served(rt: Runtime, secret: str, now: dt.datetime) -> tuple[bytes, str]:
    """The file a ticket hands to the signing tool (the version the leader saw in the batch), and its name."""
    with rt.readers() as session:
        item = _ticket(session, secret, now).item
        version = item.document.current_version
        if version.sha256 != item.sha256:
            raise Conflict("changed_meanwhile", "Văn bản đã thay đổi sau khi lập lô; cần lập lô mới.")
        return read_pdf(rt, version), f"van-ban-{item.document_id}.pdf"


def check_back(rt: Runtime, secret: str, data: bytes, now: dt.datetime) -> returned.Returned:
    """Check a file handed back against the served one and the leader's certificate: the slow part, on a snapshot,
    before the short transaction that records it."""
    with rt.readers() as session:
        item = _ticket(session, secret, now).item
        certificate = certificate_of(session, item.batch.leader)
        if certificate is None:
            raise Conflict("no_token_certificate", "Chưa đăng ký chứng thư của USB token của lãnh đạo.")
        version = item.document.current_version
        served_bytes = read_pdf(rt, version)
        chain = validation.load_certs(certificate.certificate.encode())
    try:
        return returned.check_returned(served_bytes, data, chain[0].dump(), rt.keyring.trust_roots)
    except SigningError as exc:
        raise Unprocessable(exc.code, exc.message) from exc


def take_back(session: Session, rt: Runtime, secret: str, data: bytes, now: dt.datetime) -> SigningBatchItem:
    """Record a checked signed file: the document is signed in the batch (timestamped later when the policy asks
    for one: the tool signs without), the ticket used, the batch closed when nothing is left."""
    ticket = _ticket(session, secret, now, lock=True)
    item = ticket.item
    locked_items = batches.lock_items(session, [item.id])
    if not locked_items:
        raise Conflict("item_not_pending", "Văn bản này không còn chờ ký trong lô.")
    (locked,) = locked_items
    batches.record_signature(session, rt, locked, data, deferred=rt.pades.level != "B-B")
    ticket.used_at = now
    session.flush()
    batches.finish_batch(session, item.batch_id)
    return locked
