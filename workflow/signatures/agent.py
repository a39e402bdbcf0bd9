"""A leader's USB token through congvan-agent (agent/ in this repository), the small program on their PC: paired
once by a code shown on the leader's page, then handed, by the page, the digests of a confirmed batch.

Digests, never files: at confirmation the job prepares every document (phase 1, as for SmartCA) and records
requests of at most 50 digests, each authenticated with the pairing key so the agent signs only what congvan
asked. The page carries each request to the agent (the PIN is asked there, once per batch) and brings the
signatures back; a job checks each against the token's certificate before anything is written, then commits
(approvals.apply). A request the page stops carrying (closed, token pulled out) waits REQUEST_LIFE for it to
come back, then fails its documents with the reason, and "Ký lại" prepares them again.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signing import digests, phone, signers
from signing.errors import SigningError
from workflow import outbox, runtime
from workflow.audit import audit
from workflow.directory.service import colleague
from workflow.errors import Conflict, Forbidden, Invalid, NotFound, Unprocessable
from workflow.models import Person, SigningBatch
from workflow.signatures import approvals, steps, tokens
from workflow.signatures import service as batches
from workflow.signatures.models import AGENT, RemoteTransaction, SigningAgent
from workflow.states import OPEN_APPROVAL, ApprovalState, BatchState, ItemStatus

NAME = "USB token (congvan-agent)"
PAIRING_LIFE = dt.timedelta(minutes=10)
# How long a request waits for the page to bring its signatures back (pushed on every time the page asks).
REQUEST_LIFE = dt.timedelta(minutes=10)
MAX_CERTIFICATES = 8
PER_REQUEST = 50  # digests per request: one step of the page's progress, one bounded request to the agent
IDLE = (
    "Chưa ký xong trên USB token (trang lô ký đã đóng, hoặc token đã rút ra quá 10 phút); các văn bản khác của "
    "lô không đổi. Hãy bấm «Ký lại các văn bản lỗi» rồi ký tiếp bằng USB token."
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _self_leader(session: Session, actor: Person, person_id: int) -> Person:
    target = colleague(session, actor, person_id)
    if actor.id != target.id:
        raise Forbidden("forbidden", "Chỉ chính lãnh đạo ghép nối congvan-agent trên máy tính của mình.")
    if not target.has_role("leader"):
        raise Invalid("not_a_signer", f"{target.full_name} không phải lãnh đạo ký văn bản.")
    return target


@dataclass(frozen=True)
class Offer:
    """A pairing under way: the code the page shows, and what the page hands the agent."""

    code: str
    nonce: str
    key: str
    expires_at: dt.datetime


def start_pairing(session: Session, actor: Person, person_id: int, now: dt.datetime) -> Offer:
    """Begin pairing the leader's agent: a code to show, a nonce and a fresh key for the agent (any pairing
    under way before is replaced; the agent paired before keeps working until this one completes)."""
    target = _self_leader(session, actor, person_id)
    row = session.scalar(select(SigningAgent).where(SigningAgent.person_id == target.id))
    if row is None:
        row = SigningAgent(person_id=target.id)
        session.add(row)
    code = f"{secrets.randbelow(10**8):08d}"
    nonce, key = _b64(secrets.token_bytes(16)), _b64(secrets.token_bytes(32))
    row.pending_code, row.pending_nonce, row.pending_key = code, nonce, key
    row.pending_until = now + PAIRING_LIFE
    audit(session, actor, "agent_pairing_started", None, person_id=target.id)
    return Offer(code, nonce, key, row.pending_until)


def _certificates(values: list[str]) -> list[x509.Certificate]:
    if not values or len(values) > MAX_CERTIFICATES:
        raise Invalid(
            "invalid_certificate", "congvan-agent không gửi chứng thư số của USB token.", field="certificates"
        )
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(v, validate=True)) for v in values]
    except (ValueError, binascii.Error) as exc:
        raise Invalid(
            "invalid_certificate", "Chứng thư số congvan-agent gửi không đọc được.", field="certificates"
        ) from exc


def pair(
    session: Session, actor: Person, person_id: int, certificates: list[str], proof: str, now: dt.datetime
) -> tokens.TokenCertificate:
    """Complete the pairing: the agent proves it was given the code shown on the page (HMAC over the nonce and
    its token's certificate); the leader signs on that token through it from now on."""
    target = _self_leader(session, actor, person_id)
    row = session.scalar(select(SigningAgent).where(SigningAgent.person_id == target.id).with_for_update())
    if row is None or row.pending_code is None or row.pending_until is None:
        raise Conflict("pairing_not_started", "Chưa bắt đầu ghép nối; hãy bấm «Ghép nối congvan-agent» trên trang.")
    until = row.pending_until if row.pending_until.tzinfo else row.pending_until.replace(tzinfo=dt.UTC)
    if until <= now:
        raise Conflict("pairing_expired", "Mã ghép nối đã quá 10 phút; hãy bấm «Ghép nối congvan-agent» lại.")
    chain = _certificates(certificates)
    nonce = base64.b64decode(row.pending_nonce or "")
    first = chain[0].public_bytes(serialization.Encoding.DER)
    expected = hmac.new(row.pending_code.encode(), nonce + first, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, proof):
        raise Unprocessable(
            "pairing_code_mismatch",
            "Mã nhập vào congvan-agent không khớp mã ghép nối trên trang; hãy nhập lại đúng mã đang hiện.",
        )
    certificate = tokens.keep_certificate(session, actor, target, chain, now, AGENT)
    row.key, row.paired_at = row.pending_key, now
    row.pending_code = row.pending_nonce = row.pending_key = None
    row.pending_until = None
    audit(session, actor, "agent_paired", None, person_id=target.id, certificate=target.signer_ref)
    return certificate


def _open_requests(batch_id: int) -> Select[Any]:
    """The batch's requests still waiting for the page, oldest first."""
    return (
        select(RemoteTransaction)
        .where(
            RemoteTransaction.batch_id == batch_id,
            RemoteTransaction.provider == AGENT,
            RemoteTransaction.state.in_(OPEN_APPROVAL),
        )
        .order_by(RemoteTransaction.id)
    )


def sign_batch(rt: runtime.Runtime, batch: SigningBatch, leader: Person, work: list[steps.Work]) -> None:
    """Prepare the documents no request covers yet and record their requests for the page to carry."""
    with rt.readers() as session:
        held = tokens.certificate_of(session, leader)
        chain = tokens.chain_of(held) if held is not None else ()
        covered = {i for t in session.scalars(_open_requests(batch.id)) for i in t.item_ids}
    if not chain:
        steps.fail(rt, [w.item_id for w in work], "Chưa ghép nối congvan-agent; hãy ghép nối ở trang «Chữ ký số».")
        return
    fresh = [w for w in work if w.item_id not in covered]
    if not fresh:
        return
    if rt.pades.level not in ("B-B", "B-T"):
        steps.fail(rt, [w.item_id for w in fresh], f"Ký qua {NAME} hiện chỉ ở mức PAdES B-B hoặc B-T.")
        return
    signer = signers.certificate_only(chain)
    prepared = approvals.prepare(rt, leader, fresh, signer)
    order = [w.item_id for w in fresh if w.item_id in prepared]
    if not order:
        return
    template = digests.template(signer, prepared[order[0]].digest)
    size = PER_REQUEST
    deadline = dt.datetime.now(dt.UTC) + REQUEST_LIFE
    with rt.sessions() as session, session.begin():
        for at in range(0, len(order), size):
            chunk = order[at : at + size]
            ref = secrets.token_hex(16)
            session.add(
                RemoteTransaction(
                    batch_id=batch.id,
                    provider=AGENT,
                    ref=ref,
                    notify_key=hashlib.sha256(ref.encode()).hexdigest(),  # never called back: unique, unused
                    tran_id=ref,
                    description=approvals.description(batch.id, at + 1, at + len(chunk), len(order)),
                    item_ids=chunk,
                    state=ApprovalState.WAITING,
                    next_poll_at=deadline,
                    detail={"hashes": [_b64(template.hash_to_sign(prepared[i].digest)) for i in chunk]},
                )
            )


@dataclass(frozen=True)
class Request:
    """One request for the page to carry to the agent, authenticated for it."""

    id: str
    description: str
    hashes: list[str]
    expires: int
    mac: str


def mac_message(origin: str, batch: str, request: str, expires: int, hashes: list[str]) -> bytes:
    """What the pairing key authenticates (congvan-agent computes the same): the request's lines, then each
    digest."""
    return "\n".join([origin, batch, request, str(expires), *hashes]).encode()


def _batch_of_leader(session: Session, actor: Person, batch_id: int) -> SigningBatch:
    batch = batches.get_batch(session, actor, batch_id)
    if actor.id != batch.leader_id:
        raise Forbidden("forbidden_action", "Chỉ lãnh đạo ký mới ký lô này bằng USB token của mình.")
    if batch.leader.signer_kind != AGENT:
        raise Conflict("not_an_agent_batch", "Lãnh đạo của lô này không ký qua congvan-agent.")
    return batch


def requests_of(
    session: Session, actor: Person, batch_id: int, origin: str, now: dt.datetime
) -> tuple[list[Request], bool]:
    """The batch's requests the page still has to carry (their wait pushed on: the page is here), and whether
    documents are still being prepared for more."""
    batch = _batch_of_leader(session, actor, batch_id)
    agent = session.scalar(select(SigningAgent).where(SigningAgent.person_id == actor.id))
    if agent is None or agent.key is None:
        raise Conflict("agent_not_paired", "Chưa ghép nối congvan-agent; hãy ghép nối ở trang «Chữ ký số».")
    key = base64.b64decode(agent.key)
    rows = session.scalars(_open_requests(batch.id).with_for_update()).all()
    expires = int((now + REQUEST_LIFE).timestamp())
    found = []
    for row in rows:
        row.next_poll_at = dt.datetime.now(dt.UTC) + REQUEST_LIFE
        detail = row.detail or {}
        if "signatures" in detail:
            continue  # brought back already, being written
        hashes = list(detail.get("hashes", []))
        mac = hmac.new(key, mac_message(origin, str(batch.id), row.ref, expires, hashes), hashlib.sha256)
        found.append(Request(row.ref, row.description, hashes, expires, mac.hexdigest()))
    covered = {i for row in rows for i in row.item_ids}
    preparing = batch.state == BatchState.SIGNING and any(
        item.status == ItemStatus.PENDING and item.id not in covered for item in batch.items
    )
    return found, preparing


def answer(session: Session, actor: Person, batch_id: int, ref: str, signatures: list[str]) -> int:
    """Keep the signatures the page brought back for a request (written by the job `signed`); returns the
    request's row."""
    batch = _batch_of_leader(session, actor, batch_id)
    row = session.scalar(
        select(RemoteTransaction)
        .where(
            RemoteTransaction.batch_id == batch.id,
            RemoteTransaction.provider == AGENT,
            RemoteTransaction.ref == ref[:64],
        )
        .with_for_update()
    )
    if row is None or row.state not in OPEN_APPROVAL:
        raise NotFound("request_not_found", "Yêu cầu ký này không còn chờ chữ ký; hãy tải lại trang lô ký.")
    detail = dict(row.detail or {})
    if "signatures" in detail:
        raise Conflict("request_answered", "Chữ ký của yêu cầu này đã được gửi và đang được ghi.")
    if len(signatures) != len(row.item_ids) or any(len(s) > 2048 for s in signatures):
        raise Invalid(
            "wrong_signature_count",
            f"Cần đúng {len(row.item_ids)} chữ ký cho yêu cầu này; trang lô ký hãy gửi lại.",
            field="signatures",
        )
    try:
        for value in signatures:
            base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise Invalid("invalid_signature", "Chữ ký không phải base64.", field="signatures") from exc
    row.detail = detail | {"signatures": signatures}
    outbox.add(session, outbox.AGENT_SIGNED, batch_id=batch.id, transaction_id=row.id)
    return row.id


def signed(rt: runtime.Runtime, transaction_id: int) -> None:
    """Write a request the page brought back: every signature checked against the token's certificate first
    (approvals.apply); nothing happens to one already written or ended."""
    with rt.readers() as session:
        row = session.get(RemoteTransaction, transaction_id)
        detail = (row.detail or {}) if row is not None else {}
        if row is None or row.state not in OPEN_APPROVAL or "signatures" not in detail:
            return
        batch_id, ref, item_ids = row.batch_id, row.ref, list(row.item_ids)
        values: list[bytes | None] = [base64.b64decode(s) for s in detail["signatures"]]
        opened = approvals.Open(row.id, ref, row.state, item_ids, row.created_at, row.next_poll_at)
        held = tokens.certificate_of(session, row.batch.leader)
        chain = tokens.chain_of(held) if held is not None else ()
    if not chain:
        approvals.end(rt, transaction_id, None, "Chưa ghép nối congvan-agent; hãy ghép nối ở trang «Chữ ký số».")
        return
    info = phone.Transaction(ref, 1, waiting=False, done=True, reason="", signatures=values)
    try:
        approvals.apply(rt, batch_id, opened, info, signers.certificate_only(chain), NAME)
    except SigningError as exc:
        approvals.end(rt, transaction_id, None, exc.message)


def expire(rt: runtime.Runtime) -> int:
    """Fail the requests the page stopped carrying (past their wait, no signatures brought back); how many."""
    now = dt.datetime.now(dt.UTC)
    with rt.readers() as session:
        rows = session.scalars(
            select(RemoteTransaction).where(
                RemoteTransaction.provider == AGENT,
                RemoteTransaction.state.in_(OPEN_APPROVAL),
                RemoteTransaction.next_poll_at < now,
            )
        ).all()
        idle = [r.id for r in rows if "signatures" not in (r.detail or {})]
    for row_id in idle:
        approvals.end(rt, row_id, None, IDLE)
    return len(idle)
