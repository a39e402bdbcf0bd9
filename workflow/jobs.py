"""Background jobs of the hub. They take ids, lock rows, re-check state and are idempotent."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from signing.errors import SigningError
from workflow import audit, db, outbox, runtime
from workflow.directory import delegations
from workflow.errors import DomainError
from workflow.models import Document, LoginAttempt, OutboxMessage, Person, SigningBatch
from workflow.notifications import mail
from workflow.notifications import service as notifications
from workflow.signatures import agent, approvals
from workflow.signatures import service as batches
from workflow.states import BatchState

log = logging.getLogger(__name__)


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
    """Re-enqueue what the database says is pending: unrelayed outbox rows, silent batches; begin and end the
    delegations whose time came."""
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        delegated = delegations.advance_due(session, rt.now(), rt.tz)
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
    with rt.readers() as session:
        polled = approvals.due(session)
    for batch_id in polled:  # approvals on a phone: asked about when due, no worker waits for them
        outbox.enqueue(rt, outbox.POLL_APPROVALS, {"batch_id": batch_id})
    abandoned = agent.expire(rt)  # digests a leader's page stopped carrying to their token
    with rt.sessions() as session, session.begin():
        sealed = audit.seal(session)
    timestamps = add_due_timestamps()
    return {
        "relayed": relayed,
        "batches": len(stale),
        "approvals": len(polled),
        "agent_requests": abandoned,
        "timestamps": timestamps,
        "sealed": sealed,
        "delegations": delegated,
    }


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
