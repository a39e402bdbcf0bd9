"""Background jobs of the hub. They take ids, lock rows, re-check state and are idempotent."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from signing.errors import SigningError
from workflow import outbox, runtime, services
from workflow.errors import DomainError
from workflow.models import Document, Person, SigningBatch, SigningBatchItem

log = logging.getLogger(__name__)


def sign_batch(batch_id: int) -> str:
    """Sign every pending document of a confirmed batch, committing one document at a time."""
    rt = runtime.current()
    with rt.readers() as session:
        item_ids = list(
            session.scalars(
                select(SigningBatchItem.id)
                .where(SigningBatchItem.batch_id == batch_id, SigningBatchItem.status == "pending")
                .order_by(SigningBatchItem.id)
            )
        )
    for item_id in item_ids:
        try:
            with rt.sessions() as session, session.begin():
                services.sign_batch_item(session, rt, item_id)
        except Exception as exc:  # each document fails on its own; the others go on
            message = exc.message if isinstance(exc, DomainError) else "Lỗi hệ thống khi ký văn bản này."
            log.warning("batch %s item %s failed", batch_id, item_id, exc_info=not isinstance(exc, DomainError))
            with rt.sessions() as session, session.begin():
                item = session.get(SigningBatchItem, item_id)
                if item is not None and item.status == "pending":
                    item.status, item.error = "failed", message
    with rt.sessions() as session, session.begin():
        return services.finish_batch(session, batch_id).state


def create_due_batches() -> list[int]:
    """At the cut-off time: one batch per leader with non-urgent documents waiting."""
    rt = runtime.current()
    created = []
    with rt.readers() as session:
        leaders = [p.id for p in session.scalars(select(Person)) if p.has_role("leader")]
    for leader_id in leaders:
        try:
            with rt.sessions() as session, session.begin():
                created.append(services.create_batch(session, None, leader_id).id)
        except DomainError:
            continue  # nothing waiting for this leader
    return created


def reconcile() -> dict[str, int]:
    """Re-enqueue what the database says is pending: unrelayed outbox rows, silent batches."""
    rt = runtime.current()
    relayed = outbox.relay(rt)
    lease = dt.timedelta(seconds=int(rt.config["BATCH_LEASE_SECONDS"]))
    now = dt.datetime.now(dt.UTC)
    stale = []
    with rt.sessions() as session, session.begin():
        for batch in session.scalars(select(SigningBatch).where(SigningBatch.state == "signing")):
            last = batch.heartbeat_at or batch.confirmed_at
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=dt.UTC)
            if last is None or now - last > lease:
                batch.heartbeat_at = now  # one re-enqueue per lease period
                stale.append(batch.id)
    for batch_id in stale:
        outbox.enqueue(rt, "signing", "workflow.jobs.sign_batch", {"batch_id": batch_id})
    return {"relayed": relayed, "batches": len(stale), "timestamps": add_due_timestamps()}


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
                added += services.add_due_timestamp(session, rt, document_id)
        except SigningError as exc:
            log.warning("document timestamps still owed (%s): %s", exc.code, exc.message)
            break
    return added
