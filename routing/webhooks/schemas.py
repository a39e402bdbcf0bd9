"""What the webhooks' requests carry."""

from __future__ import annotations

from workflow.web.schemas import (
    Request,
    coded,
)


class WebhookIn(Request):
    """A URL subscribed to events (all events when none are named)."""

    url: str = coded("invalid_url", min_length=1, max_length=2000, title="địa chỉ webhook")
    events: list[str] | None = coded("invalid_events", default=None, title="sự kiện")
