"""Background jobs of routing: they take ids and are idempotent."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from routing.deliveries import service as services
from routing.exchange import directory, inbound, outbound
from routing.incoming import chasing, registration
from routing.models import Delivery, HubMessage, WebhookDelivery
from routing.records import service as records
from routing.states import Transport
from routing.webhooks import service as webhooks
from workflow import db, outbox, runtime


def deliver(delivery_id: int) -> bool:
    """Deliver one internal delivery to its unit's inbox (status 01)."""
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        return services.mark_arrived(session, delivery_id)


def read_scan(incoming_id: int) -> str:
    """Read the words of a registered scan for search (Tesseract, bounded in pages and time)."""
    return registration.read_scan(runtime.current(), incoming_id)


def file_issued(document_id: int, case_file_id: int) -> bool:
    """Put an issued document in the case file its drafter chose (once)."""
    return records.file_issued(runtime.current(), document_id, case_file_id)


def incoming_digest() -> int:
    """Each person's daily digest of incoming documents due soon or overdue (once a day)."""
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        told = chasing.digest(session, rt)
    outbox.relay_quietly(rt)  # the e-mails
    return told


def send_document(document_id: int) -> int:
    """Package an issued document once and send it to each recipient agency that has not had it."""
    rt = runtime.current()
    packaged = outbound.make_package(rt, document_id)  # built, signed and stored before the write
    if packaged is None:
        return 0
    with rt.sessions() as session, session.begin():
        message_ids = outbound.send_document(session, document_id, packaged)
    # Side by side, so one slow or unreachable agency does not hold up the others; what fails here
    # is retried by the reconciler with backoff, like any message.
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(message_ids)))) as pool:
        list(pool.map(lambda message_id: outbound.attempt(rt, message_id, leased=True), message_ids))
    outbox.relay_quietly(rt)
    return len(message_ids)


def send_message(message_id: int) -> str:
    """One attempt to deliver an outgoing edXML message (the reconciler re-enqueues it when due)."""
    rt = runtime.current()
    result = outbound.attempt(rt, message_id)
    outbox.relay_quietly(rt)  # a failure may have queued webhooks
    return result


def post_webhook(delivery_id: int) -> str:
    """One attempt to post a webhook delivery."""
    return webhooks.attempt(runtime.current(), delivery_id)


def pull_vxp() -> int:
    """Take the packages and statuses waiting for us at the national exchange."""
    return inbound.pull(runtime.current())


def sync_agencies() -> int:
    """Bring the national exchange's list of agencies into our directory; returns how many were added."""
    return directory.sync_agencies(runtime.current()).added


def reconcile() -> dict[str, int]:
    """Re-enqueue what the database says is due: stuck internal deliveries, unsent packages, retries."""
    rt = runtime.current()
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=rt.settings.reconcile_after_seconds)
    with rt.readers() as session:
        internal = list(
            session.scalars(
                select(Delivery.id).where(
                    Delivery.channel == "internal",
                    Delivery.transport == Transport.PENDING,
                    Delivery.created_at < cutoff,
                )
            )
        )
        unpackaged = list(
            session.scalars(
                select(Delivery.document_id)
                .where(
                    Delivery.kind == "agency",
                    Delivery.transport == Transport.PENDING,
                    Delivery.exchange_id.is_(None),
                    Delivery.created_at < cutoff,
                )
                .distinct()
            )
        )
        messages = outbound.due_messages(session)
        hooks = webhooks.due(session)
    for delivery_id in internal:
        outbox.enqueue(rt, outbox.DELIVER, {"delivery_id": delivery_id})
    for document_id in unpackaged:
        outbox.enqueue(rt, outbox.SEND_DOCUMENT, {"document_id": document_id})
    for message_id in messages:
        outbox.enqueue(rt, outbox.SEND_MESSAGE, {"message_id": message_id})
    for delivery_id in hooks:
        outbox.enqueue(rt, outbox.POST_WEBHOOK, {"delivery_id": delivery_id})
    pulled = 0
    if rt.settings.vxp_url and rt.settings.exchange_pull and not rt.settings.hub_mode:
        outbox.enqueue(rt, outbox.PULL_VXP, {})
        pulled = 1
    return {
        "deliveries": len(internal),
        "packages": len(unpackaged),
        "messages": len(messages),
        "webhooks": len(hooks),
        "pulls": pulled,
    }


def prune() -> dict[str, int]:
    """Delete the hub's delivered messages and the delivered webhook log older than LOG_KEEP_DAYS."""
    rt = runtime.current()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=rt.settings.log_keep_days)
    return {
        "hub_messages": db.prune(rt.sessions, HubMessage, HubMessage.state == "delivered", HubMessage.done_at < before),
        "webhook_deliveries": db.prune(
            rt.sessions, WebhookDelivery, WebhookDelivery.state == "delivered", WebhookDelivery.done_at < before
        ),
    }
