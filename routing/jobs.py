"""Background jobs of routing: they take ids and are idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from routing import services
from routing.models import Delivery
from workflow import outbox, runtime


def deliver(delivery_id: int) -> bool:
    """Deliver one internal delivery to its unit's inbox (status 01)."""
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        return services.mark_arrived(session, delivery_id)


def reconcile(older_than: float = 30.0) -> int:
    """Re-enqueue internal deliveries still pending after a while (their job was lost with Redis, say)."""
    rt = runtime.current()
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=older_than)
    with rt.readers() as session:
        ids = list(
            session.scalars(
                select(Delivery.id).where(
                    Delivery.channel == "internal", Delivery.transport == "pending", Delivery.created_at < cutoff
                )
            )
        )
    for delivery_id in ids:
        outbox.enqueue(rt, "dispatch", "routing.jobs.deliver", {"delivery_id": delivery_id})
    return len(ids)
