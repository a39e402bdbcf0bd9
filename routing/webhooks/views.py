"""JSON API of webhooks: endpoints, their delivery log, replays."""

from __future__ import annotations

from flask import Blueprint

from routing.webhooks import answers, schemas
from routing.webhooks import service as webhooks
from workflow.web.context import Answered, commit, db, ok, path_id, person
from workflow.web.openapi import described

bp = Blueprint("webhooks_api", __name__, url_prefix="/api/v1")


@bp.get("/webhooks")
@described(answers={200: answers.Webhooks})
def webhook_list() -> Answered:
    """Webhook endpoints (admin)."""
    return ok(answers.Webhooks(webhooks=[answers.WebhookOut.of(e) for e in webhooks.endpoints(db(), person())]))


@bp.post("/webhooks")
@described(body=schemas.WebhookIn, answers={201: answers.WebhookOut})
def webhook_create(body: schemas.WebhookIn) -> Answered:
    """Subscribe a URL to events; the answer holds the signing secret, shown only now."""
    endpoint = webhooks.create_endpoint(db(), person(), body.url, body.events)
    commit()
    return ok(answers.WebhookOut.of(endpoint, with_secret=True), 201)


@bp.get("/webhooks/<endpoint_id>/deliveries")
@described(answers={200: answers.WebhookLog})
def webhook_log(endpoint_id: str) -> Answered:
    """The delivery log of an endpoint."""
    rows = webhooks.log(db(), person(), path_id(endpoint_id))
    return ok(answers.WebhookLog(deliveries=[answers.WebhookDeliveryOut.of(r) for r in rows]))


@bp.post("/webhook-deliveries/<delivery_id>/replay")
@described(answers={202: answers.WebhookDeliveryOut})
def webhook_replay(delivery_id: str) -> Answered:
    """Send a logged event again (same webhook-id)."""
    row = webhooks.replay(db(), person(), path_id(delivery_id))
    commit()
    return ok(answers.WebhookDeliveryOut.of(row), 202)
