"""Notifications to people and to every holder of a role."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from workflow import outbox, runtime
from workflow.errors import NotFound
from workflow.models import Document, Notification, Person, Unit

# What each kind of notification is called, on the page and in an e-mail's subject.
KIND_LABELS = {
    "delivery_failed": "Gửi văn bản không thành",
    "document_returned": "Văn bản bị trả lại",
    "to_sign": "Văn bản chờ ký",
    "incoming_document": "Văn bản đến đơn vị",
    "incoming_received": "Văn bản đến từ cơ quan khác",
    "recall_requested": "Đề nghị thu hồi văn bản",
    "agency_renamed": "Tên cơ quan trên trục liên thông khác danh bạ",
}


def notify_role(
    session: Session, agency_id: int, role: str, kind: str, message: str, document: Document | None, **detail: Any
) -> int:
    """Notify every active person of the agency who holds the role; returns how many were notified."""
    people = session.scalars(
        select(Person).join(Unit).where(Unit.agency_id == agency_id, Person.active.is_(True))
    ).all()
    return notify(session, [p.id for p in people if p.has_role(role)], kind, message, document, **detail)


def notify(
    session: Session, person_ids: list[int], kind: str, message: str, document: Document | None, **detail: Any
) -> int:
    """Notify these people (each once), in the pages and, when an SMTP server is configured, by e-mail to those
    with an address (a job after commit); returns how many were notified."""
    rows = [
        Notification(
            person_id=person_id,
            kind=kind,
            message=message,
            document_id=document.id if document else None,
            detail=detail,
        )
        for person_id in sorted(set(person_ids))
    ]
    session.add_all(rows)
    if rows and runtime.current().settings.smtp_host:
        session.flush()
        outbox.add(session, outbox.SEND_EMAIL, notification_ids=[row.id for row in rows])
    return len(rows)


def withdraw(session: Session, document: Document, kind: str) -> int:
    """Remove the notifications of this kind about a document (it is no longer theirs to see)."""
    done = session.execute(
        delete(Notification).where(Notification.document_id == document.id, Notification.kind == kind)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def people_of_unit(session: Session, unit_id: int) -> list[int]:
    """The active people of a unit."""
    return list(session.scalars(select(Person.id).where(Person.unit_id == unit_id, Person.active.is_(True))))


def unread_count(session: Session, actor: Person) -> int:
    """How many of the person's notifications are unread."""
    query = select(func.count()).select_from(Notification)
    return int(session.scalar(query.where(Notification.person_id == actor.id, Notification.read_at.is_(None))) or 0)


def mark_all_read(session: Session, actor: Person) -> int:
    """Mark every notification of the person as read; returns how many were unread."""
    done = session.execute(
        update(Notification)
        .where(Notification.person_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=dt.datetime.now(dt.UTC))
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def to_email(session: Session, notification_ids: list[int]) -> list[tuple[int, str, str, str]]:
    """The notifications of these ids not yet e-mailed whose person has an address: (id, address, kind, text)."""
    query = (
        select(Notification.id, Person.email, Notification.kind, Notification.message)
        .join(Person, Person.id == Notification.person_id)
        .where(Notification.id.in_(notification_ids), Notification.emailed_at.is_(None), Person.email != "")
    )
    return [(int(i), str(e), str(k), str(m)) for i, e, k, m in session.execute(query.order_by(Notification.id))]


def mark_emailed(session: Session, notification_ids: list[int]) -> None:
    """Record that these notifications went out by e-mail (a job run again sends them no more)."""
    session.execute(
        update(Notification).where(Notification.id.in_(notification_ids)).values(emailed_at=dt.datetime.now(dt.UTC))
    )


def notifications(session: Session, actor: Person, unread_only: bool = False) -> list[Notification]:
    """The person's notifications, newest first."""
    query = select(Notification).where(Notification.person_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(200)))


def mark_read(session: Session, actor: Person, notification_id: int) -> Notification:
    """Mark one of the person's notifications as read."""
    found = session.get(Notification, notification_id)
    if found is None or found.person_id != actor.id:
        raise NotFound("notification_not_found", "Không tìm thấy thông báo.")
    found.read_at = found.read_at or dt.datetime.now(dt.UTC)
    return found
