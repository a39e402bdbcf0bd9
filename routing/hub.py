"""The exchange hub: a directory of agencies, store and relay of their signed messages.

A congvan instance started with HUB_MODE keeps each registered agency's credentials and pinned
certificate. An agency hands a message to the hub for one recipient (send); the hub checks the
signature, stores the message, and pushes it to the recipient's instance if it gave a push URL,
with the same retries as any delivery; otherwise the recipient pulls it (getReceivedEdocList,
getEdoc) and acknowledges it (updateStatus). The instance side of pulling lives here too.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing import edxml, exchange, transport
from routing.models import HubMessage, HubOrgan
from signing import validation
from workflow import outbox
from workflow.errors import DomainError, Forbidden, Invalid, NotFound, Unauthenticated, Unprocessable
from workflow.runtime import Runtime


def register_organ(
    session: Session, organ_id: str, name: str, token: str, certificate: str, push_url: str = ""
) -> HubOrgan:
    """Add an agency to the hub's directory, or update its entry."""
    if not organ_id or not token or "BEGIN CERTIFICATE" not in certificate:
        raise Invalid("invalid_organ", "Cần mã định danh, khóa truy cập và chứng thư số của cơ quan.")
    validation.pem_sha256(certificate.encode())  # refuses what is not a certificate
    organ = session.scalar(select(HubOrgan).where(HubOrgan.organ_id == organ_id))
    if organ is None:
        organ = HubOrgan(organ_id=organ_id, name=name, token=token, certificate=certificate, push_url=push_url)
        session.add(organ)
    else:
        organ.name, organ.token, organ.certificate, organ.push_url = name, token, certificate, push_url
    session.flush()
    return organ


def authenticate(session: Session, organ_id: str, token: str) -> HubOrgan:
    """The registered agency behind a request's organ id and bearer token."""
    organ = session.scalar(select(HubOrgan).where(HubOrgan.organ_id == organ_id))
    if organ is None or not token or not hmac.compare_digest(organ.token.encode(), token.encode()):
        raise Unauthenticated("hub_unauthorized", "Cơ quan không xác thực được với trục liên thông.")
    return organ


def accept(session: Session, rt: Runtime, organ: HubOrgan, envelope: transport.Envelope) -> dict[str, Any]:
    """Take a message from an agency for one recipient: verify, store, push or keep for pulling."""
    if envelope.sender != organ.organ_id:
        raise Forbidden("hub_wrong_sender", "Mã cơ quan gửi khác cơ quan đã xác thực.")
    recipient = session.scalar(select(HubOrgan).where(HubOrgan.organ_id == envelope.recipient))
    if recipient is None:
        raise Unprocessable("hub_unknown_recipient", f"Cơ quan nhận {envelope.recipient} chưa đăng ký với trục.")
    same = session.scalar(
        select(HubMessage).where(
            HubMessage.message_id == envelope.message_id, HubMessage.to_organ == recipient.organ_id
        )
    )
    if same is not None:
        return {"message_id": envelope.message_id, "state": same.state, "duplicate": True}
    try:
        message = edxml.parse_message(envelope.body)
    except edxml.EdxmlError as exc:
        raise Invalid(exc.code, exc.message) from exc
    if message.sender.organ_id != organ.organ_id:
        raise Forbidden("hub_wrong_sender", "Cơ quan gửi trong gói tin khác cơ quan đã xác thực.")
    if isinstance(message, edxml.Package) and recipient.organ_id not in {r.organ_id for r in message.recipients}:
        raise Unprocessable("hub_not_addressee", "Cơ quan nhận không có trong nơi nhận của gói tin.")
    problem = exchange.signature_problem(rt, envelope, organ.certificate)
    if problem is not None:
        raise problem
    stored = HubMessage(
        message_id=envelope.message_id,
        kind="package" if isinstance(message, edxml.Package) else "status",
        from_organ=organ.organ_id,
        to_organ=recipient.organ_id,
        document_key=message.document_id,
        body_sha256=rt.store.put(envelope.body, ".xml"),
        signature=base64.b64encode(envelope.signature).decode("ascii"),
        next_attempt_at=dt.datetime.now(dt.UTC),
    )
    session.add(stored)
    session.flush()
    if recipient.push_url:
        outbox.add(session, "exchange", "routing.jobs.push_hub_message", hub_message_id=stored.id)
    return {"message_id": envelope.message_id, "state": stored.state, "duplicate": False}


def waiting(session: Session, organ: HubOrgan, limit: int = 100) -> list[HubMessage]:
    """Messages stored for an agency and not yet taken (getReceivedEdocList)."""
    query = select(HubMessage).where(HubMessage.to_organ == organ.organ_id, HubMessage.state == "pending")
    return list(session.scalars(query.order_by(HubMessage.id).limit(limit)))


def fetch(session: Session, organ: HubOrgan, hub_message_id: int, *, lock: bool = False) -> HubMessage:
    """One message stored for the agency (getEdoc)."""
    query = select(HubMessage).where(HubMessage.id == hub_message_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None or found.to_organ != organ.organ_id:
        raise NotFound("hub_message_not_found", "Không tìm thấy thông điệp.")
    return found


def ack(session: Session, organ: HubOrgan, hub_message_id: int, result: dict[str, Any]) -> HubMessage:
    """The recipient took the message (updateStatus); what its system said is kept."""
    found = fetch(session, organ, hub_message_id, lock=True)
    if found.state == "pending":
        found.state, found.done_at = "delivered", dt.datetime.now(dt.UTC)
        error = result.get("error")
        found.last_error = str(error)[:1000] if error else None
    return found


def envelope_of(rt: Runtime, message: HubMessage) -> transport.Envelope:
    """A stored message as it travels on."""
    return transport.Envelope(
        message.message_id,
        message.from_organ,
        message.to_organ,
        rt.store.get(message.body_sha256, ".xml"),
        base64.b64decode(message.signature),
    )


def push_attempt(rt: Runtime, hub_message_id: int) -> str:
    """One push of a stored message to its recipient's instance, with retries like any delivery."""
    with rt.readers() as session:
        message = session.get(HubMessage, hub_message_id)
        if message is None or message.state != "pending":
            return "done"
        recipient = session.scalar(select(HubOrgan).where(HubOrgan.organ_id == message.to_organ))
        if recipient is None or not recipient.push_url:
            return "pull"
        envelope = envelope_of(rt, message)
        url, token = recipient.push_url.rstrip("/") + transport.INBOX_PATH, recipient.token
    outcome = transport.post(url, token, envelope, float(rt.config["EXCHANGE_TIMEOUT"]))
    now = dt.datetime.now(dt.UTC)
    with rt.sessions() as session, session.begin():
        message = session.scalar(select(HubMessage).where(HubMessage.id == hub_message_id).with_for_update())
        if message is None or message.state != "pending":
            return "done"
        message.attempts += 1
        message.last_error = outcome.error
        if outcome.delivered:
            message.state, message.done_at = "delivered", now
        elif outcome.retry and message.attempts < int(rt.config["RETRY_MAX_ATTEMPTS"]):
            message.next_attempt_at = now + transport.retry_delay(rt.config, message.attempts)
        else:
            message.state, message.done_at = "failed", now
        return message.state


def due_pushes(session: Session, limit: int = 500) -> list[int]:
    """Stored messages for push recipients whose next attempt is due."""
    query = (
        select(HubMessage.id)
        .join(HubOrgan, HubOrgan.organ_id == HubMessage.to_organ)
        .where(
            HubMessage.state == "pending",
            HubOrgan.push_url != "",
            HubMessage.next_attempt_at <= dt.datetime.now(dt.UTC),
        )
    )
    return list(session.scalars(query.order_by(HubMessage.id).limit(limit)))


def directory(session: Session) -> list[dict[str, str]]:
    """Every registered agency with its certificate (what instances pin)."""
    organs = session.scalars(select(HubOrgan).order_by(HubOrgan.organ_id))
    return [{"organ_id": o.organ_id, "name": o.name, "certificate": o.certificate} for o in organs]


def message_json(message: HubMessage) -> dict[str, Any]:
    """A stored message as listed to its recipient."""
    return {
        "id": message.id,
        "message_id": message.message_id,
        "kind": message.kind,
        "from": message.from_organ,
        "document_key": message.document_key,
        "state": message.state,
        "created_at": message.created_at.isoformat(),
    }


# --- an instance talking to its hub -------------------------------------------------------------


def _hub(rt: Runtime) -> tuple[str, str, float]:
    return (
        str(rt.config["EXCHANGE_HUB_URL"]).rstrip("/"),
        str(rt.config["EXCHANGE_HUB_TOKEN"]),
        float(rt.config["EXCHANGE_TIMEOUT"]),
    )


def sync_directory(rt: Runtime) -> int:
    """Pin the certificates of the agencies registered at our hub (new agencies join our directory)."""
    url, token, timeout = _hub(rt)
    with rt.readers() as session:
        ours = exchange.self_agency(session).code
    entries = transport.get(url + "/hub/v1/directory", token, ours, timeout).json()["organs"]
    with rt.sessions() as session, session.begin():
        return _pin(session, ours, entries)


def _pin(session: Session, ours: str, entries: list[dict[str, str]]) -> int:
    changed = 0
    for entry in entries:
        peer = exchange.peer_of(session, entry["organ_id"])
        if entry["organ_id"] == ours or (peer is not None and peer.certificate == entry["certificate"]):
            continue
        # A direct route, where we have one, stays; the hub only supplies the certificate.
        exchange.add_peer(
            session,
            entry["organ_id"],
            entry["name"],
            entry["certificate"],
            peer.url if peer else "",
            peer.token if peer else "",
        )
        changed += 1
    return changed


def pull(rt: Runtime) -> int:
    """Fetch, take and acknowledge the messages waiting for us at the hub; returns how many were taken."""
    url, token, timeout = _hub(rt)
    with rt.readers() as session:
        ours = exchange.self_agency(session).code
    listing = transport.get(url + transport.HUB_PATH, token, ours, timeout).json()["messages"]
    taken = 0
    for item in listing:
        response = transport.get(f"{url}{transport.HUB_PATH}/{item['id']}", token, ours, timeout)
        result: dict[str, Any]
        try:
            envelope = transport.envelope_from(dict(response.headers), response.content)
            with rt.readers() as reader:
                checked = exchange.check(reader, rt, token, envelope)
            with rt.sessions() as session, session.begin():
                result = exchange.receive(session, rt, checked)
        except transport.EnvelopeError as exc:
            result = {"error": str(exc)}
        except DomainError as exc:
            # Refused for good (bad signature, malformed): acknowledged with the reason, never retried.
            result = {"error": f"{exc.code}: {exc.message}"}
        outbox.relay_quietly(rt)
        transport.ack(f"{url}{transport.HUB_PATH}/{item['id']}/ack", token, ours, result, timeout)
        taken += 1
    return taken
