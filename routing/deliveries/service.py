"""Routing services: deliveries per recipient, receipts with the national status codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, text
from sqlalchemy.orm import Session, joinedload

from routing.deliveries.statuses import FINAL, RECIPIENT_CODES, rank
from routing.exchange import edxml, outbound
from routing.models import OPEN, Delivery, DeliveryEvent, ExchangeMessage
from routing.recipients import addressing
from routing.states import NOT_SENT, Transport
from routing.webhooks import payloads
from routing.webhooks import service as webhooks
from workflow import access, outbox
from workflow.audit import audit
from workflow.documents.service import get_document
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.models import Document, Person
from workflow.notifications.service import notify, people_of_unit, resolve, withdraw
from workflow.paging import FIRST_PAGE, Page, paged
from workflow.runtime import Runtime, current
from workflow.states import SENDABLE, DocumentState

# How each kind of recipient is reached: our units and people by their inbox, other agencies by the
# inter-agency exchange (pending until it runs), unknown names by nothing (shown to the clerk).
CHANNELS = {"unit": "internal", "person": "internal", "agency": "edxml", "unresolved": "none"}


def create_deliveries(session: Session, document: Document) -> list[Delivery]:
    """Resolve the recipients and add one delivery each; unknown names stay visible as unresolved."""
    found = addressing.resolve(addressing.Directory(session, document.agency_id), document, suggest=False)
    made: list[Delivery] = []
    seen: set[tuple[str, int | None]] = set()
    for resolved in found:
        for target in resolved.targets:
            if target.id is not None and (target.kind, target.id) in seen:
                continue
            seen.add((target.kind, target.id))
            unresolved = target.kind == "unresolved"
            made.append(
                Delivery(
                    document_id=document.id,
                    kind=target.kind,
                    unit_id=target.id if target.kind == "unit" else target.unit_id,
                    person_id=target.id if target.kind == "person" else None,
                    agency_id=target.id if target.kind == "agency" else None,
                    # A person, a list's member or an unknown name is shown as found; a unit or agency as written.
                    label=resolved.line.label
                    if target.kind in ("unit", "agency") and not resolved.via
                    else target.name,
                    purpose=resolved.line.purpose,
                    channel=CHANNELS[target.kind],
                    transport=Transport.UNRESOLVED if unresolved else Transport.PENDING,
                    last_error="Không tìm thấy nơi nhận trong danh bạ." if unresolved else None,
                )
            )
    session.add_all(made)
    session.flush()
    for delivery in made:
        if delivery.channel == "internal":
            outbox.add(session, outbox.DELIVER, delivery_id=delivery.id)
    return made


def on_document_issued(session: Session, document: Document, actor: Person | None) -> int:  # noqa: ARG001
    """Receiver of workflow's document_issued signal: deliveries, the package job, the webhook."""
    made = create_deliveries(session, document)
    if any(d.kind == "agency" for d in made):
        outbox.add(session, outbox.SEND_DOCUMENT, document_id=document.id)
    webhooks.emit(session, "document.issued", payloads.DocumentIssued.of(document))
    return len(made)


def on_document_recalled(session: Session, document: Document, actor: Person | None, reason: str | None) -> None:
    """Receiver of document_recalled: every delivery gets the recall request (13), agencies by a status message."""
    rt = current()
    for delivery in session.scalars(select(Delivery).where(Delivery.document_id == document.id)):
        _record(session, delivery, "13", reason, actor)
        if delivery.kind == "agency" and delivery.agency is not None and delivery.exchange_id:
            outbound.send_status(
                session,
                rt,
                organ_id=delivery.agency.code,
                key=delivery.exchange_id,
                code="13",
                description=reason or "Đề nghị thu hồi văn bản.",
                staff={"department": "Văn thư", "staff": actor.full_name if actor else ""},
            )
    # A recalled document leaves the receiving units' inboxes, and so do the notifications that announced it.
    withdraw(session, document, "incoming_document")


def _record(session: Session, delivery: Delivery, code: str, reason: str | None, actor: Person | None) -> None:
    delivery.status_code = code
    delivery.status_reason = reason
    session.add(DeliveryEvent(delivery_id=delivery.id, code=code, reason=reason, actor_id=actor.id if actor else None))
    webhooks.emit(session, "delivery.status_changed", payloads.DeliveryStatusChanged.of(delivery))


def mark_arrived(session: Session, delivery_id: int) -> bool:
    """An internal delivery arrives in the unit's inbox: status 01, sent by the system."""
    delivery = session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if delivery is None or delivery.transport != Transport.PENDING or delivery.channel != "internal":
        return False
    delivery.transport = Transport.DELIVERED
    delivery.attempts += 1
    if delivery.status_code is None:
        _record(session, delivery, "01", None, None)
    document = delivery.document
    if delivery.person_id is not None:
        message = f"Văn bản gửi đồng chí: {document.symbol} — «{document.summary}»"
        notify(session, [delivery.person_id], "incoming_document", message, document)
    elif delivery.unit_id is not None:
        message = f"Văn bản đến đơn vị: {document.symbol} — «{document.summary}»"
        notify(session, people_of_unit(session, delivery.unit_id), "incoming_document", message, document)
    return True


def _is_mine(delivery: Delivery, person: Person) -> bool:
    return delivery.unit_id == person.unit_id and delivery.person_id in (None, person.id)


def update_status(session: Session, actor: Person, delivery_id: int, code: str, reason: str | None) -> Delivery:
    """A recipient moves its delivery on: 02 (with a reason), 03, 04, 05, 06; never backwards."""
    delivery = session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if delivery is None or delivery.kind not in ("unit", "person") or not _is_mine(delivery, actor):
        raise NotFound("delivery_not_found", "Không tìm thấy văn bản đến trong hộp thư của đơn vị.")
    if delivery.document.state == DocumentState.RECALLED:
        raise Conflict("document_recalled", "Văn bản đã bị thu hồi.")
    if code not in RECIPIENT_CODES:
        raise Invalid("invalid_status", "Mã trạng thái không hợp lệ (02, 03, 04, 05, 06).", field="status")
    if delivery.status_code in FINAL:
        raise Conflict(
            "status_final", "Văn bản đã ở trạng thái cuối, không cập nhật được.", status=delivery.status_code
        )
    if code == "02":
        if not (reason and reason.strip()):
            raise Invalid("reason_required", "Từ chối tiếp nhận cần nêu lý do.", field="reason")
        if rank(delivery.status_code) > rank("01"):
            raise Conflict("stale_status", "Văn bản đã được tiếp nhận, không thể từ chối.")
    elif rank(code) <= rank(delivery.status_code):
        raise Conflict(
            "stale_status", "Trạng thái mới phải tiến tới so với trạng thái hiện tại.", status=delivery.status_code
        )
    _record(session, delivery, code, reason, actor)
    audit(session, actor, f"receipt_{code}", delivery.document, delivery_id=delivery.id)
    if code in FINAL and delivery.unit_id is not None:  # finished or refused: nothing waits in the inbox any more
        told = [delivery.person_id] if delivery.person_id is not None else people_of_unit(session, delivery.unit_id)
        resolve(session, "incoming_document", delivery.document, told)
    return delivery


def deliveries_of(session: Session, actor: Person, document_id: int) -> list[Delivery]:
    """Every recipient of a document with its status (for the clerk's board and the drafting side)."""
    document = get_document(session, actor, document_id, need=access.WORK)
    query = select(Delivery).where(Delivery.document_id == document.id).order_by(Delivery.id)
    return list(session.scalars(query))


def mine(person: Person) -> ColumnElement[bool]:
    """The deliveries in a person's inbox: their unit's, and those addressed to them by name or position
    (a delivery to one person of a unit is theirs alone)."""
    return and_(Delivery.unit_id == person.unit_id, or_(Delivery.person_id.is_(None), Delivery.person_id == person.id))


def received_by(person: Person, **_: Any) -> ColumnElement[bool]:
    """The documents that reached a person's unit (delivered there and not recalled): the recipient rule."""
    delivered = select(Delivery.document_id).where(mine(person), Delivery.transport == Transport.DELIVERED)
    return and_(Document.id.in_(delivered), Document.state != DocumentState.RECALLED)


# What the inbox can be narrowed to: by where a delivery is, and by what the recipient is asked to do.
INBOX_VIEWS = {"waiting": "Chưa xong", "done": "Đã xong", "all": "Tất cả"}
PURPOSES = {"action": "Để thực hiện", "coordinate": "Để phối hợp", "report": "Để báo cáo", "info": "Để biết"}


def inbox(
    session: Session, actor: Person, page: Page = FIRST_PAGE, *, view: str = "all", purpose: str | None = None
) -> tuple[list[Delivery], int | None]:
    """Documents delivered to the person's unit, newest first, a page at a time; recalled ones disappear;
    `view` waiting or done, `purpose` action, report or info."""
    query = (
        select(Delivery)
        .join(Document)
        .where(mine(actor), Delivery.transport == Transport.DELIVERED, Document.state != DocumentState.RECALLED)
        .options(joinedload(Delivery.document), joinedload(Delivery.unit), joinedload(Delivery.agency))
    )
    if view == "waiting":
        query = query.where(text(OPEN))
    elif view == "done":
        query = query.where(Delivery.status_code.in_(FINAL))
    if purpose in PURPOSES:
        query = query.where(Delivery.purpose == purpose)
    return paged(session, query, Delivery.id, page)


def delivery_to_me(session: Session, actor: Person, document_id: int) -> Delivery | None:
    """The delivery of a document to the person's unit, if it was delivered there."""
    query = select(Delivery).where(
        Delivery.document_id == document_id, mine(actor), Delivery.transport == Transport.DELIVERED
    )
    return session.scalars(query.order_by(Delivery.id)).first()


def opened(session: Session, actor: Person, delivery_id: int) -> bool:
    """A recipient opened the document: 03 (Đã tiếp nhận) is recorded if nothing past 01 was; True if it was."""
    delivery = session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if delivery is None or not _is_mine(delivery, actor) or delivery.status_code not in (None, "01"):
        return False
    if delivery.document.state == DocumentState.RECALLED:
        return False
    update_status(session, actor, delivery.id, "03", None)
    return True


def next_waiting(session: Session, actor: Person, besides: int) -> Delivery | None:
    """The newest delivery of the person's unit still waiting for it, other than `besides`."""
    query = (
        select(Delivery)
        .join(Document)
        .where(mine(actor), text(OPEN), Document.state != DocumentState.RECALLED, Delivery.id != besides)
    )
    return session.scalars(query.order_by(Delivery.id.desc()).limit(1)).first()


def inbox_waiting(session: Session, actor: Person) -> int:
    """How many deliveries to the person's unit wait for its next status (recalled documents aside)."""
    count = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Document)
        # The partial index's own predicate, written out, so every plan (generic ones too) can use it.
        .where(mine(actor), text(OPEN), Document.state != DocumentState.RECALLED)
    )
    return int(count or 0)


def sending(delivery: Delivery) -> tuple[str, str]:
    """How the document went to a recipient, in the same words on every page, answer and printout: (code,
    label). Not reached for want of the exchange connection is said so (amber), not shown as a failure."""
    if delivery.transport == Transport.DELIVERED:
        return "sent", "Đã gửi"
    if delivery.transport == Transport.PAPER:
        return "paper", f"Đã gửi bản giấy ({delivery.paper_note})"
    if delivery.transport == Transport.PENDING:
        return "sending", "Đang gửi"
    if delivery.transport == Transport.UNRESOLVED:
        return "not_sent", "Chưa gửi được: không tìm thấy nơi nhận trong danh bạ"
    if needs_admin(delivery.last_error):
        return "not_sent", "Chưa gửi được: chưa kết nối trục liên thông"
    return "failed", f"Gửi không thành: {delivery.last_error or 'không rõ lý do'}"


def edxml_package(session: Session, rt: Runtime, actor: Person, document_id: int) -> edxml.Package:
    """An issued document as the edXML package its recipient agencies receive (QCVN 102:2016)."""
    document = get_document(session, actor, document_id, need=access.WORK)
    if document.state not in SENDABLE or document.number is None or document.symbol is None:
        raise Conflict("not_issued", "Chỉ văn bản đã phát hành mới đóng gói edXML được.", state=document.state)
    return outbound.package_of(session, rt, document)


def needs_admin(error: str | None) -> bool:
    """Whether a delivery failed for want of the administrator's set-up (the exchange not configured, no way to
    an agency): the clerk is told so plainly, and sending again cannot help until it is done."""
    return bool(error) and (error == outbound.NOT_CONNECTED or str(error).startswith("Chưa cấu hình"))


def _clerks(session: Session, actor: Person, delivery_id: int) -> Delivery:
    """A delivery of a document of the clerk's agency, locked; to anyone else, as if missing."""
    delivery = session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if delivery is None or not actor.has_role("clerk") or delivery.document.agency_id != actor.unit.agency_id:
        raise NotFound("delivery_not_found", "Không tìm thấy nơi nhận này của văn bản.")
    return delivery


def send_unresolved(session: Session, actor: Person, delivery_id: int, kind: str, target_id: int) -> Delivery:
    """After issuance, the clerk says who a recipient nobody was found for is (a unit or an agency): the name is
    remembered for every later document, and this document goes to it now."""
    delivery = _clerks(session, actor, delivery_id)
    if delivery.transport != Transport.UNRESOLVED:
        raise Conflict("not_unresolved", "Nơi nhận này đã được xác định.", transport=delivery.transport)
    if kind not in ("unit", "agency"):
        raise Invalid("invalid_kind", "Chọn một đơn vị hoặc một cơ quan để gửi văn bản tới.", field="kind")
    name = addressing.remember(session, actor, delivery.label, kind, target_id)
    delivery.kind, delivery.channel = kind, CHANNELS[kind]
    delivery.unit_id = target_id if kind == "unit" else None
    delivery.agency_id = target_id if kind == "agency" else None
    delivery.transport, delivery.last_error = Transport.PENDING, None
    session.flush()
    if kind == "unit":
        outbox.add(session, outbox.DELIVER, delivery_id=delivery.id)
    else:
        outbox.add(session, outbox.SEND_DOCUMENT, document_id=delivery.document_id)
    audit(session, actor, "recipient_found", delivery.document, delivery_id=delivery.id, label=delivery.label, to=name)
    return delivery


PAPER_WAYS = {"post": "qua bưu điện", "hand": "chuyển tận tay"}


def record_paper(
    session: Session, actor: Person, delivery_id: int, way: str, carrier: str, sent_at: dt.datetime
) -> Delivery:
    """The clerk records that a recipient not reached electronically got the paper copy (the law allows it):
    how, by whom, when. The delivery counts as sent, on paper."""
    delivery = _clerks(session, actor, delivery_id)
    if delivery.transport == Transport.DELIVERED:
        raise Conflict("already_sent", "Văn bản đã gửi điện tử tới nơi nhận này.", transport=delivery.transport)
    if way not in PAPER_WAYS:
        raise Invalid("invalid_way", "Cách gửi phải là qua bưu điện hoặc chuyển tận tay.", field="way")
    if not carrier.strip():
        raise Invalid("missing_field", "Cần ghi người gửi hoặc đơn vị chuyển phát.", field="carrier")
    local = sent_at.astimezone(current().tz)
    delivery.paper_note = f"{PAPER_WAYS[way]}, {carrier.strip()}, {local:%d/%m/%Y %H:%M}"
    delivery.transport, delivery.last_error = Transport.PAPER, None
    audit(session, actor, "delivery_on_paper", delivery.document, delivery_id=delivery.id, way=way, carrier=carrier)
    still_failed = select(Delivery.id).where(
        Delivery.document_id == delivery.document_id, Delivery.transport.in_(NOT_SENT)
    )
    if session.scalar(still_failed.limit(1)) is None:
        resolve(session, "delivery_failed", delivery.document)  # every recipient reached, one way or another
    webhooks.emit(session, "delivery.status_changed", payloads.DeliveryStatusChanged.of(delivery))
    return delivery


def resend(session: Session, actor: Person, delivery_id: int) -> Delivery:
    """The clerk sends a failed delivery again: its message goes back to the queue with fresh attempts."""
    if not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư gửi lại văn bản.")
    delivery = session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if delivery is None or delivery.document.agency_id != actor.unit.agency_id:
        raise NotFound("delivery_not_found", "Không tìm thấy nơi nhận.")
    if delivery.transport != Transport.FAILED:
        raise Conflict("not_failed", "Chỉ gửi lại được khi việc gửi đã thất bại.", transport=delivery.transport)
    delivery.transport, delivery.attempts = Transport.PENDING, 0
    if delivery.channel == "internal":
        outbox.add(session, outbox.DELIVER, delivery_id=delivery.id)
    else:
        message = session.scalar(
            select(ExchangeMessage)
            .where(ExchangeMessage.delivery_id == delivery.id, ExchangeMessage.direction == "out")
            .order_by(ExchangeMessage.id.desc())
            .limit(1)
        )
        if message is None:
            outbox.add(session, outbox.SEND_DOCUMENT, document_id=delivery.document_id)
        else:
            message.state, message.attempts, message.next_attempt_at = "pending", 0, dt.datetime.now(dt.UTC)
            outbox.add(session, outbox.SEND_MESSAGE, message_id=message.id)
    audit(session, actor, "delivery_resent", delivery.document, delivery_id=delivery.id)
    return delivery
