"""The retry policy every outgoing attempt shares (exchange messages, webhooks): exponential backoff with a cap."""

from __future__ import annotations

import datetime as dt
from typing import Any


def delay(config: dict[str, Any], attempts: int) -> dt.timedelta:
    """Wait before the next attempt: base * 2^(attempts-1) seconds, never more than the cap."""
    base, cap = float(config["RETRY_BASE_SECONDS"]), float(config["RETRY_CAP_SECONDS"])
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))
