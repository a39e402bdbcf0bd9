"""The certificate of issuance: one signed PDF that proves what was issued, by whom, and who received it."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from routing.deliveries.statuses import LABELS
from routing.models import Delivery, DeliveryEvent
from routing.states import Transport
from signing import issuance as signing_issuance
from signing import pdf as signing_pdf
from signing.errors import SigningError
from workflow import access, catalog
from workflow.documents.drafting import events_of
from workflow.documents.service import check_signatures, get_document
from workflow.errors import Conflict, Unprocessable
from workflow.issuance import printouts
from workflow.models import Person
from workflow.runtime import Runtime
from workflow.states import ACTION_LABELS, AFTER_ISSUANCE, EVENT_LABELS, STATE_LABELS


def certificate(session: Session, rt: Runtime, actor: Person, document_id: int) -> tuple[bytes, str]:
    """The certificate of an issued document as of now, signed by the agency, with its file name."""
    document = get_document(session, actor, document_id, need=access.WORK)
    if document.state not in AFTER_ISSUANCE or document.symbol is None or document.issued_at is None:
        raise Conflict("not_issued", "Chỉ văn bản đã phát hành mới có giấy chứng nhận phát hành.", state=document.state)
    issued = document.current_version
    report = check_signatures(rt, document)

    signatures = [
        (
            check.signer,
            f"{check.certificate.get('subject', '')}\nCấp bởi: {check.certificate.get('issuer', '')}\n"
            f"Số hiệu: {check.certificate.get('serial', '')}",
            f"{check.certificate.get('not_before', '')[:10]} – {check.certificate.get('not_after', '')[:10]}",
            _when(_parsed(check.timestamp or check.signing_time), rt)
            + (" (dấu thời gian TSA)" if check.timestamp else ""),
        )
        for check in report.signatures
    ]
    events = []
    for event in events_of(session, actor, document.id):
        what = ACTION_LABELS.get(event.action) or EVENT_LABELS.get(event.action)
        if what is None and event.action.startswith("receipt_"):
            what = f"nơi nhận cập nhật: {LABELS.get(event.action.removeprefix('receipt_'), event.action)}"
        if event.to_state and event.to_state != event.from_state:
            what = f"{what or event.action} → {STATE_LABELS.get(event.to_state, event.to_state)}"
        who = event.actor.full_name if event.actor else "Hệ thống"
        events.append((_when(event.created_at, rt), who, (what or event.action).capitalize()))
    deliveries = session.scalars(
        select(Delivery)
        .where(Delivery.document_id == document.id)
        .options(joinedload(Delivery.unit), joinedload(Delivery.agency))
        .order_by(Delivery.id)
    ).all()
    history: dict[int, list[DeliveryEvent]] = {}
    of_deliveries = DeliveryEvent.delivery_id.in_([d.id for d in deliveries])
    for row in session.scalars(select(DeliveryEvent).where(of_deliveries).order_by(DeliveryEvent.id)):
        history.setdefault(row.delivery_id, []).append(row)
    recipients = []
    for delivery in deliveries:
        name = delivery.unit.name if delivery.unit else delivery.agency.name if delivery.agency else delivery.label
        lines = [
            f"{e.code} {LABELS.get(e.code, e.code)} — {_when(e.remote_at or e.created_at, rt)}"
            + (f" ({e.reason})" if e.reason else "")
            for e in history.get(delivery.id, [])
        ]
        if delivery.transport != Transport.DELIVERED and not lines:
            lines = [
                "Chưa đến" if delivery.transport == Transport.PENDING else f"Không gửi được ({delivery.transport})"
            ]
        recipients.append((name, "\n".join(lines)))
    agency = document.agency
    record = printouts.IssuanceRecord(
        agency=agency.name,
        superior=agency.superior,
        symbol=document.symbol,
        type_and_summary=f"{catalog.DOC_TYPES[document.doc_type][0]}: {document.summary}",
        issued_at=_when(document.issued_at, rt),
        sha256=issued.sha256,
        size=issued.size,
        signatures=signatures,
        events=events,
        recipients=recipients,
        made_at=_when(rt.now(), rt),
    )
    pades = rt.pades if rt.pades.timestamped else signing_pdf.B_B
    try:
        data = signing_issuance.certify(
            printouts.render_certificate(record), rt.keyring.agency(agency.code), font=rt.font, pades=pades
        )
    except SigningError as exc:
        raise Unprocessable(exc.code, exc.message) from exc
    name = "chung-nhan-phat-hanh-" + re.sub(r"[^0-9A-Za-z-]+", "-", document.symbol).strip("-") + ".pdf"
    return data, name


def _when(moment: dt.datetime | None, rt: Runtime) -> str:
    """A time as the certificate prints it: Vietnamese date order, local time."""
    return f"{moment.astimezone(rt.tz):%d/%m/%Y %H:%M:%S}" if moment else ""


def _parsed(iso: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(iso) if iso else None
