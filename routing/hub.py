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
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing import edxml, exchange, transport, vxp
from routing.models import HubAgency, HubMessage, HubOrgan, HubSystem
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


# --- the VXP protocol: systems speaking the national SDK ---------------------------------------


def add_system(session: Session, system_id: str, organ_id: str, name: str, secret: str) -> HubSystem:
    """Register a system (its SDK's system id and secret) for an agency, or change its entry."""
    if not system_id or not organ_id or len(secret) < 16:
        raise Invalid("invalid_system", "Cần mã hệ thống, mã định danh cơ quan và khóa bí mật (ít nhất 16 ký tự).")
    system = session.scalar(select(HubSystem).where(HubSystem.system_id == system_id))
    if system is None:
        system = HubSystem(system_id=system_id, organ_id=organ_id, name=name, secret=secret)
        session.add(system)
    else:
        system.organ_id, system.name, system.secret = organ_id, name, secret
    session.flush()
    return system


def system_secret(session: Session, system_id: str) -> str | None:
    """The secret of a registered system, to check its requests' signatures."""
    return session.scalar(select(HubSystem.secret).where(HubSystem.system_id == system_id))


def system_of(session: Session, signed: vxp.Signed) -> HubSystem:
    """The registered system behind a request whose signature checked."""
    system = session.scalar(select(HubSystem).where(HubSystem.system_id == signed.system_id))
    assert system is not None  # its secret verified the request
    return system


@dataclass(frozen=True)
class Sending:
    """A sendEdoc request read and checked (outside any write transaction): what to keep, for whom."""

    kind: str  # "package" or "status"
    sender: str
    recipients: list[str]
    document_key: str
    body: bytes


def vxp_check(session: Session, system: HubSystem, signed: vxp.Signed, raw: bytes) -> Sending:
    """sendEdoc, the reading: the file matches its signed hash, parses, comes from the system's own agency,
    and names only registered recipients (a package's `To`, or the request's `to`; a status's ResponseFor)."""
    body = vxp.body_of(raw)
    expected = signed.get("hash-file")
    if expected and expected.lower() != vxp.file_hash(body):
        raise vxp.VxpError("vxp_file_hash", "Tệp gửi không khớp với mã băm (hash-file) đã ký.")
    kind = signed.get("messagetype") or "edoc"
    if kind not in vxp.MESSAGE_TYPES:
        raise vxp.VxpError("vxp_message_type", f"Loại thông điệp không hợp lệ: {kind} (edoc hoặc status).")
    try:
        message = edxml.parse_message(body)
    except edxml.EdxmlError as exc:
        raise vxp.VxpError(exc.code, exc.message) from exc
    if (kind == "status") != isinstance(message, edxml.Status):
        raise vxp.VxpError("vxp_message_type", "Loại thông điệp khai báo khác nội dung gói tin.")
    if message.sender.organ_id != system.organ_id:
        raise vxp.VxpError(
            "vxp_wrong_sender", f"Cơ quan gửi trong gói tin khác cơ quan của hệ thống {system.system_id}."
        )
    recipients = _recipients(message, signed.get("to"))
    known = set(session.scalars(select(HubSystem.organ_id).where(HubSystem.organ_id.in_(recipients))))
    unknown = [organ for organ in recipients if organ not in known]
    if not recipients or unknown:
        raise vxp.VxpError("vxp_unknown_recipient", f"Cơ quan nhận chưa đăng ký với trục: {', '.join(unknown) or '—'}.")
    kept = "status" if kind == "status" else "package"
    return Sending(kept, system.organ_id, recipients, message.document_id[:160], body)


def vxp_keep(session: Session, rt: Runtime, sending: Sending) -> str:
    """sendEdoc, the writing: one item per recipient under one DocId (the file stored once); returns it."""
    doc_id = uuid.uuid4().hex
    digest = rt.store.put(sending.body, ".xml")
    for organ in sending.recipients:
        session.add(
            HubMessage(
                message_id=doc_id,
                kind=sending.kind,
                from_organ=sending.sender,
                to_organ=organ,
                document_key=sending.document_key,
                body_sha256=digest,
                signature="",
            )
        )
    return doc_id


def _recipients(message: edxml.Package | edxml.Status, to: str) -> list[str]:
    if isinstance(message, edxml.Status):
        return [message.response_for.organ_id] if message.response_for.organ_id else []
    named = [organ.organ_id for organ in message.recipients if organ.organ_id]
    if to:
        try:
            given = json.loads(to)
        except ValueError:
            given = to
        named = [str(x) for x in given] if isinstance(given, list) else [str(given)]
    return list(dict.fromkeys(named))


def vxp_received(session: Session, system: HubSystem, kind: str) -> list[dict[str, Any]]:
    """getReceivedEdocList: what waits for the system's agency, of one message type."""
    query = select(HubMessage).where(*_waiting_for(system, kind))
    return [
        {
            "docId": m.message_id,
            "serviceType": "eDoc",
            "messageType": "status" if m.kind == "status" else "edoc",
            "from": m.from_organ,
            "to": m.to_organ,
            "status": "initial",
            "status_desc": "Chờ nhận",
            "created_time": m.created_at.strftime(edxml.MOMENT),
            "updated_time": m.created_at.strftime(edxml.MOMENT),
        }
        for m in session.scalars(query.order_by(HubMessage.id).limit(500))
    ]


def _waiting_for(system: HubSystem, kind: str) -> tuple[Any, ...]:
    """The items kept for the system's agency and not yet taken, of one message type (edoc or status)."""
    stored = "status" if kind == "status" else "package"
    return (HubMessage.to_organ == system.organ_id, HubMessage.state == "pending", HubMessage.kind == stored)


def _item(session: Session, system: HubSystem, doc_id: str, *, lock: bool = False) -> HubMessage:
    query = select(HubMessage).where(HubMessage.message_id == doc_id, HubMessage.to_organ == system.organ_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise vxp.VxpError("vxp_not_found", "Không tìm thấy văn bản với mã này cho hệ thống.", 404)
    return found


def vxp_get(session: Session, rt: Runtime, system: HubSystem, doc_id: str) -> bytes:
    """getEdoc: one item kept for the system's agency, as the package bytes."""
    return rt.store.get(_item(session, system, doc_id).body_sha256, ".xml")


def vxp_update(session: Session, system: HubSystem, doc_id: str, status: str) -> None:
    """updateStatus: `done` takes the item off the list, `fail` too (the reason kept), `processing` keeps it."""
    if status not in vxp.STATUSES:
        raise vxp.VxpError("vxp_status", f"Trạng thái không hợp lệ: {status} (done, fail, processing).")
    item = _item(session, system, doc_id, lock=True)
    if item.state == "pending" and status != "processing":
        item.state = "delivered" if status == "done" else "failed"
        item.done_at = dt.datetime.now(dt.UTC)
        item.last_error = None if status == "done" else "Hệ thống nhận báo không xử lý được (fail)."


def vxp_count(session: Session, system: HubSystem, kind: str) -> int:
    """countReceiveEdoc / countReceiveStatus."""
    return int(session.scalar(select(func.count()).where(*_waiting_for(system, kind))) or 0)


def vxp_agencies(session: Session) -> list[dict[str, Any]]:
    """getAgenciesList: every agency the hub knows, by its organ id."""
    seen: dict[str, dict[str, Any]] = {}
    for system in session.scalars(select(HubSystem).order_by(HubSystem.organ_id)):
        seen.setdefault(system.organ_id, {"name": system.name, "pid": "", "mail": ""})
    for organ in session.scalars(select(HubOrgan).order_by(HubOrgan.organ_id)):
        seen.setdefault(organ.organ_id, {"name": organ.name, "pid": "", "mail": ""})
    for agency in session.scalars(select(HubAgency).order_by(HubAgency.code)):
        seen.setdefault(agency.code, {"name": agency.name, "pid": agency.parent_code, "mail": agency.mail})
    return [{"id": code, "code": code, "oldCode": ""} | entry for code, entry in seen.items()]


def vxp_register_agency(session: Session, system: HubSystem, body: Any) -> HubAgency:
    """registerAgency: a system adds an agency to the directory (its own organ, or under it), or changes it."""
    if not isinstance(body, dict) or not str(body.get("code") or "").strip() or not str(body.get("name") or "").strip():
        raise vxp.VxpError("vxp_bad_agency", "Cần mã (code) và tên (name) của cơ quan.")
    code = str(body["code"]).strip()[:32]
    parent = str(body.get("pcode") or body.get("pid") or "").strip()[:32]
    if system.organ_id not in (code, parent):
        raise vxp.VxpError("vxp_not_yours", "Hệ thống chỉ đăng ký cơ quan của mình hoặc đơn vị trực thuộc.", 403)
    agency = session.scalar(select(HubAgency).where(HubAgency.code == code))
    if agency is not None and agency.registered_by != system.system_id:
        raise vxp.VxpError("vxp_not_yours", "Cơ quan này do hệ thống khác đăng ký.", 403)
    if agency is None:
        agency = HubAgency(code=code, registered_by=system.system_id)
        session.add(agency)
    agency.parent_code, agency.name = parent, str(body["name"]).strip()[:255]
    agency.mail = str(body.get("mail") or "").strip()[:255]
    return agency


def vxp_delete_agency(session: Session, system: HubSystem, code: str) -> None:
    """deleteAgency: a system takes an agency it registered out of the directory."""
    agency = session.scalar(select(HubAgency).where(HubAgency.code == code))
    if agency is None or agency.registered_by != system.system_id:
        raise vxp.VxpError("vxp_not_found", "Không có cơ quan này do hệ thống đăng ký.", 404)
    session.delete(agency)


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
