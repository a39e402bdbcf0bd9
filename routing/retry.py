"""The retry policy every outgoing attempt shares (exchange messages, webhooks): exponential backoff with a cap."""

from __future__ import annotations

import datetime as dt

from workflow.config import Settings


def delay(settings: Settings, attempts: int) -> dt.timedelta:
    """Wait before the next attempt: base * 2^(attempts-1) seconds, never more than the cap."""
    base, cap = settings.retry_base_seconds, settings.retry_cap_seconds
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))
