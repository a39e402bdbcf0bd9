"""A batch signed through a service the leader approves on the phone (SmartCA, MySign): hashes sent in
transactions of 50, each signature checked against the leader's certificate before it is written.

The signing job prepares every pending document (phase 1, kept in the store), records the transactions, sends
them all at once (so the leader approves them back to back) and returns: no worker waits for a phone. Each
waiting transaction is asked about again when it is due (1 s after sending, the pause doubling up to
SMARTCA_POLL_MAX; the scheduler's tick enqueues the batches with one due), and at once when SmartCA's callback
arrives. A transaction approved is assembled (phase 2 with the returned signatures), finished and committed; one
rejected, expired or answered with a signature that does not verify fails only its own documents, with the
reason, and they can be sent again. A re-run of the signing job never sends a transaction twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import digests, phone, signers
from signing import pdf as signing_pdf
from signing.errors import SigningError
from workflow import runtime
from workflow.directory import service as directory
from workflow.errors import DomainError
from workflow.models import Person, SigningBatch, SigningBatchItem
from workflow.signatures import accounts, preparing, steps, tsa_policy
from workflow.signatures import service as batches
from workflow.signatures.models import AGENT, RemoteTransaction
from workflow.states import OPEN_APPROVAL, ApprovalState, ItemStatus

log = logging.getLogger(__name__)

WRONG_SIGNATURE = (
    "Chữ ký {name} trả về không khớp chứng thư số của người ký; không văn bản nào của giao dịch này được "
    "ghi. Hãy ký lại; nếu lặp lại, báo quản trị hệ thống."
)


def description(batch_id: int, first: int, last: int, total: int) -> str:
    """What the leader reads on the phone: the batch and which of its documents this approval covers."""
    which = f"{first}" if first == last else f"{first}–{last}"
    return f"Lô ký {batch_id} — văn bản {which} / {total}"


@dataclass(frozen=True)
class Sender:
    """Who sends the hashes: the leader's session at the service, their credential, and where it calls back."""

    account: phone.Approver
    provider: str
    credential_id: str
    notify: str


@dataclass(frozen=True)
class Open:
    """A transaction the job still waits on."""

    id: int
    tran_id: str | None
    state: str
    item_ids: list[int]
    created_at: dt.datetime
    next_poll_at: dt.datetime | None


def sign_batch(rt: runtime.Runtime, batch: SigningBatch, leader: Person, work: list[steps.Work], notify: str) -> None:
    """Send what is not yet sent; the transactions are then asked about by poll()."""
    try:
        with rt.readers() as session:
            account = accounts.required(session, leader)
            account_id, certs, credential_id = account.id, accounts.certificates(account), account.credential_id
            provider = account.provider
        session_ = accounts.session_of(rt, account_id)
    except (SigningError, DomainError) as exc:
        steps.fail(rt, [w.item_id for w in work], exc.message)
        return
    signer = signers.certificate_only(certs)
    sent = {i for t in _open(rt, batch.id) for i in t.item_ids}
    fresh = [w for w in work if w.item_id not in sent]
    if fresh:
        _send(rt, batch, leader, fresh, signer, Sender(session_, provider, credential_id, notify))


def prepare(
    rt: runtime.Runtime, leader: Person, work: list[steps.Work], signer: signers.Signer
) -> dict[int, signing_pdf.Prepared]:
    """Phase 1 now (the stamp shows the moment the hashes leave), each kept in the store with its item."""
    certs = steps.certificates_of(signer)
    moment, day = rt.now(), rt.now().date()
    image = directory.image(rt, leader.signature_image)
    found = steps.read_files(rt, work, fail_unreadable=True)
    tasks = [preparing.PrepareTask(data, w.stamp, moment, day, image, rt.pades.timestamped, certs) for w, data in found]
    prepared: dict[int, signing_pdf.Prepared] = {}
    cert_id = hashlib.sha256(certs[0]).hexdigest()
    for (w, _data), result in zip(found, steps.prepare_all(rt, signer, tasks), strict=True):
        if isinstance(result, signing_pdf.Prepared):
            prepared[w.item_id] = result
        else:
            steps.fail(rt, [w.item_id], result[1])
    with rt.sessions() as session, session.begin():
        kept = {i for i, p in prepared.items() if batches.store_prepared(session, rt, i, p, day, cert_id)}
    return {i: p for i, p in prepared.items() if i in kept}


def _send(
    rt: runtime.Runtime,
    batch: SigningBatch,
    leader: Person,
    work: list[steps.Work],
    signer: signers.Signer,
    sender: Sender,
) -> None:
    if rt.pades.level not in ("B-B", "B-T"):
        message = f"Ký qua {sender.account.name} hiện chỉ ở mức PAdES B-B hoặc B-T."
        steps.fail(rt, [w.item_id for w in work], message)
        return
    prepared = prepare(rt, leader, work, signer)
    order = [w.item_id for w in work if w.item_id in prepared]
    if not order:
        return
    template = digests.template(signer, prepared[order[0]].digest)
    size = sender.account.max_hashes
    chunks = [order[at : at + size] for at in range(0, len(order), size)]
    planned = []
    with rt.sessions() as session, session.begin():
        for number, chunk in enumerate(chunks):
            first = number * size + 1
            secret = secrets.token_urlsafe(32)
            row = RemoteTransaction(
                batch_id=batch.id,
                provider=sender.provider,
                ref=secrets.token_hex(16),
                notify_key=hashlib.sha256(secret.encode()).hexdigest(),
                description=description(batch.id, first, first + len(chunk) - 1, len(order)),
                item_ids=chunk,
                state=ApprovalState.SENDING,
                # Not asked about while the job sends it; past this, a job that died while sending is assumed.
                next_poll_at=dt.datetime.now(dt.UTC) + _sending_grace(rt),
            )
            session.add(row)
            session.flush()
            planned.append((row.id, row.ref, row.description, secret, chunk))
    for row_id, ref, text, secret, chunk in planned:
        hashes = [(f"van-ban-{i}", template.hash_to_sign(prepared[i].digest)) for i in chunk]
        url = f"{sender.notify.rstrip('/')}/api/v1/smartca/notify/{secret}" if sender.notify else ""
        try:
            tran_id = sender.account.sign_hashes(sender.credential_id, ref, hashes, text, url)
        except (SigningError, DomainError) as exc:
            end(rt, row_id, None, exc.message)
            continue
        with rt.sessions() as session, session.begin():
            sent = session.scalar(select(RemoteTransaction).where(RemoteTransaction.id == row_id).with_for_update())
            if (
                sent is None or sent.state != ApprovalState.SENDING
            ):  # given up for lost meanwhile: its documents failed already
                log.warning("batch %s: transaction %s was accepted after it was given up", batch.id, row_id)
                continue
            sent.tran_id, sent.state = tran_id, ApprovalState.WAITING
            sent.next_poll_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


def _sending_grace(rt: runtime.Runtime) -> dt.timedelta:
    """How long a transaction may stay recorded but unsent before its job counts as dead: two request timeouts
    for the service to answer, and room to send the batch's other transactions first."""
    return dt.timedelta(seconds=4 * rt.settings.smartca_timeout + 30)


def _open(rt: runtime.Runtime, batch_id: int) -> list[Open]:
    with rt.readers() as session:
        rows = session.scalars(
            select(RemoteTransaction)
            .where(
                RemoteTransaction.batch_id == batch_id,
                RemoteTransaction.state.in_(OPEN_APPROVAL),
                RemoteTransaction.provider != AGENT,
            )
            .order_by(RemoteTransaction.id)
        ).all()
        return [Open(r.id, r.tran_id, r.state, list(r.item_ids), r.created_at, r.next_poll_at) for r in rows]


def poll(rt: runtime.Runtime, batch_id: int, *, now_all: bool = False) -> None:
    """Ask the service about the batch's transactions that are due (all of them with `now_all`, as when its
    callback arrived), and write what came back."""
    with rt.readers() as session:
        batch = session.get(SigningBatch, batch_id)
        account = accounts.account_of(session, batch.leader) if batch is not None else None
        account_id, certs = (account.id, accounts.certificates(account)) if account is not None else (None, ())
    waiting = _open(rt, batch_id)
    if not waiting:
        return
    try:
        if account_id is None:
            raise SigningError("signer_not_linked", "Người ký không còn liên kết tài khoản ký số; hãy liên kết lại.")
        approver = accounts.session_of(rt, account_id)
    except (SigningError, DomainError) as exc:  # nobody can answer for these any more: fail them, visibly, once
        for t in waiting:
            end(rt, t.id, None, exc.message)
        return
    signer = signers.certificate_only(certs)
    limit = dt.timedelta(seconds=rt.settings.smartca_approval_timeout)
    now = dt.datetime.now(dt.UTC)
    _heartbeat(rt, batch_id)
    for t in waiting:
        if not now_all and t.next_poll_at is not None and t.next_poll_at > now:
            continue
        if t.tran_id is None:  # still being sent, or recorded and never accepted (the job died while sending)
            if t.state == ApprovalState.SENDING and now - t.created_at > _sending_grace(rt):
                end(rt, t.id, None, f"Giao dịch chưa gửi được tới {approver.name}; hãy ký lại.")
            continue
        try:
            info = approver.transaction(t.tran_id)
        except (SigningError, DomainError) as exc:
            if now - t.created_at > limit or not exc.code.endswith("_unavailable"):
                end(rt, t.id, None, exc.message)
            else:
                _later(rt, t.id)  # unreachable for now: ask again when due
            continue
        if info.done:
            apply(rt, batch_id, t, info, signer, approver.name)
        elif not info.waiting:
            end(rt, t.id, info.status, info.reason)
        elif now - t.created_at > limit:
            end(rt, t.id, info.status, f"Giao dịch ký đã hết hạn vì chưa được xác nhận trên {approver.name}.")
        else:
            _later(rt, t.id)


def _later(rt: runtime.Runtime, row_id: int) -> None:
    """Ask about a waiting transaction again after a pause twice the last one (1 s after sending, then 2 s, 4 s …
    up to the cap)."""
    with rt.sessions() as session, session.begin():
        row = session.get(RemoteTransaction, row_id)
        if row is None or row.state not in OPEN_APPROVAL:
            return
        pause = min(2.0 ** (row.polls + 1), rt.settings.smartca_poll_max)
        row.polls += 1
        row.next_poll_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=pause)


def due(session: Session) -> list[int]:
    """The batches with a waiting transaction due to be asked about (the scheduler enqueues their polls)."""
    query = (
        select(RemoteTransaction.batch_id)
        .where(
            RemoteTransaction.state.in_(OPEN_APPROVAL),
            RemoteTransaction.provider != AGENT,
            (RemoteTransaction.next_poll_at.is_(None)) | (RemoteTransaction.next_poll_at <= dt.datetime.now(dt.UTC)),
        )
        .distinct()
    )
    return sorted(session.scalars(query))


def _heartbeat(rt: runtime.Runtime, batch_id: int) -> None:
    with rt.sessions() as session, session.begin():
        batch = session.get(SigningBatch, batch_id)
        if batch is not None:
            batch.heartbeat_at = dt.datetime.now(dt.UTC)


def apply(
    rt: runtime.Runtime, batch_id: int, t: Open, info: phone.Transaction, signer: signers.Signer, name: str
) -> None:
    """An approved transaction: every signature checked first, then assembled, finished and committed (`name`:
    who made the signatures, for the message when one does not verify)."""
    with rt.readers() as session:
        items = session.scalars(select(SigningBatchItem).where(SigningBatchItem.id.in_(t.item_ids))).all()
        pending = {i.id: i for i in items if i.status == ItemStatus.PENDING}
        prepared = {i: batches.stored_prepared(rt, item) for i, item in pending.items()}
    order = [i for i in t.item_ids if prepared.get(i) is not None]
    if len(info.signatures) != len(t.item_ids):
        end(rt, t.id, info.status, "Dịch vụ ký số trả số chữ ký không khớp số văn bản của giao dịch; hãy ký lại.")
        return
    if not order:
        end(rt, t.id, info.status, None)
        return
    values = dict(zip(t.item_ids, info.signatures, strict=True))
    ready = {i: p for i, p in prepared.items() if p is not None}
    template = digests.template(signer, ready[order[0]].digest)
    cert = signer.signing_cert
    assert cert is not None
    for i in order:
        value = values[i]
        if value is None or not digests.signature_holds(cert, template.signed_attrs(ready[i].digest), value):
            log.warning("batch %s: transaction %s returned a signature that does not verify", batch_id, t.id)
            end(rt, t.id, info.status, WRONG_SIGNATURE.format(name=name))
            return
    raw = [values[i] or b"" for i in order]

    def assemble(pades: signing_pdf.Pades) -> list[bytes]:
        timestamper = signing_pdf.timestamper_of(pades)
        return digests.assemble(template, [ready[i].digest for i in order], raw, timestamper)

    try:
        cms, deferred = tsa_policy.at_pades_level(rt, assemble)
    except SigningError as exc:
        end(rt, t.id, info.status, exc.message)
        return
    signed = {i: signing_pdf.finish(ready[i], c) for i, c in zip(order, cms, strict=True)}
    rt.store.put_many(list(signed.values()))  # durable before the commit that records them
    steps.commit(rt, batch_id, signed, deferred)
    end(rt, t.id, info.status, None)


def end(rt: runtime.Runtime, row_id: int, status: int | None, error: str | None) -> None:
    """Close a transaction: done, or failed with its documents still pending failed with the reason."""
    with rt.sessions() as session, session.begin():
        row = session.scalar(select(RemoteTransaction).where(RemoteTransaction.id == row_id).with_for_update())
        if row is None or row.state not in OPEN_APPROVAL:
            return
        row.state, row.status_code, row.error = (ApprovalState.FAILED if error else ApprovalState.DONE), status, error
        row.answered_at = dt.datetime.now(dt.UTC)
        if error:
            batches.fail_items(session, list(row.item_ids), error)


def notified(session: Session, secret: str) -> int | None:
    """The batch whose transaction's callback address holds this secret (SmartCA's notifyUrl), if any."""
    key = hashlib.sha256(secret.encode()).hexdigest()
    return session.scalar(select(RemoteTransaction.batch_id).where(RemoteTransaction.notify_key == key))
