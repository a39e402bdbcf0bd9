"""The answers of the webhooks' API: endpoints and their delivery log."""

from __future__ import annotations

from typing import Any

from routing.models import WebhookDelivery, WebhookEndpoint
from workflow.web.answers import Answer, Time, moment


class WebhookOut(Answer):
    """A webhook endpoint (the secret only in the answer that creates it)."""

    id: int
    url: str
    events: list[str]
    active: bool
    secret: str | None = None

    @classmethod
    def of(cls, e: WebhookEndpoint, *, with_secret: bool = False) -> WebhookOut:
        """An endpoint (its secret only when it is created)."""
        secret = {"secret": e.secret} if with_secret else {}  # left out of the answer, not shown as null
        return cls(id=e.id, url=e.url, events=e.events.split(), active=e.active, **secret)


class Webhooks(Answer):
    """Every webhook endpoint."""

    webhooks: list[WebhookOut]


class WebhookDeliveryOut(Answer):
    """One delivery of the webhook log."""

    id: int
    webhook_id: str
    event: str
    state: str
    attempts: int
    response_status: int | None
    last_error: str | None
    created_at: Time | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, row: WebhookDelivery) -> WebhookDeliveryOut:
        """One delivery of the log."""
        return cls(
            id=row.id,
            webhook_id=row.message_id,
            event=row.event,
            state=row.state,
            attempts=row.attempts,
            response_status=row.response_status,
            last_error=row.last_error,
            created_at=moment(row.created_at),
            payload=row.payload,
        )


class WebhookLog(Answer):
    """The delivery log of an endpoint."""

    deliveries: list[WebhookDeliveryOut]
