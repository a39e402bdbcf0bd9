"""The exchange hub: a provincial axis run on congvan, speaking the national exchange's protocol (VXP).

A congvan instance started with HUB_MODE serves the SDK's operations (routing.views.vxp_bp) to the systems
registered with a system id and secret (`congvan hub add-system`): each request is authenticated as the SDK
signs it; a package is kept for every organ it names (`To`), a status package for its ResponseFor/OrganId;
each item waits until its recipient's system answers `updateStatus done` (or `fail`). iOffice-class clients
and congvan agencies use it the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing import edxml, vxp
from routing.models import HubAgency, HubMessage, HubSystem
from workflow.errors import Invalid
from workflow.runtime import Runtime


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
    body_sha256: str  # the file, already in the store


def vxp_check(session: Session, rt: Runtime, system: HubSystem, signed: vxp.Signed, raw: bytes) -> Sending:
    """sendEdoc, the reading: the file matches its signed hash, parses, comes from the system's own agency,
    and names only registered recipients (a package's `To`, or the request's `to`; a status's ResponseFor);
    then it is put in the file store, still before any write transaction."""
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
    return Sending(kept, system.organ_id, recipients, message.document_id[:160], rt.store.put(body, ".xml"))


def vxp_keep(session: Session, sending: Sending) -> str:
    """sendEdoc, the writing: one item per recipient under one DocId (the file stored once); returns it."""
    doc_id = uuid.uuid4().hex
    for organ in sending.recipients:
        session.add(
            HubMessage(
                message_id=doc_id,
                kind=sending.kind,
                from_organ=sending.sender,
                to_organ=organ,
                document_key=sending.document_key,
                body_sha256=sending.body_sha256,
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
