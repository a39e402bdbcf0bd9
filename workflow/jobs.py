"""Background jobs of the hub. They take ids, lock rows, re-check state and are idempotent."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from signing import pdf as signing_pdf
from signing import timestamps
from signing.errors import SigningError
from signing.remote import CscSigner
from signing.signers import Signer
from workflow import audit, db, outbox, runtime
from workflow.directory import service as directory
from workflow.errors import DomainError
from workflow.models import Document, LoginAttempt, OutboxMessage, Person, SigningBatch, SigningBatchItem
from workflow.notifications import mail
from workflow.notifications import service as notifications
from workflow.signatures import preparing, tsa_policy
from workflow.signatures import service as batches
from workflow.states import UNFINISHED_BATCH, BatchState, ItemStatus

log = logging.getLogger(__name__)


# --- signing batches: prepare (parallel) / sign all digests (one request) / finish and commit ----

POOL_THRESHOLD = 8  # smaller batches are prepared in the job's own process


@dataclass(frozen=True)
class Work:
    """One pending document of a batch as the job needs it: its version and what its stamp says."""

    item_id: int
    sha256: str
    stamp: dict[str, str]


def _prepare_all(
    rt: runtime.Runtime, signer: Signer, tasks: list[preparing.PrepareTask]
) -> list[signing_pdf.Prepared | tuple[str, str]]:
    """Phase 1 for many documents: on every core when the batch is large enough."""
    processes = rt.settings.signing_processes or os.cpu_count() or 1
    if len(tasks) >= POOL_THRESHOLD and processes > 1:
        chunk = max(1, len(tasks) // (4 * processes))  # a few chunks per process: even load, little overhead
        try:
            return list(rt.signing_pool.map(preparing.prepare_task, tasks, chunksize=chunk))
        except BrokenProcessPool:  # a signing process died (out of memory, killed): start again, here
            log.warning("signing processes died; preparing in the job's process", exc_info=True)
            rt.close_pool()
    return [preparing.prepare(task, signer, rt.font) for task in tasks]


def _certificates(signer: Signer) -> tuple[bytes, ...]:
    cert = signer.signing_cert
    assert cert is not None
    chain = [c for c in signer.cert_registry if c.dump() != cert.dump()]
    return (cert.dump(), *(c.dump() for c in chain))


def _load_work(
    rt: runtime.Runtime, batch_id: int, *, unprepared_only: bool = False
) -> tuple[SigningBatch | None, list[Work], Person | None]:
    """The batch, its pending documents (version, stamp text) and its leader, read in one go."""
    with rt.readers() as session:
        batch = session.get(SigningBatch, batch_id)
        if batch is None or batch.state not in UNFINISHED_BATCH:
            return batch, [], None
        leader = batch.leader
        items = session.scalars(
            select(SigningBatchItem)
            .where(SigningBatchItem.batch_id == batch_id)
            .options(selectinload(SigningBatchItem.document).selectinload(Document.versions))
            .order_by(SigningBatchItem.id)
        ).all()
        wanted = [
            (item.id, item.document.current_version.sha256, batches.leader_stamp(item.document))
            for item in items
            if item.status == ItemStatus.PENDING and not (unprepared_only and item.prepared_sha256)
        ]
        session.expunge(leader)
        session.expunge(batch)
    return batch, [Work(*w) for w in wanted], leader


def _read(rt: runtime.Runtime, work: list[Work], *, fail: bool) -> list[tuple[Work, bytes]]:
    """The PDFs of the documents; one whose stored file cannot be read fails alone (if `fail`)."""
    found, unreadable = [], []
    for w in work:
        try:
            found.append((w, rt.store.get(w.sha256)))
        except (OSError, DomainError):
            unreadable.append(w.item_id)
    if unreadable and fail:
        _fail(rt, unreadable, "Không đọc được tệp PDF đã lưu của văn bản này.")
    return found


def sign_batch(batch_id: int) -> str:
    """Sign every pending document of a confirmed batch: prepare on every core, sign all digests at once.

    Each document that cannot be prepared fails alone; a refused approval, an unreachable TSA (policy
    "fail") or a key problem fails every document still pending, visibly. Documents are committed in
    chunks; a re-run after a crash signs only what was not committed.
    """
    rt = runtime.current()
    batch, work, leader = _load_work(rt, batch_id)
    if batch is None or leader is None or batch.state != BatchState.SIGNING:
        return batch.state if batch else "missing"
    if work and rt.pades.level in ("B-LT", "B-LTA"):
        _sign_one_by_one(rt, batch_id, [w.item_id for w in work])  # long-term levels: pyHanko's one-shot path
    elif work:
        _sign_two_phase(rt, batch, leader, work)
    with rt.sessions() as session, session.begin():
        return batches.finish_batch(session, batch_id).state


def _sign_two_phase(rt: runtime.Runtime, batch: SigningBatch, leader: Person, work: list[Work]) -> None:
    description = f"Ký {len(work)} văn bản (lô trình ký số {batch.id})"
    try:
        signer = rt.keyring.for_batch(leader, len(work), description)
        certificates = _certificates(signer)
    except SigningError as exc:
        _fail(rt, [w.item_id for w in work], exc.message)
        return
    moment = (batch.confirmed_at or dt.datetime.now(dt.UTC)).astimezone(rt.tz)
    day = rt.now().date()
    reserved = signing_pdf.BYTES_RESERVED_TIMESTAMPED if rt.pades.timestamped else signing_pdf.BYTES_RESERVED
    cert_id = hashlib.sha256(certificates[0]).hexdigest()
    with rt.readers() as session:
        ahead = {
            item.id: batches.prepared_of(rt, item, day, cert_id, reserved)
            for item in session.scalars(
                select(SigningBatchItem).where(SigningBatchItem.id.in_([w.item_id for w in work]))
            )
        }
    image = directory.image(rt, leader.signature_image)
    fresh = _read(rt, [w for w in work if ahead.get(w.item_id) is None], fail=True)
    tasks = [
        preparing.PrepareTask(data, w.stamp, moment, day, image, rt.pades.timestamped, certificates)
        for w, data in fresh
    ]
    prepared: dict[int, signing_pdf.Prepared] = {i: p for i, p in ahead.items() if p is not None}
    for (w, _data), result in zip(fresh, _prepare_all(rt, signer, tasks), strict=True):
        if isinstance(result, signing_pdf.Prepared):
            prepared[w.item_id] = result
        else:
            _fail(rt, [w.item_id], result[1])
    order = [w.item_id for w in work if w.item_id in prepared]
    if not order:
        return
    if isinstance(signer, CscSigner):
        signer.expected = len(order)  # one approval for exactly the documents that reached phase 2
    try:
        values, deferred = _sign_with_policy(rt, [prepared[i] for i in order], signer)
    except SigningError as exc:
        _fail(rt, order, exc.message)
        return
    except Exception:  # a token or library error: the batch shows it and can be retried
        log.warning("batch %s: signing the digests failed", batch.id, exc_info=True)
        _fail(rt, order, "Lỗi của thiết bị hoặc thư viện ký số khi ký; hãy ký lại các văn bản lỗi.")
        return
    size = max(1, rt.settings.signing_chunk)
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        signed = {i: signing_pdf.finish(prepared[i], values[start + k]) for k, i in enumerate(chunk)}
        rt.store.put_many(list(signed.values()))  # durable before the commit that records them
        _commit(rt, batch.id, signed, deferred)


def _sign_with_policy(
    rt: runtime.Runtime, prepared: list[signing_pdf.Prepared], signer: Signer
) -> tuple[list[bytes], bool]:
    """Phase 2 under the TSA policy (tsa_policy.at_pades_level); True when deferred to B-B."""

    def sign(pades: signing_pdf.Pades) -> list[bytes]:
        if pades is signing_pdf.B_B and isinstance(signer, CscSigner) and rt.pades.timestamped:
            raise timestamps.tsa_down()  # the leader's one approval is spent: fail, do not ask again
        return signing_pdf.sign_digests(prepared, signer, pades)

    return tsa_policy.at_pades_level(rt, sign)


def _commit(rt: runtime.Runtime, batch_id: int, signed: dict[int, bytes], deferred: bool) -> None:
    """Record a chunk in one transaction; if that fails, one document at a time so each fails alone."""
    try:
        with rt.sessions() as session, session.begin():
            for item in batches.lock_items(session, list(signed)):
                batches.record_signature(session, rt, item, signed[item.id], deferred=deferred)
        return
    except Exception:  # fall back to single commits to find the document at fault
        log.warning("batch %s: chunk commit failed, committing one by one", batch_id, exc_info=True)
    for item_id, data in signed.items():
        try:
            with rt.sessions() as session, session.begin():
                for item in batches.lock_items(session, [item_id]):
                    batches.record_signature(session, rt, item, data, deferred=deferred)
        except Exception as exc:  # noqa: BLE001 - each document fails on its own
            message = exc.message if isinstance(exc, DomainError) else "Lỗi hệ thống khi ký văn bản này."
            _fail(rt, [item_id], message)


def _fail(rt: runtime.Runtime, item_ids: list[int], message: str) -> None:
    with rt.sessions() as session, session.begin():
        batches.fail_items(session, item_ids, message)


def _sign_one_by_one(rt: runtime.Runtime, batch_id: int, item_ids: list[int]) -> None:
    for item_id in item_ids:
        try:
            with rt.sessions() as session, session.begin():
                batches.sign_batch_item(session, rt, item_id)
        except Exception as exc:  # each document fails on its own; the others go on
            message = exc.message if isinstance(exc, DomainError) else "Lỗi hệ thống khi ký văn bản này."
            log.warning("batch %s item %s failed", batch_id, item_id, exc_info=not isinstance(exc, DomainError))
            _fail(rt, [item_id], message)


def prepare_batch(batch_id: int) -> int:
    """Prepare a batch's signatures while it waits for the leader (PREPARE_AHEAD); returns how many.

    The stamps show the day only and claim no signing time: the leader has not confirmed yet.
    """
    rt = runtime.current()
    _batch, work, leader = _load_work(rt, batch_id, unprepared_only=True)
    if not work or leader is None:
        return 0
    signer = rt.keyring.for_batch(leader, len(work), "")
    certificates = _certificates(signer)
    day = rt.now().date()
    image = directory.image(rt, leader.signature_image)
    found = _read(rt, work, fail=False)  # an unreadable file fails at confirmation, not before
    tasks = [
        preparing.PrepareTask(data, w.stamp, None, day, image, rt.pades.timestamped, certificates) for w, data in found
    ]
    stored = 0
    cert_id = hashlib.sha256(certificates[0]).hexdigest()
    with rt.sessions() as session, session.begin():
        for (w, _data), result in zip(found, _prepare_all(rt, signer, tasks), strict=True):
            if isinstance(result, signing_pdf.Prepared):
                stored += batches.store_prepared(session, rt, w.item_id, result, day, cert_id)
    return stored


def send_email(notification_ids: list[int]) -> int:
    """E-mail these notifications to the people with an address, once: read, send (no transaction is held while
    the SMTP server answers), then record them sent; returns how many went."""
    rt = runtime.current()
    if not rt.settings.smtp_host:
        return 0
    with rt.readers() as session:
        waiting = notifications.to_email(session, notification_ids)
    if not waiting:
        return 0
    mail.send(rt.settings, [mail.message(rt.settings, to, kind, text) for _, to, kind, text in waiting])
    with rt.sessions() as session, session.begin():
        notifications.mark_emailed(session, [i for i, *_ in waiting])
    return len(waiting)


def create_due_batches() -> list[int]:
    """At the cut-off time: one batch per leader with non-urgent documents waiting."""
    rt = runtime.current()
    created = []
    with rt.readers() as session:
        leaders = [p.id for p in session.scalars(select(Person)) if p.has_role("leader")]
    for leader_id in leaders:
        try:
            with rt.sessions() as session, session.begin():
                created.append(
                    batches.create_batch(session, None, leader_id, prepare_ahead=rt.settings.prepare_ahead).id
                )
        except DomainError:
            continue  # nothing waiting for this leader
    return created


def reconcile() -> dict[str, int]:
    """Re-enqueue what the database says is pending: unrelayed outbox rows, silent batches."""
    rt = runtime.current()
    relayed = outbox.relay(rt)
    lease = dt.timedelta(seconds=rt.settings.batch_lease_seconds)
    now = dt.datetime.now(dt.UTC)
    stale = []
    with rt.sessions() as session, session.begin():
        for batch in session.scalars(select(SigningBatch).where(SigningBatch.state == BatchState.SIGNING)):
            last = batch.heartbeat_at or batch.confirmed_at
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=dt.UTC)
            if last is None or now - last > lease:
                batch.heartbeat_at = now  # one re-enqueue per lease period
                stale.append(batch.id)
    for batch_id in stale:
        outbox.enqueue(rt, outbox.SIGN_BATCH, {"batch_id": batch_id})
    with rt.sessions() as session, session.begin():
        sealed = audit.seal(session)
    return {"relayed": relayed, "batches": len(stale), "timestamps": add_due_timestamps(), "sealed": sealed}


def anchor_audit() -> int | None:
    """Seal what is left and anchor the audit chain's head with the TSA; returns the anchored link."""
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        while audit.seal(session):
            pass
        made = audit.anchor(session, rt.settings.tsa_url, rt.settings.tsa_timeout)
        return made.seq if made else None


def prune() -> dict[str, int]:
    """Delete outbox rows relayed more than OUTBOX_KEEP_DAYS ago, and sign-in attempts no throttle reads."""
    rt = runtime.current()
    now = dt.datetime.now(dt.UTC)
    before = now - dt.timedelta(days=rt.settings.outbox_keep_days)
    attempts = db.prune(
        rt.sessions, LoginAttempt, LoginAttempt.ok.is_(False), LoginAttempt.at < now - dt.timedelta(days=1)
    )
    attempts += db.prune(rt.sessions, LoginAttempt, LoginAttempt.at < now - dt.timedelta(days=90))
    return {
        "outbox": db.prune(rt.sessions, OutboxMessage, OutboxMessage.relayed_at < before),
        "login_attempts": attempts,
    }


def add_due_timestamps(limit: int = 500) -> int:
    """Give documents signed while the TSA was down their document timestamp; stop at the first TSA failure."""
    rt = runtime.current()
    with rt.readers() as session:
        due = list(
            session.scalars(
                select(Document.id).where(Document.timestamp_due.is_(True)).order_by(Document.id).limit(limit)
            )
        )
    added = 0
    for document_id in due:
        try:
            with rt.sessions() as session, session.begin():
                added += batches.add_due_timestamp(session, rt, document_id)
        except SigningError as exc:
            log.warning("document timestamps still owed (%s): %s", exc.code, exc.message)
            break
    return added
