"""Pruning: relayed outbox rows, the hub's delivered messages and the webhook log go; nothing pending does."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from congvan.cli import prune_all
from routing.models import HubMessage, WebhookDelivery, WebhookEndpoint
from tests.support.api import Api
from workflow.models import OutboxMessage


@pytest.mark.both_databases
def test_prune_keeps_what_is_pending_or_recent(app: Flask, api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")  # outbox rows written and relayed
    rt = app.extensions["congvan"]
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with rt.sessions() as session, session.begin():
        relayed = session.scalars(select(OutboxMessage.id).where(OutboxMessage.relayed_at.is_not(None))).all()
        assert len(relayed) >= 2
        old = relayed[: len(relayed) // 2]
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(old)).values(relayed_at=long_ago))
        session.add(OutboxMessage(queue="dispatch", func="routing.jobs.deliver", args={}, created_at=long_ago))
        endpoint = WebhookEndpoint(url="http://127.0.0.1:9/hook", secret="whsec_x", events="document.issued")
        session.add(endpoint)
        session.flush()
        for state, done in (("delivered", long_ago), ("delivered", None), ("failed", long_ago), ("pending", None)):
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id, message_id=f"msg_{state}_{done}", event="e", state=state, done_at=done
                )
            )
            session.add(
                HubMessage(
                    message_id=f"m-{state}-{done}",
                    kind="status",
                    from_organ="a",
                    to_organ="b",
                    document_key="k",
                    body_sha256="0" * 64,
                    state=state,
                    done_at=done,
                )
            )
    removed = prune_all()
    assert removed == {"outbox": len(old), "login_attempts": 0, "hub_messages": 1, "webhook_deliveries": 1}
    with rt.sessions() as session:
        assert (
            session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.relayed_at.is_(None)))
            == 1
        )
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 3  # recent, failed, pending
        assert session.scalar(select(func.count()).select_from(HubMessage)) == 3
    assert prune_all() == {"outbox": 0, "login_attempts": 0, "hub_messages": 0, "webhook_deliveries": 0}
