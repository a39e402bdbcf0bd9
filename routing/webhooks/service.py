"""Webhooks for the agency's other systems, signed the Standard Webhooks way.

Each event becomes one delivery row per subscribed endpoint in the transaction that caused it;
a job posts it with the headers webhook-id, webhook-timestamp and webhook-signature
(`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`), retried with backoff and a cap. The
rows are the delivery log; a delivery can be replayed (same webhook-id, so receivers dedupe).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing import retry
from routing.models import WebhookDelivery, WebhookEndpoint
from workflow import outbox
from workflow.errors import Forbidden, Invalid, NotFound
from workflow.models import Person
from workflow.runtime import Runtime
from workflow.web.answers import Answer, moment

EVENTS = ("document.issued", "delivery.status_changed", "incoming.received")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header value for a body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def _admin(actor: Person) -> None:
    # Webhooks serve this installation's own agency: an admin of a unit of another agency has no say.
    if not actor.has_role("admin") or not actor.unit.agency.is_self:
        raise Forbidden("forbidden", "Chỉ quản trị viên được cấu hình webhook.")


def create_endpoint(session: Session, actor: Person, url: Any, events: Any) -> WebhookEndpoint:
    """Subscribe a URL to events; the secret is made here and shown once."""
    _admin(actor)
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("invalid_url", "Địa chỉ webhook phải là URL http(s) đầy đủ.", field="url")
    chosen = list(events) if isinstance(events, list) else list(EVENTS)
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown or not chosen:
        raise Invalid("invalid_events", f"Sự kiện không hợp lệ; chọn trong: {', '.join(EVENTS)}.", field="events")
    endpoint = WebhookEndpoint(
        url=str(url), secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(), events=" ".join(chosen)
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoints(session: Session, actor: Person) -> list[WebhookEndpoint]:
    """Every endpoint (admin only)."""
    _admin(actor)
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def log(session: Session, actor: Person, endpoint_id: int) -> list[WebhookDelivery]:
    """An endpoint's delivery log, newest first (admin only)."""
    _admin(actor)
    if session.get(WebhookEndpoint, endpoint_id) is None:
        raise NotFound("webhook_not_found", "Không tìm thấy webhook.")
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(500)))


def emit(session: Session, event: str, data: Answer) -> int:
    """Record an event for every endpoint subscribed to it, to be posted after commit."""
    payload = {"type": event, "timestamp": moment(dt.datetime.now(dt.UTC)), "data": data.model_dump(mode="json")}
    count = 0
    for endpoint in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))):
        if event in endpoint.events.split():
            _queue(session, endpoint.id, "msg_" + uuid.uuid4().hex, event, payload)
            count += 1
    return count


def _queue(session: Session, endpoint_id: int, message_id: str, event: str, payload: dict[str, Any]) -> WebhookDelivery:
    row = WebhookDelivery(
        endpoint_id=endpoint_id,
        message_id=message_id,
        event=event,
        payload=payload,
        next_attempt_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    outbox.add(session, outbox.POST_WEBHOOK, delivery_id=row.id)
    return row


def replay(session: Session, actor: Person, delivery_id: int) -> WebhookDelivery:
    """Send a logged event again as a new delivery with the same webhook-id."""
    _admin(actor)
    old = session.get(WebhookDelivery, delivery_id)
    if old is None:
        raise NotFound("webhook_delivery_not_found", "Không tìm thấy lần gửi webhook.")
    return _queue(session, old.endpoint_id, old.message_id, old.event, old.payload)


def attempt(rt: Runtime, delivery_id: int) -> str:
    """Post one webhook delivery once; record delivered, retry later, or failed after the last attempt."""
    with rt.readers() as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None or row.state != "pending":
            return "done"
        url, secret, message_id = row.endpoint.url, row.endpoint.secret, row.message_id
        body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
    status: int | None = None
    try:
        response = requests.post(url, data=body, headers=headers, timeout=rt.settings.exchange_timeout)
        status = response.status_code
        error = None if response.ok else f"HTTP {status}"
    except requests.RequestException as exc:
        error = f"Không kết nối được: {type(exc).__name__}"
    now = dt.datetime.now(dt.UTC)
    with rt.sessions() as session, session.begin():
        row = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update())
        if row is None or row.state != "pending":
            return "done"
        row.attempts += 1
        row.response_status, row.last_error = status, error
        if error is None:
            row.state, row.done_at = "delivered", now
        elif row.attempts >= rt.settings.retry_max_attempts:
            row.state, row.done_at = "failed", now
        else:
            row.next_attempt_at = now + retry.delay(rt.settings, row.attempts)
        return str(row.state)


def due(session: Session, limit: int = 500) -> list[int]:
    """Pending webhook deliveries whose next attempt is due."""
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= dt.datetime.now(dt.UTC)
    )
    return list(session.scalars(query.order_by(WebhookDelivery.id).limit(limit)))
