"""Background jobs of routing: they take ids and are idempotent."""

from __future__ import annotations

from routing import services
from workflow import runtime


def deliver(delivery_id: int) -> bool:
    """Deliver one internal delivery to its unit's inbox (status 01)."""
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        return services.mark_arrived(session, delivery_id)
