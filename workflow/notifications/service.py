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
    "incoming_assigned": "Văn bản đến được giao xử lý",
    "incoming_reminder": "Nhắc xử lý văn bản đến",
    "incoming_extension": "Gia hạn xử lý văn bản đến",
    "incoming_report": "Báo cáo phối hợp xử lý văn bản đến",
    "incoming_digest": "Văn bản đến sắp đến hạn và quá hạn",
    "agency_renamed": "Tên cơ quan trên trục liên thông khác danh bạ",
}


def role_holders(session: Session, agency_id: int, role: str) -> list[int]:
    """The active people of the agency who hold the role."""
    people = session.scalars(
        select(Person).join(Unit).where(Unit.agency_id == agency_id, Person.active.is_(True))
    ).all()
    return [p.id for p in people if p.has_role(role)]


def notify_role(
    session: Session, agency_id: int, role: str, kind: str, message: str, document: Document | None, **detail: Any
) -> int:
    """Notify every active person of the agency who holds the role; returns how many were notified."""
    return notify(session, role_holders(session, agency_id, role), kind, message, document, **detail)


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


def notify_grouped(
    session: Session, person_ids: list[int], kind: str, document: Document, cause: str, item: str
) -> int:
    """One notice per person, document and cause, growing as items join it ("… tới 3 nơi nhận: A, B, C") instead
    of one notice per item; a notice already read starts a new one. Returns how many people were told anew."""
    told = 0
    for person_id in sorted(set(person_ids)):
        open_notice = next(
            (
                n
                for n in session.scalars(
                    select(Notification).where(
                        Notification.person_id == person_id,
                        Notification.kind == kind,
                        Notification.document_id == document.id,
                        Notification.read_at.is_(None),
                    )
                )
                if (n.detail or {}).get("cause") == cause
            ),
            None,
        )
        if open_notice is None:
            told += notify(
                session, [person_id], kind, _grouped(document, cause, [item]), document, cause=cause, items=[item]
            )
            continue
        items = [*open_notice.detail.get("items", []), item]
        open_notice.detail = {**open_notice.detail, "items": items}
        open_notice.message = _grouped(document, cause, items)
    return told


def _grouped(document: Document, cause: str, items: list[str]) -> str:
    named = ", ".join(items[:5]) + (f" và {len(items) - 5} nơi khác" if len(items) > 5 else "")
    where = named if len(items) == 1 else f"{len(items)} nơi nhận ({named})"
    return f"Văn bản {document.symbol or ''} «{document.summary}» chưa gửi được tới {where}: {cause}"


def resolve(
    session: Session, kind: str, document: Document | None = None, person_ids: list[int] | None = None, **detail: Any
) -> int:
    """The work a kind of notice asked for is done (signed, finished, answered): its unread notices about this
    document (or with this detail) are marked read, so nobody is told of it any more. Returns how many."""
    query = select(Notification).where(Notification.kind == kind, Notification.read_at.is_(None))
    if document is not None:
        query = query.where(Notification.document_id == document.id)
    if person_ids is not None:
        query = query.where(Notification.person_id.in_(person_ids))
    now = dt.datetime.now(dt.UTC)
    resolved = 0
    for row in session.scalars(query.limit(5000)):
        if all((row.detail or {}).get(name) == value for name, value in detail.items()):
            row.read_at, resolved = now, resolved + 1
    return resolved


def withdraw(session: Session, document: Document, kind: str) -> int:
    """Remove the notifications of this kind about a document (it is no longer theirs to see)."""
    done = session.execute(
        delete(Notification).where(Notification.document_id == document.id, Notification.kind == kind)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def people_of_unit(session: Session, unit_id: int) -> list[int]:
    """The active people of a unit."""
    return list(session.scalars(select(Person.id).where(Person.unit_id == unit_id, Person.active.is_(True))))


# Work the menu counts already (the returned drafts, the signing book, the unit's inbox): the bell does not count
# it again; its notices are listed, and resolved when the work is done.
COUNTED_BY_THE_MENU = ("document_returned", "to_sign", "incoming_document")


def unread_count(session: Session, actor: Person) -> int:
    """How many of the person's notifications are unread, but for what a menu counter shows."""
    query = select(func.count()).select_from(Notification)
    return int(
        session.scalar(
            query.where(
                Notification.person_id == actor.id,
                Notification.read_at.is_(None),
                Notification.kind.not_in(COUNTED_BY_THE_MENU),
            )
        )
        or 0
    )


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
