"""Webhooks: signed as Standard Webhooks say (checked with the reference library), retried with
backoff up to a cap, logged, replayable."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from routing import jobs
from routing.models import WebhookDelivery
from tests.support import processes
from tests.support.api import Api


@dataclass
class Receiver:
    """Another system of the agency: records what it gets, answers with the statuses it is told to."""

    answers: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        self.received.append((headers, body))
        status = self.answers.pop(0) if self.answers else 204
        start_response(f"{status} X", [("Content-Length", "0")])
        return [b""]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    port = processes.free_port()
    app = Receiver()
    with processes.serve_in_thread(app, port):
        yield app, f"http://127.0.0.1:{port}/hooks"


def _subscribe(api: Api, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = api.as_("admin", "POST", "/api/v1/webhooks", json={"url": url, **({"events": events} if events else {})})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_events_are_signed_the_standard_webhooks_way(api: Api, receiver: tuple[Receiver, str]) -> None:
    hooks, url = receiver
    endpoint = _subscribe(api, url)
    assert endpoint["secret"].startswith("whsec_")
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    types = []
    verifier = Webhook(endpoint["secret"])
    for headers, body in hooks.received:
        payload = verifier.verify(body, headers)  # raises if the signature or timestamp is wrong
        types.append(payload["type"])
        assert headers["webhook-id"].startswith("msg_")
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert "document.issued" in types
    issued = next(json.loads(b) for _, b in hooks.received if json.loads(b)["type"] == "document.issued")
    assert issued["data"]["symbol"] == "01/STNMT-VP" and issued["data"]["document_id"] == doc["id"]
    # Listing never shows the secret again.
    listed = api.as_("admin", "GET", "/api/v1/webhooks").get_json()["webhooks"]
    assert listed == [{"id": endpoint["id"], "url": url, "events": endpoint["events"], "active": True}]
    # A tampered body does not verify.
    headers, body = hooks.received[0]
    with pytest.raises(Exception, match="No matching signature"):
        verifier.verify(body.replace(b"0", b"1", 1), headers)


def test_status_changes_reach_the_webhook(api: Api, receiver: tuple[Receiver, str]) -> None:
    hooks, url = receiver
    _subscribe(api, url, ["delivery.status_changed"])
    doc = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    inbox = api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()["deliveries"]
    delivery = next(d for d in inbox if d["document_id"] == doc["id"])
    response = api.as_("chuyenvien_dd", "POST", f"/api/v1/deliveries/{delivery['id']}/status", json={"status": "03"})
    assert response.status_code == 200
    statuses = [json.loads(b)["data"]["status"] for _, b in hooks.received]
    assert statuses == ["01", "03"]


def _make_due(app: Flask) -> None:
    with app.extensions["congvan"].sessions() as session, session.begin():
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.state == "pending")
            .values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )


def test_retries_with_backoff_then_failed_then_replay(app: Flask, api: Api, receiver: tuple[Receiver, str]) -> None:
    hooks, url = receiver
    endpoint = _subscribe(api, url, ["document.issued"])
    hooks.answers = [500, 503]
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    log = api.as_("admin", "GET", f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["deliveries"]
    assert log[0]["state"] == "pending" and log[0]["attempts"] == 1 and log[0]["response_status"] == 500
    # Not due yet: the reconciler leaves it alone.
    assert jobs.reconcile()["webhooks"] == 0
    _make_due(app)
    assert jobs.reconcile()["webhooks"] == 1  # inline mode: posted at once, answered 503
    _make_due(app)
    jobs.reconcile()  # third attempt: 204
    log = api.as_("admin", "GET", f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["deliveries"]
    assert log[0]["state"] == "delivered" and log[0]["attempts"] == 3 and log[0]["response_status"] == 204
    assert len({h["webhook-id"] for h, _ in hooks.received}) == 1  # the same id on every retry

    # An endpoint that keeps failing ends failed after the configured number of attempts.
    hooks.answers = [500] * 50
    second = api.draft(summary="văn bản thứ hai")
    api.advance(second["id"], "dispatched")
    for _ in range(app.extensions["congvan"].settings.retry_max_attempts):
        _make_due(app)
        jobs.reconcile()
    log = api.as_("admin", "GET", f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["deliveries"]
    failed = log[0]
    assert failed["state"] == "failed" and failed["attempts"] == app.extensions["congvan"].settings.retry_max_attempts

    # Replay: a new delivery of the same event with the same webhook-id.
    hooks.answers = []
    response = api.as_("admin", "POST", f"/api/v1/webhook-deliveries/{failed['id']}/replay")
    assert response.status_code == 202
    replayed = response.get_json()
    assert replayed["webhook_id"] == failed["webhook_id"]
    log = api.as_("admin", "GET", f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()["deliveries"]
    assert log[0]["id"] == replayed["id"] and log[0]["state"] == "delivered"
    assert hooks.received[-1][0]["webhook-id"] == failed["webhook_id"]


def test_only_admins_configure_webhooks(api: Api) -> None:
    response = api.as_("vanthu", "POST", "/api/v1/webhooks", json={"url": "http://127.0.0.1:1/x"})
    assert response.status_code == 403
    response = api.as_("admin", "POST", "/api/v1/webhooks", json={"url": "ftp://x"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_url"
    response = api.as_("admin", "POST", "/api/v1/webhooks", json={"url": "http://127.0.0.1:1/x", "events": ["x"]})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_events"
    assert api.as_("admin", "POST", "/api/v1/webhook-deliveries/999/replay").status_code == 404
