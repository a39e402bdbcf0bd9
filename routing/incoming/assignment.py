"""The leader's instruction (bút phê) on an incoming document and what follows it: units and persons named with a
role — lead (chủ trì), support (phối hợp), for information (để biết) — and their own deadline; passed on inside a
unit by its head; each one's progress with notes and files; more time asked and answered; reminders.

Every function takes the caller's session and never commits; the incoming document's own state (04, 05, 06 to
the sender) is routing/incoming/service.py's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from routing.exchange.arrival import add_event
from routing.incoming.schemas import ROLE_NAMES as ROLES
from routing.incoming.schemas import AssigneeIn, Forward, Progress
from routing.models import IncomingAssignee, IncomingDocument
from workflow.errors import Conflict, Forbidden, Invalid
from workflow.models import Person, Unit
from workflow.notifications.service import notify
from workflow.runtime import Runtime

PROGRESS = {"unseen": "Chưa xem", "working": "Đang xử lý", "done": "Đã xong"}
DUE_MARKS = {"due_soon": "Sắp đến hạn", "overdue": "Quá hạn"}
# Days before a deadline from which an item is marked due soon.
DUE_SOON_DAYS = 2
# Units and persons one instruction may name.
MAX_ASSIGNEES = 100


def due_mark(deadline: dt.date | None, done: bool, today: dt.date) -> str | None:
    """ "overdue" past its deadline and not done, "due_soon" within DUE_SOON_DAYS of it, else None."""
    if deadline is None or done:
        return None
    if deadline < today:
        return "overdue"
    return "due_soon" if (deadline - today).days <= DUE_SOON_DAYS else None


def holds(actor: Person, row: IncomingAssignee) -> bool:
    """The actor is the person named, or a member of the unit named (a unit's part is its members' work)."""
    if not row.active:
        return False
    return row.person_id == actor.id if row.person_id is not None else row.unit_id == actor.unit_id


def held_by(actor: Person) -> ColumnElement[bool]:
    """holds() as a condition on assignee rows."""
    return and_(
        IncomingAssignee.active.is_(True),
        or_(
            IncomingAssignee.person_id == actor.id,
            and_(IncomingAssignee.person_id.is_(None), IncomingAssignee.unit_id == actor.unit_id),
        ),
    )


def given_to(actor: Person) -> ColumnElement[bool]:
    """Incoming documents that name the actor or the actor's unit."""
    return exists(
        select(IncomingAssignee.id).where(IncomingAssignee.incoming_id == IncomingDocument.id, held_by(actor))
    )


def is_lead(actor: Person, incoming: IncomingDocument) -> bool:
    """The actor holds the lead part (the lead unit's member, the lead person, or whom the lead unit passed it to)."""
    return any(row.role == "lead" and holds(actor, row) for row in incoming.assignees)


def _heads(session: Session, unit_id: int) -> list[int]:
    """Who is told of a unit's part: its heads, or everyone in it when it has none."""
    people = session.scalars(select(Person).where(Person.unit_id == unit_id, Person.active.is_(True))).all()
    heads = [p.id for p in people if p.has_role("unit_head")]
    return heads or [p.id for p in people]


def told(session: Session, row: IncomingAssignee) -> list[int]:
    """Who hears of an assignee's part: the person, or the unit's heads."""
    return [row.person_id] if row.person_id is not None else _heads(session, row.unit_id or 0)


def name_of(row: IncomingAssignee) -> str:
    """The unit's or person's name as lists show it."""
    if row.person is not None:
        return f"{row.person.full_name} ({row.person.unit.name})"
    return row.unit.name if row.unit is not None else ""


def assign(
    session: Session,
    rt: Runtime,
    actor: Person,
    incoming: IncomingDocument,
    instruction: str,
    entries: list[AssigneeIn],
) -> dict[str, Any]:
    """The leader's instruction: exactly one lead, each unit or person once, each deadline not in the past; an
    earlier instruction's parts end. Returns the history's detail."""
    if not entries:
        raise Invalid("invalid_assignees", "Hãy chọn đơn vị hoặc người chủ trì xử lý.", field="assignees")
    if len(entries) > MAX_ASSIGNEES:
        raise Invalid("invalid_assignees", f"Một ý kiến chỉ đạo giao tối đa {MAX_ASSIGNEES} đơn vị, cá nhân.")
    if sum(1 for e in entries if e.role == "lead") != 1:
        raise Invalid("one_lead", "Ý kiến chỉ đạo phải có đúng một đơn vị hoặc cá nhân chủ trì.", field="assignees")
    today = rt.now().date()
    seen: set[tuple[str, int]] = set()
    rows: list[IncomingAssignee] = []
    for entry in entries:
        if (entry.unit_id is None) == (entry.person_id is None):
            raise Invalid("invalid_assignees", "Mỗi nơi được giao phải là một đơn vị hoặc một người, không cả hai.")
        if entry.deadline is not None and entry.deadline < today:
            raise Invalid("date_out_of_range", "Hạn xử lý không thể ở quá khứ.", field="deadline")
        key = ("unit", entry.unit_id) if entry.unit_id is not None else ("person", entry.person_id or 0)
        if key in seen:
            raise Invalid("invalid_assignees", "Một đơn vị hoặc một người chỉ được giao một lần.", field="assignees")
        seen.add(key)
        if entry.unit_id is not None:
            unit = session.get(Unit, entry.unit_id)
            if unit is None or unit.agency_id != incoming.agency_id:
                raise Invalid("invalid_unit", f"Không có đơn vị số {entry.unit_id} trong cơ quan.", field="assignees")
        else:
            person = session.get(Person, entry.person_id)
            if person is None or not person.active or person.unit.agency_id != incoming.agency_id:
                raise Invalid(
                    "invalid_person", f"Không có người số {entry.person_id} trong cơ quan.", field="assignees"
                )
        rows.append(
            IncomingAssignee(
                incoming_id=incoming.id,
                unit_id=entry.unit_id,
                person_id=entry.person_id,
                role=entry.role,
                deadline=entry.deadline,
                assigned_by_id=actor.id,
                note="",
                progress="unseen",
                reminders=0,
                active=True,
            )
        )
    for old in incoming.assignees:
        old.active = False
    incoming.assignees.extend(rows)
    session.flush()
    lead = next(r for r in rows if r.role == "lead")
    lead_person = session.get(Person, lead.person_id) if lead.person_id else None
    incoming.instruction = instruction
    incoming.lead_unit_id = lead.unit_id if lead.unit_id is not None else lead_person.unit_id if lead_person else None
    incoming.supporting_unit_ids = sorted({r.unit_id for r in rows if r.unit_id and r.role != "lead"})
    incoming.deadline = lead.deadline
    for row in rows:
        session.refresh(row, ["unit", "person"])
        notify(
            session,
            told(session, row),
            "incoming_assigned",
            f"{actor.full_name} giao {ROLES[row.role].lower()}: {incoming.symbol} — {incoming.subject}"
            + (f" (hạn {row.deadline:%d/%m/%Y})" if row.deadline else ""),
            None,
            incoming_id=incoming.id,
        )
    return {
        "instruction": instruction,
        "assignees": [_described(r) for r in rows],
        "lead_unit_id": incoming.lead_unit_id,
        "supporting_unit_ids": incoming.supporting_unit_ids,
        "deadline": lead.deadline.isoformat() if lead.deadline else None,
    }


def _described(row: IncomingAssignee) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": name_of(row),
        "role": row.role,
        "deadline": row.deadline.isoformat() if row.deadline else None,
    }


def description(incoming: IncomingDocument) -> str:
    """The assignment as the sender's 04 says it: who leads."""
    lead = next((r for r in incoming.assignees if r.active and r.role == "lead"), None)
    return f"Giao {name_of(lead)} chủ trì xử lý." if lead is not None else "Đã phân công xử lý."


def forward(
    session: Session, rt: Runtime, actor: Person, incoming: IncomingDocument, body: Forward
) -> IncomingAssignee:
    """The head of an assigned unit gives its part to one of its people, within the unit's deadline."""
    parent = next(
        (r for r in incoming.assignees if r.active and r.person_id is None and r.unit_id == actor.unit_id), None
    )
    if parent is None or not actor.has_role("unit_head"):
        raise Forbidden("forbidden", "Chỉ lãnh đạo đơn vị được giao mới chuyển văn bản cho người trong đơn vị.")
    person = session.get(Person, body.person_id)
    if person is None or not person.active or person.unit_id != parent.unit_id:
        raise Invalid("invalid_person", "Người nhận phải là người đang làm việc trong đơn vị.", field="person_id")
    if body.deadline is not None and body.deadline < rt.now().date():
        raise Invalid("date_out_of_range", "Hạn xử lý không thể ở quá khứ.", field="deadline")
    if body.deadline is not None and parent.deadline is not None and body.deadline > parent.deadline:
        raise Invalid(
            "deadline_after_unit",
            f"Hạn giao cho cá nhân không thể sau hạn của đơn vị ({parent.deadline:%d/%m/%Y}).",
            field="deadline",
        )
    if any(r.active and r.parent_id == parent.id and r.person_id == person.id for r in incoming.assignees):
        raise Conflict("already_forwarded", f"Văn bản đã được chuyển cho {person.full_name}.")
    row = IncomingAssignee(
        incoming_id=incoming.id,
        person_id=person.id,
        role=parent.role,
        deadline=body.deadline or parent.deadline,
        parent_id=parent.id,
        assigned_by_id=actor.id,
        note=body.note,
        progress="unseen",
        reminders=0,
        active=True,
    )
    incoming.assignees.append(row)
    session.flush()
    session.refresh(row, ["person"])
    if parent.progress == "unseen":
        parent.progress, parent.seen_at = "working", rt.now()
    add_event(
        session,
        incoming,
        "forward",
        None,
        actor,
        assignee_id=row.id,
        to=person.full_name,
        note=body.note,
        deadline=row.deadline.isoformat() if row.deadline else None,
    )
    notify(
        session,
        [person.id],
        "incoming_assigned",
        f"{actor.full_name} chuyển cho bạn xử lý ({ROLES[row.role].lower()}): {incoming.symbol} — {incoming.subject}",
        None,
        incoming_id=incoming.id,
    )
    return row


def mine(actor: Person, incoming: IncomingDocument) -> list[IncomingAssignee]:
    """The actor's own parts, the most specific first (a person's own, then the unit's)."""
    rows = [r for r in incoming.assignees if holds(actor, r)]
    return sorted(rows, key=lambda r: (r.person_id is None, r.id))


def seen(rt: Runtime, actor: Person, incoming: IncomingDocument) -> None:
    """The actor opened the document: their own parts (and their unit's, for its head) are no longer unseen."""
    for row in mine(actor, incoming):
        if row.progress == "unseen" and (row.person_id == actor.id or actor.has_role("unit_head")):
            row.progress, row.seen_at = "working", rt.now()


def progress(
    session: Session,
    rt: Runtime,
    actor: Person,
    incoming: IncomingDocument,
    body: Progress,
    files: list[dict[str, str]],
) -> IncomingAssignee:
    """The actor's part moves on (working, done) with a note and files; a supporting part's report goes to the
    lead. Returns the part changed."""
    rows = [r for r in mine(actor, incoming) if r.role != "info" or body.progress == "done"]
    if not rows:
        raise Forbidden("forbidden", "Bạn không được giao xử lý văn bản này.")
    row = rows[0]
    if row.progress == "done" and body.progress == "done":
        raise Conflict("already_done", "Phần việc của bạn đã được đánh dấu xong.")
    now = rt.now()
    row.progress = body.progress
    row.seen_at = row.seen_at or now
    row.done_at = now if body.progress == "done" else None
    if row.parent_id is not None and body.progress == "done":  # the unit's part is done with its person's
        parent = session.get(IncomingAssignee, row.parent_id)
        if parent is not None and parent.active:
            parent.progress, parent.done_at = "done", now
    add_event(
        session,
        incoming,
        "progress",
        None,
        actor,
        assignee_id=row.id,
        role=row.role,
        progress=body.progress,
        note=body.note,
        files=files,
    )
    if row.role == "support" and (body.note or files):
        leads = [r for r in incoming.assignees if r.active and r.role == "lead" and r.parent_id is None]
        notify(
            session,
            sorted({p for r in leads for p in told(session, r)}),
            "incoming_report",
            f"{name_of(row)} báo cáo phần phối hợp {incoming.symbol}: {body.note or 'kèm tệp'}",
            None,
            incoming_id=incoming.id,
        )
    return row


def finish_lead(rt: Runtime, incoming: IncomingDocument) -> None:
    """The lead finished the document: the lead's parts are done."""
    now = rt.now()
    for row in incoming.assignees:
        if row.active and row.role == "lead" and row.progress != "done":
            row.progress, row.done_at = "done", now
            row.seen_at = row.seen_at or now


def start_lead(rt: Runtime, incoming: IncomingDocument) -> None:
    """The lead started: its unseen parts are being worked on."""
    for row in incoming.assignees:
        if row.active and row.role == "lead" and row.progress == "unseen":
            row.progress, row.seen_at = "working", rt.now()
