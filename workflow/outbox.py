"""Enqueue after commit: jobs are written as outbox rows in the transaction, then relayed to RQ."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.models import OutboxMessage
from workflow.runtime import Runtime, install

log = logging.getLogger(__name__)

QUEUES = ("signing", "dispatch", "exchange", "webhooks")


@dataclass(frozen=True)
class Job:
    """A background job: the queue it runs on and the function that runs it (which takes ids)."""

    queue: str
    func: str


# Every job, the one place their queues and functions are written.
PREPARE_BATCH = Job("signing", "workflow.signatures.jobs.prepare_batch")
SIGN_BATCH = Job("signing", "workflow.signatures.jobs.sign_batch")
POLL_APPROVALS = Job("signing", "workflow.signatures.jobs.poll_approvals")
HAND_OVER = Job("signing", "workflow.signatures.jobs.hand_over")
AGENT_SIGNED = Job("signing", "workflow.signatures.jobs.agent_signed")
DELIVER = Job("dispatch", "routing.jobs.deliver")
READ_SCAN = Job("dispatch", "routing.jobs.read_scan")
FILE_ISSUED = Job("dispatch", "routing.jobs.file_issued")
SEND_DOCUMENT = Job("exchange", "routing.jobs.send_document")
SEND_MESSAGE = Job("exchange", "routing.jobs.send_message")
PULL_VXP = Job("exchange", "routing.jobs.pull_vxp")
POST_WEBHOOK = Job("webhooks", "routing.jobs.post_webhook")
# Notifications by e-mail go out with the other messages to the outside world.
SEND_EMAIL = Job("webhooks", "workflow.jobs.send_email")
JOBS = (
    PREPARE_BATCH,
    SIGN_BATCH,
    POLL_APPROVALS,
    HAND_OVER,
    AGENT_SIGNED,
    DELIVER,
    READ_SCAN,
    FILE_ISSUED,
    SEND_DOCUMENT,
    SEND_MESSAGE,
    PULL_VXP,
    POST_WEBHOOK,
    SEND_EMAIL,
)


def add(session: Session, job: Job, **args: Any) -> None:
    """Record a job to run once the current transaction commits."""
    session.add(OutboxMessage(queue=job.queue, func=job.func, args=args))


def _call(func: str, args: dict[str, Any]) -> None:
    module, name = func.rsplit(".", 1)
    getattr(importlib.import_module(module), name)(**args)


def relay(rt: Runtime) -> int:
    """Send committed outbox rows to their queues; returns how many were relayed."""
    relayed = 0
    while True:
        with rt.sessions() as session, session.begin():
            query = select(OutboxMessage).where(OutboxMessage.relayed_at.is_(None))
            query = query.order_by(OutboxMessage.id).limit(100)
            if rt.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            messages = session.scalars(query).all()
            if not messages:
                return relayed
            batch = [(m.id, m.queue, m.func, dict(m.args)) for m in messages]
            for message in messages:
                if rt.settings.job_mode == "rq":
                    # If Redis fails midway the marks roll back and every row is relayed again later;
                    # a job may then run twice, which jobs allow (they are idempotent).
                    _enqueue(rt, message.queue, message.func, dict(message.args), job_id=f"outbox-{message.id}")
                message.relayed_at = dt.datetime.now(dt.UTC)
        relayed += len(batch)
        if rt.settings.job_mode == "inline":
            # Unit-test mode: run right after commit, in this process, with this runtime.
            install(rt)
            for _, _, func, args in batch:
                _call(func, args)


def relay_quietly(rt: Runtime) -> int:
    """Relay, but never fail the caller: what cannot be relayed now stays in the outbox for the reconciler."""
    try:
        return relay(rt)
    except Exception:  # the transaction is committed; Redis being down must not turn it into an error
        log.warning("outbox relay failed; the reconciler will retry", exc_info=True)
        return 0


def enqueue(rt: Runtime, job: Job, args: dict[str, Any]) -> None:
    """Put one job on its RQ queue now (or run it at once in inline mode): for what the reconciler finds due."""
    _enqueue(rt, job.queue, job.func, args)


def _enqueue(rt: Runtime, queue: str, func: str, args: dict[str, Any], job_id: str | None = None) -> None:
    if rt.settings.job_mode == "inline":
        _call(func, args)
        return
    from rq import Queue

    Queue(queue, connection=rt.redis).enqueue(func, kwargs=args, job_id=job_id, job_timeout=3600)
