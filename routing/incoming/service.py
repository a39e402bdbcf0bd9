"""Incoming documents (văn bản đến) once arrived (routing/arrival.py): registration, assignment, handling, recall.

Every step that changes the national status sends it back to the sender agency (status message
queued in the same transaction). The incoming register numbers documents per year,
consecutively, with the same atomic counter as the outgoing registers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, object_session

from routing.deliveries.statuses import INCOMING_GONE as GONE
from routing.deliveries.statuses import INCOMING_LABELS as STATE_LABELS
from routing.exchange import outbound
from routing.exchange.arrival import add_event
from routing.incoming.schemas import IncomingStep
from routing.models import IncomingDocument, IncomingEvent
from workflow import runtime
from workflow.directory import delegations
from workflow.directory.models import DelegationScope
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.issuance.registers import take_number
from workflow.models import Person, Register, Unit
from workflow.notifications.service import resolve
from workflow.paging import FIRST_PAGE, Page, paged
from workflow.runtime import Runtime


@dataclass(frozen=True)
class Step:
    """One allowed step: where it leads, the status sent back, and who may take it."""

    to_state: str
    code: str
    who: str  # clerk | leader | lead_unit


# (state, action) -> step: the incoming lifecycle as a table.
STEPS: dict[tuple[str, str], Step] = {
    ("received", "register"): Step("registered", "03", "clerk"),
    ("received", "return"): Step("returned", "02", "clerk"),
    ("registered", "assign"): Step("assigned", "04", "leader"),
    ("assigned", "start"): Step("in_progress", "05", "lead_unit"),
    ("in_progress", "finish"): Step("done", "06", "lead_unit"),
}
RECALL_ANSWERS = {"accept_recall": "15", "refuse_recall": "16"}
# Every step a person may take on an incoming document.
ACTIONS = tuple(sorted({action for _, action in STEPS} | set(RECALL_ANSWERS)))


# --- handling ----------------------------------------------------------------------------------


def _instructs(session: Session | None, actor: Person) -> bool:
    """A leader, or someone a leader handed the instruction on incoming documents to while away, now."""
    if actor.has_role("leader"):
        return True
    return session is not None and delegations.holds(session, actor, DelegationScope.ASSIGN, runtime.current().now())


def can_see(actor: Person, incoming: IncomingDocument) -> bool:
    """Clerks and leaders (and a leader's delegate) see every incoming document of the agency; units see what they
    were given."""
    if actor.unit.agency_id != incoming.agency_id:
        return False
    if actor.has_role("clerk") or _instructs(object_session(incoming), actor):
        return True
    return incoming.state not in GONE and (
        actor.unit_id == incoming.lead_unit_id or actor.unit_id in (incoming.supporting_unit_ids or [])
    )


def visible(session: Session, actor: Person) -> ColumnElement[bool]:
    """can_see as a condition for queries: the lists filter in the database, so every page is full."""
    ours = IncomingDocument.agency_id == actor.unit.agency_id
    if actor.has_role("clerk") or _instructs(session, actor):
        return ours
    unit = actor.unit_id
    if session.get_bind().dialect.name == "postgresql":
        supporting = IncomingDocument.supporting_unit_ids.cast(JSONB).contains([unit])
    else:  # SQLite: the JSON array's members as rows
        supporting = exists(
            select(literal_column("1"))
            .select_from(func.json_each(IncomingDocument.supporting_unit_ids))
            .where(literal_column("value") == unit)
        )
    return and_(ours, IncomingDocument.state.not_in(GONE), or_(IncomingDocument.lead_unit_id == unit, supporting))


def get(session: Session, actor: Person, incoming_id: int, *, lock: bool = False) -> IncomingDocument:
    """An incoming document the actor may see."""
    query = select(IncomingDocument).where(IncomingDocument.id == incoming_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None or not can_see(actor, found):
        raise NotFound("incoming_not_found", "Không tìm thấy văn bản đến.")
    return found


def allowed_actions(actor: Person, incoming: IncomingDocument) -> list[str]:
    """The steps this person may take on the incoming document now (the buttons of its page)."""
    if incoming.state in GONE:
        return []
    allowed = [
        action for (state, action), step in STEPS.items() if state == incoming.state and _may(actor, incoming, step.who)
    ]
    if incoming.recall_reason is not None and actor.has_role("clerk"):
        allowed += list(RECALL_ANSWERS)
    return allowed


def _may(actor: Person, incoming: IncomingDocument, who: str) -> bool:
    if who == "lead_unit":
        return actor.unit_id == incoming.lead_unit_id
    if who == "leader":
        return _instructs(object_session(incoming), actor)
    return actor.has_role(who)


def _staff(actor: Person) -> dict[str, str]:
    return {"department": actor.unit.name, "staff": actor.full_name}


def act(
    session: Session, rt: Runtime, actor: Person, incoming_id: int, action: str, step_input: IncomingStep
) -> IncomingDocument:
    """Take one step on an incoming document and send its status to the sender."""
    incoming = get(session, actor, incoming_id, lock=True)
    if action in RECALL_ANSWERS:
        return _answer_recall(session, rt, actor, incoming, action, step_input.reason.strip())
    if incoming.state in GONE:
        raise Conflict("incoming_gone", "Văn bản đến đã bị thu hồi hoặc thay thế.", state=incoming.state)
    step = STEPS.get((incoming.state, action))
    if step is None:
        if action not in {a for _, a in STEPS}:
            raise NotFound("unknown_action", "Thao tác không tồn tại.")
        raise Conflict(
            "invalid_transition",
            f"Không thể thực hiện thao tác này khi văn bản ở trạng thái «{STATE_LABELS[incoming.state]}».",
            state=incoming.state,
        )
    if not _may(actor, incoming, step.who):
        raise Forbidden("forbidden", "Bạn không có quyền thực hiện thao tác này với văn bản đến.")
    description = ""
    detail: dict[str, Any] = {}
    reason = step_input.reason.strip()
    if action == "register":
        if incoming.signatures.get("attention") and not reason:
            raise Invalid(
                "reason_required",
                "Văn bản không có chữ ký số hợp lệ: cần ghi lý do vẫn vào sổ (hoặc trả lại văn bản).",
                field="reason",
            )
        now = rt.now()
        incoming.incoming_year = now.year
        incoming.incoming_number = take_number(session, _incoming_register(session, incoming.agency_id).id, now.year)
        incoming.registered_at = now
        description = f"Đã vào sổ văn bản đến số {incoming.incoming_number}."
        detail = {"number": incoming.incoming_number, "year": incoming.incoming_year}
        if reason:
            detail["reason"] = reason  # registered although its signatures did not check: why, in the trail
    elif action == "return":
        if not reason:
            raise Invalid("reason_required", "Trả lại văn bản cần nêu lý do.", field="reason")
        incoming.return_reason = description = reason
        detail = {"reason": reason}
    elif action == "assign":
        detail = _assignment(session, incoming, step_input)
        description = f"Giao {incoming.lead_unit.name if incoming.lead_unit else ''} chủ trì xử lý."
    incoming.state = step.to_state
    add_event(session, incoming, action, step.code, actor, **detail)
    if action in ("register", "return"):  # the clerk has dealt with its arrival
        resolve(session, "incoming_received", incoming_id=incoming.id)
    outbound.send_status(
        session,
        rt,
        organ_id=incoming.sender_code,
        key=incoming.document_key,
        code=step.code,
        description=description,
        staff=_staff(actor),
    )
    return incoming


def _assignment(session: Session, incoming: IncomingDocument, step_input: IncomingStep) -> dict[str, Any]:
    lead = session.get(Unit, step_input.lead_unit_id) if step_input.lead_unit_id is not None else None
    if lead is None or lead.agency_id != incoming.agency_id:
        raise Invalid("invalid_unit", "Đơn vị chủ trì (lead_unit_id) không hợp lệ.", field="lead_unit_id")
    supporting = step_input.supporting_unit_ids
    units = session.scalars(select(Unit).where(Unit.id.in_(supporting))).all()
    if len(units) != len(set(supporting)) or any(u.agency_id != incoming.agency_id for u in units):
        raise Invalid("invalid_unit", "Đơn vị phối hợp không hợp lệ.", field="supporting_unit_ids")
    deadline = step_input.deadline
    incoming.lead_unit_id = lead.id
    incoming.lead_unit = lead
    incoming.supporting_unit_ids = sorted(set(supporting) - {lead.id})
    incoming.deadline = deadline
    return {
        "lead_unit_id": lead.id,
        "supporting_unit_ids": incoming.supporting_unit_ids,
        "deadline": deadline.isoformat() if deadline else None,
    }


def _answer_recall(
    session: Session, rt: Runtime, actor: Person, incoming: IncomingDocument, action: str, reason: str
) -> IncomingDocument:
    if not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư trả lời đề nghị thu hồi.")
    if incoming.recall_reason is None:
        raise Conflict("no_recall_request", "Văn bản không có đề nghị thu hồi nào đang chờ.")
    code = RECALL_ANSWERS[action]
    if code == "16" and not reason:
        raise Invalid("reason_required", "Từ chối thu hồi cần nêu lý do.", field="reason")
    if code == "15":
        incoming.state = "recalled"
    incoming.recall_reason = None
    add_event(session, incoming, action, code, actor, reason=reason or None)
    resolve(session, "recall_requested", incoming_id=incoming.id)  # answered
    outbound.send_status(
        session,
        rt,
        organ_id=incoming.sender_code,
        key=incoming.document_key,
        code=code,
        description=reason or "Đồng ý thu hồi.",
        staff=_staff(actor),
    )
    return incoming


def _incoming_register(session: Session, agency_id: int) -> Register:
    register = session.scalar(select(Register).where(Register.agency_id == agency_id, Register.scope == "incoming"))
    if register is None:
        register = Register(agency_id=agency_id, code="DEN", name="Sổ đăng ký văn bản đến", scope="incoming")
        session.add(register)
        session.flush()
    return register


def listing(
    session: Session, actor: Person, state: str | None = None, year: int | None = None, page: Page = FIRST_PAGE
) -> tuple[list[IncomingDocument], int | None]:
    """Incoming documents the actor may see, newest first a page at a time; recalled and replaced only on request."""
    query = select(IncomingDocument).where(visible(session, actor))
    query = query.where(IncomingDocument.state == state) if state else query.where(IncomingDocument.state.not_in(GONE))
    if year:
        query = query.where(IncomingDocument.incoming_year == year)
    return paged(session, query, IncomingDocument.id, page)


def register_of_year(session: Session, actor: Person, year: int) -> list[IncomingDocument]:
    """The incoming register of a year in number order (clerks and leaders)."""
    if not (actor.has_role("clerk") or actor.has_role("leader")):
        raise Forbidden("forbidden", "Chỉ văn thư và lãnh đạo xem sổ văn bản đến.")
    query = select(IncomingDocument).where(
        IncomingDocument.agency_id == actor.unit.agency_id,
        IncomingDocument.incoming_year == year,
        IncomingDocument.incoming_number.is_not(None),
    )
    return list(session.scalars(query.order_by(IncomingDocument.incoming_number)))


def events(session: Session, incoming: IncomingDocument) -> list[IncomingEvent]:
    """The incoming document's history in order."""
    query = select(IncomingEvent).where(IncomingEvent.incoming_id == incoming.id).order_by(IncomingEvent.id)
    return list(session.scalars(query))


def pdf(rt: Runtime, incoming: IncomingDocument) -> bytes:
    """The received PDF, checked against its recorded SHA-256."""
    data = rt.store.get(incoming.pdf_sha256)
    assert hashlib.sha256(data).hexdigest() == incoming.pdf_sha256
    return data
