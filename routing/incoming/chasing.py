"""Chasing an incoming document's parts: more time asked and answered by who assigned the part, reminders from
leaders and the clerk, and each person's morning digest of what is due and overdue.

Every function takes the caller's session and never commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.exchange.arrival import add_event
from routing.incoming.assignment import DUE_SOON_DAYS, mine, name_of, told
from routing.incoming.schemas import ExtensionAnswer, ExtensionAsk, Reminder
from routing.models import IncomingAssignee, IncomingDocument, IncomingExtension
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.models import Notification, Person
from workflow.notifications.service import notify
from workflow.runtime import Runtime


def may_decide(session: Session, actor: Person, ask: IncomingExtension) -> bool:
    """The actor answers this request for more time."""
    row = session.get(IncomingAssignee, ask.assignee_id)
    return row is not None and _decider(session, actor, row)


def _decider(session: Session, actor: Person, row: IncomingAssignee) -> bool:
    """Who answers a request for more time: who assigned the part (or any leader, for the leader's own)."""
    if row.assigned_by_id == actor.id:
        return True
    assigner = session.get(Person, row.assigned_by_id) if row.assigned_by_id else None
    return assigner is not None and assigner.has_role("leader") and actor.has_role("leader")


def ask_more_time(session: Session, actor: Person, incoming: IncomingDocument, body: ExtensionAsk) -> IncomingExtension:
    """An assignee asks for a later deadline with a reason; who assigned the part is told."""
    rows = [r for r in mine(actor, incoming) if r.role != "info" and r.progress != "done"]
    if not rows:
        raise Forbidden("forbidden", "Bạn không có phần việc đang xử lý trên văn bản này.")
    row = rows[0]
    if row.deadline is None:
        raise Conflict("no_deadline", "Phần việc của bạn không có hạn xử lý để gia hạn.")
    if body.wanted <= row.deadline:
        raise Invalid(
            "date_out_of_range", f"Hạn đề nghị phải sau hạn hiện tại ({row.deadline:%d/%m/%Y}).", field="wanted"
        )
    pending = session.scalar(
        select(IncomingExtension).where(IncomingExtension.assignee_id == row.id, IncomingExtension.state == "requested")
    )
    if pending is not None:
        raise Conflict("extension_pending", "Đã có đề nghị gia hạn đang chờ trả lời.", extension_id=pending.id)
    ask = IncomingExtension(
        assignee_id=row.id,
        requested_by_id=actor.id,
        old_deadline=row.deadline,
        wanted=body.wanted,
        reason=body.reason,
        state="requested",
        answer="",
    )
    session.add(ask)
    session.flush()
    add_event(
        session,
        incoming,
        "extension_requested",
        None,
        actor,
        extension_id=ask.id,
        wanted=body.wanted.isoformat(),
        reason=body.reason,
    )
    notify(
        session,
        [row.assigned_by_id] if row.assigned_by_id else [],
        "incoming_extension",
        f"{actor.full_name} đề nghị gia hạn {incoming.symbol} đến {body.wanted:%d/%m/%Y}: {body.reason}",
        None,
        incoming_id=incoming.id,
    )
    return ask


def answer_more_time(
    session: Session,
    rt: Runtime,
    actor: Person,
    incoming: IncomingDocument,
    extension_id: int,
    grant: bool,
    body: ExtensionAnswer,
) -> IncomingExtension:
    """Who assigned the part grants the later deadline (a person's part may not pass its unit's) or refuses it."""
    ask = session.get(IncomingExtension, extension_id, with_for_update=True)
    row = session.get(IncomingAssignee, ask.assignee_id) if ask is not None else None
    if ask is None or row is None or row.incoming_id != incoming.id:
        raise NotFound("extension_not_found", "Không tìm thấy đề nghị gia hạn.")
    if not _decider(session, actor, row):
        raise Forbidden("forbidden", "Chỉ người đã giao việc trả lời đề nghị gia hạn.")
    if ask.state != "requested":
        raise Conflict("extension_answered", "Đề nghị gia hạn này đã được trả lời.")
    if not grant and not body.answer:
        raise Invalid("reason_required", "Từ chối gia hạn cần nêu lý do.", field="answer")
    ask.state, ask.decided_by_id, ask.answer, ask.decided_at = (
        ("granted" if grant else "refused"),
        actor.id,
        body.answer,
        rt.now(),
    )
    if grant:
        row.deadline = ask.wanted
        if row.role == "lead" and row.parent_id is None:
            incoming.deadline = ask.wanted
    add_event(
        session,
        incoming,
        "extension_granted" if grant else "extension_refused",
        None,
        actor,
        extension_id=ask.id,
        deadline=row.deadline.isoformat() if row.deadline else None,
        answer=body.answer,
    )
    said = f"đồng ý gia hạn đến {ask.wanted:%d/%m/%Y}" if grant else f"không đồng ý gia hạn: {body.answer}"
    notify(
        session,
        [ask.requested_by_id],
        "incoming_extension",
        f"{actor.full_name} {said} ({incoming.symbol}).",
        None,
        incoming_id=incoming.id,
    )
    return ask


def extensions(session: Session, incoming: IncomingDocument) -> list[IncomingExtension]:
    """Every request for more time on the document, in order (granted, refused or waiting)."""
    ids = [r.id for r in incoming.assignees]
    query = select(IncomingExtension).where(IncomingExtension.assignee_id.in_(ids)).order_by(IncomingExtension.id)
    return list(session.scalars(query))


def remind(session: Session, actor: Person, incoming: IncomingDocument, body: Reminder) -> IncomingAssignee:
    """A leader or the clerk reminds an assignee ("Nhắc"): told at once, counted against the part."""
    if not (actor.has_role("leader") or actor.has_role("clerk")):
        raise Forbidden("forbidden", "Chỉ lãnh đạo và văn thư nhắc xử lý văn bản đến.")
    row = next((r for r in incoming.assignees if r.id == body.assignee_id and r.active), None)
    if row is None:
        raise Invalid("invalid_assignee", "Không có nơi được giao này trên văn bản.", field="assignee_id")
    if row.progress == "done":
        raise Conflict("already_done", f"{name_of(row)} đã xử lý xong phần việc.")
    row.reminders += 1
    add_event(session, incoming, "remind", None, actor, assignee_id=row.id, to=name_of(row), note=body.note)
    deadline = f" (hạn {row.deadline:%d/%m/%Y})" if row.deadline else ""
    notify(
        session,
        told(session, row),
        "incoming_reminder",
        f"{actor.full_name} nhắc xử lý {incoming.symbol}{deadline}: {body.note or incoming.subject}",
        None,
        incoming_id=incoming.id,
    )
    return row


# Items one digest names (the rest counted).
DIGEST_ITEMS = 10


def digest(session: Session, rt: Runtime) -> int:
    """Each person's morning digest of their open parts due soon or overdue (a notification, and an e-mail where
    one is set up): once a day however often it runs. Returns how many people were told."""
    now = rt.now()
    today = now.date()
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    rows = session.scalars(
        select(IncomingAssignee)
        .join(IncomingDocument, IncomingAssignee.incoming_id == IncomingDocument.id)
        .where(
            IncomingAssignee.active.is_(True),
            IncomingAssignee.progress != "done",
            IncomingAssignee.role != "info",
            IncomingAssignee.deadline <= soon,
            IncomingDocument.state.in_(("assigned", "in_progress")),
        )
        .order_by(IncomingAssignee.deadline)
    ).all()
    per_person: dict[int, list[IncomingAssignee]] = {}
    for row in rows:
        for person_id in told(session, row):
            per_person.setdefault(person_id, []).append(row)
    start = dt.datetime.combine(today, dt.time(), rt.tz).astimezone(dt.UTC)
    already = set(
        session.scalars(
            select(Notification.person_id).where(
                Notification.kind == "incoming_digest", Notification.created_at >= start
            )
        )
    )
    told_now = 0
    for person_id, items in per_person.items():
        if person_id in already:
            continue
        overdue = sum(1 for r in items if r.deadline is not None and r.deadline < today)
        names = "; ".join(
            f"{r.incoming.symbol} (hạn {r.deadline:%d/%m/%Y})" for r in items[:DIGEST_ITEMS] if r.deadline
        )
        more = f" và {len(items) - DIGEST_ITEMS} văn bản khác" if len(items) > DIGEST_ITEMS else ""
        message = (
            f"Văn bản đến của bạn: {overdue} quá hạn, {len(items) - overdue} sắp đến hạn trong {DUE_SOON_DAYS} ngày"
            f" — {names}{more}."
        )
        notify(session, [person_id], "incoming_digest", message, None)
        told_now += 1
    return told_now
