"""The steps every signing path of a batch shares: load its pending work, read the files, prepare on every
core, commit signed documents in chunks, fail documents with the reason the leader reads."""

from __future__ import annotations

import logging
import os
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from signing import pdf as signing_pdf
from signing.signers import Signer
from workflow import runtime
from workflow.errors import DomainError
from workflow.models import Document, Person, SigningBatch, SigningBatchItem
from workflow.signatures import preparing
from workflow.signatures import service as batches
from workflow.signatures.leader import stamp_of
from workflow.states import UNFINISHED_BATCH, ItemStatus

log = logging.getLogger(__name__)

POOL_THRESHOLD = 8  # smaller batches are prepared in the job's own process


@dataclass(frozen=True)
class Work:
    """One pending document of a batch as the job needs it: its version and what its stamp says."""

    item_id: int
    sha256: str
    stamp: dict[str, str]


def prepare_all(
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


def certificates_of(signer: Signer) -> tuple[bytes, ...]:
    cert = signer.signing_cert
    assert cert is not None
    chain = [c for c in signer.cert_registry if c.dump() != cert.dump()]
    return (cert.dump(), *(c.dump() for c in chain))


def load_work(
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
            (item.id, item.document.current_version.sha256, stamp_of(item.document))
            for item in items
            if item.status == ItemStatus.PENDING and not (unprepared_only and item.prepared_sha256)
        ]
        session.expunge(leader)
        session.expunge(batch)
    return batch, [Work(*w) for w in wanted], leader


def read_files(rt: runtime.Runtime, work: list[Work], *, fail_unreadable: bool) -> list[tuple[Work, bytes]]:
    """The PDFs of the documents; one whose stored file cannot be read fails alone (if `fail_unreadable`)."""
    found, unreadable = [], []
    for w in work:
        try:
            found.append((w, rt.store.get(w.sha256)))
        except (OSError, DomainError):
            unreadable.append(w.item_id)
    if unreadable and fail_unreadable:
        fail(rt, unreadable, "Không đọc được tệp PDF đã lưu của văn bản này.")
    return found


def commit(rt: runtime.Runtime, batch_id: int, signed: dict[int, bytes], deferred: bool) -> None:
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
            fail(rt, [item_id], message)


def fail(rt: runtime.Runtime, item_ids: list[int], message: str) -> None:
    with rt.sessions() as session, session.begin():
        batches.fail_items(session, item_ids, message)
