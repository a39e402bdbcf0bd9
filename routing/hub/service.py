"""The exchange hub: a provincial axis run on congvan, speaking the national exchange's protocol (VXP).

A congvan instance started with HUB_MODE serves the SDK's operations (routing.views.vxp_bp) to the systems
registered with a system id and secret (`congvan hub add-system`): each request is authenticated as the SDK
signs it; a package is kept for every organ it names (`To`), a status package for its ResponseFor/OrganId;
each item waits until its recipient's system answers `updateStatus done` (or `fail`). iOffice-class clients
and congvan agencies use it the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from routing.exchange import edxml, edxml_read, vxp
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
    """sendEdoc, the reading: the file is the one whose hash was signed, its envelope parses (its files are
    counted, never unpacked: the hub routes by the envelope), it comes from the system's own agency under a
    DocumentId of its own, and it names only registered recipients (a package's `To`, or the request's `to`; a
    status's ResponseFor); then it is put in the file store, still before any write transaction."""
    body = vxp.body_of(raw)
    if signed.get("hash-file").lower() != vxp.file_hash(body):
        raise vxp.VxpError("vxp_file_hash", "Tệp gửi không khớp với mã băm (hash-file) đã ký.")
    kind = signed.get("messagetype")
    if kind not in vxp.MESSAGE_TYPES:
        raise vxp.VxpError("vxp_message_type", f"Loại thông điệp không hợp lệ: {kind} (edoc hoặc status).")
    try:
        envelope = edxml_read.parse_envelope(body)
    except edxml_read.EdxmlError as exc:
        raise vxp.VxpError(exc.code, exc.message) from exc
    if (kind == "status") != envelope.is_status:
        raise vxp.VxpError("vxp_message_type", "Loại thông điệp khai báo khác nội dung gói tin.")
    if envelope.sender != system.organ_id:
        raise vxp.VxpError(
            "vxp_wrong_sender", f"Cơ quan gửi trong gói tin khác cơ quan của hệ thống {system.system_id}."
        )
    owner = edxml.document_organ(envelope.document_id)
    if not envelope.is_status and owner is not None and owner != system.organ_id:
        # A composite DocumentId names the organ that issued the document: another's would pre-empt its own.
        raise vxp.VxpError(
            "vxp_foreign_document_id",
            f"Mã định danh văn bản {envelope.document_id} thuộc cơ quan {owner}, không phải cơ quan gửi.",
        )
    limit = rt.settings.exchange_max_attachments
    if envelope.files > limit:
        raise vxp.VxpError(
            "edxml_too_many_files", f"Gói tin có {envelope.files} tệp đính kèm, quá số cho phép ({limit})."
        )
    recipients = _recipients(envelope, signed.get("to"))
    known = set(session.scalars(select(HubSystem.organ_id).where(HubSystem.organ_id.in_(recipients))))
    unknown = [organ for organ in recipients if organ not in known]
    if not recipients or unknown:
        raise vxp.VxpError("vxp_unknown_recipient", f"Cơ quan nhận chưa đăng ký với trục: {', '.join(unknown) or '—'}.")
    kept = "status" if kind == "status" else "package"
    return Sending(kept, system.organ_id, recipients, envelope.document_id[:160], rt.store.put(body, ".xml"))


def vxp_keep(session: Session, sending: Sending) -> str:
    """sendEdoc, the writing: one item per recipient under one DocId (the file stored once); returns it. The same
    file sent again by the same agency (a replayed or retried request) is answered with the first DocId, an item
    added only for a recipient it did not name before."""
    try:
        with session.begin_nested():
            doc_id = _keep(session, sending)
    except IntegrityError:  # the same file kept at this moment by a concurrent request
        with session.begin_nested():
            doc_id = _keep(session, sending)
    return doc_id


def _keep(session: Session, sending: Sending) -> str:
    keys = {_sent_key(sending, organ): organ for organ in sending.recipients}
    earlier = session.execute(
        select(HubMessage.sent_key, HubMessage.message_id).where(HubMessage.sent_key.in_(list(keys)))
    ).all()
    doc_id = earlier[0].message_id if earlier else uuid.uuid4().hex
    kept = {row.sent_key for row in earlier}
    for key, organ in keys.items():
        if key not in kept:
            session.add(
                HubMessage(
                    message_id=doc_id,
                    kind=sending.kind,
                    from_organ=sending.sender,
                    to_organ=organ,
                    document_key=sending.document_key,
                    body_sha256=sending.body_sha256,
                    sent_key=key,
                )
            )
    session.flush()
    return doc_id


def _sent_key(sending: Sending, organ: str) -> str:
    """One file from one agency to one recipient, once: unique among the hub's items."""
    return hashlib.sha256(f"{sending.sender}\n{organ}\n{sending.body_sha256}".encode()).hexdigest()


def _recipients(envelope: edxml_read.Envelope, to: str) -> list[str]:
    if envelope.is_status:
        return list(envelope.recipients)
    named = list(envelope.recipients)
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
    """getEdoc: one item waiting for the system's agency, as the package bytes; one already taken (done) or
    refused (fail) is not served again (a replayed request gets nothing)."""
    item = _item(session, system, doc_id)
    if item.state != "pending":
        raise vxp.VxpError(
            "vxp_already_taken",
            "Văn bản này đã được hệ thống nhận xử lý xong (done hoặc fail) nên không lấy lại được.",
            409,
        )
    return rt.store.get(item.body_sha256, ".xml")


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


def vxp_register_agency(session: Session, system: HubSystem, signed: vxp.Signed, raw: bytes) -> HubAgency:
    """registerAgency: a system adds its own agency's entry, or one of a unit under it, to the directory, or
    changes one it registered; the body is the one whose hash was signed (the SDK sends it unsigned: such a call
    is refused, and the hub's operator registers the agency instead)."""
    if signed.get("hash-file").lower() != vxp.file_hash(raw):
        raise vxp.VxpError("vxp_file_hash", "Nội dung gửi không khớp với mã băm (hash-file) đã ký.")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not str(body.get("code") or "").strip() or not str(body.get("name") or "").strip():
        raise vxp.VxpError("vxp_bad_agency", "Cần mã (code) và tên (name) của cơ quan.")
    code = str(body["code"]).strip()[:32]
    parent = str(body.get("pcode") or body.get("pid") or "").strip()[:32]
    if code != system.organ_id and not organ_under(code, system.organ_id):
        raise vxp.VxpError(
            "vxp_not_yours",
            f"Hệ thống chỉ đăng ký cơ quan của mình ({system.organ_id}) hoặc đơn vị trực thuộc (mã dưới mã đó).",
            403,
        )
    if parent and parent != system.organ_id and not organ_under(parent, system.organ_id):
        raise vxp.VxpError("vxp_not_yours", "Đơn vị cấp trên phải là cơ quan của hệ thống hoặc đơn vị trực thuộc.", 403)
    other_system = session.scalar(
        select(HubSystem.system_id).where(HubSystem.organ_id == code, HubSystem.system_id != system.system_id)
    )
    agency = session.scalar(select(HubAgency).where(HubAgency.code == code))
    if other_system is not None or (agency is not None and agency.registered_by != system.system_id):
        raise vxp.VxpError("vxp_not_yours", "Cơ quan này do hệ thống khác đăng ký.", 403)
    if agency is None:
        agency = HubAgency(code=code, registered_by=system.system_id)
        session.add(agency)
    agency.parent_code, agency.name = parent, str(body["name"]).strip()[:255]
    agency.mail = str(body.get("mail") or "").strip()[:255]
    return agency


_ORGAN_CODE = re.compile(r"(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})")


def organ_under(code: str, organ: str) -> bool:
    """Whether `code` is a unit under `organ` in the national organ codes (Decision 20/2020/QĐ-TTg,
    `A.B.C.D` from the lowest level to the highest, zeros where a level is not used): every level the organ
    fills is the same, and the code fills one more."""
    unit, above = _ORGAN_CODE.fullmatch(code), _ORGAN_CODE.fullmatch(organ)
    if unit is None or above is None or code == organ:
        return False
    # From the highest level (D) down: the organ's filled levels are the unit's; the rest the unit may fill.
    for mine, its in zip(reversed(unit.groups()), reversed(above.groups()), strict=True):
        if int(its.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0) and mine != its:
            return False
    return True


def vxp_delete_agency(session: Session, system: HubSystem, code: str) -> None:
    """deleteAgency: a system takes an agency it registered out of the directory."""
    agency = session.scalar(select(HubAgency).where(HubAgency.code == code))
    if agency is None or agency.registered_by != system.system_id:
        raise vxp.VxpError("vxp_not_found", "Không có cơ quan này do hệ thống đăng ký.", 404)
    session.delete(agency)
