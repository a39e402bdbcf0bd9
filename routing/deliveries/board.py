"""The clerk's dispatch board: every recipient of the documents issued lately, how each went, its receipt
statuses and times, and what needs the clerk (failed, not sent, late in working hours), narrowed as asked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from routing.deliveries import answers
from routing.deliveries.service import needs_admin, sending
from routing.deliveries.statuses import FINAL
from routing.incoming.answering import answers_to
from routing.models import Delivery, DeliveryEvent
from routing.states import NOT_SENT, REACHED, Transport
from workflow import access, workday
from workflow.errors import Forbidden
from workflow.models import Document, Person
from workflow.paging import FIRST_PAGE, Page, paged
from workflow.runtime import Runtime


def overdue(rt: Runtime, delivery: Delivery, issued_at: dt.datetime | None, now: dt.datetime) -> list[str]:
    """Why a delivery needs the clerk's attention: failed, no 01 in time, no 03 by the end of the working day;
    in working hours (a document issued in the evening is judged from the next working day's start)."""
    if delivery.transport in NOT_SENT:
        return [sending(delivery)[0]]  # "failed" or "not_sent": the clerk can send it again or on paper
    if issued_at is None or delivery.channel == "none" or delivery.status_code not in (None, "01"):
        return []
    flags = []
    started = workday.counted_from(issued_at, rt.settings, rt.tz)
    if delivery.status_code is None and now > started + dt.timedelta(minutes=rt.settings.arrival_deadline_minutes):
        flags.append("no_arrival")
    if now > workday.end_of_day(started, rt.settings):
        flags.append("not_registered")
    return flags


def unanswered(delivery: Delivery, document: Document, answered: bool, today: dt.date) -> bool:
    """An agency asked to act by the document's deadline (its "hạn xử lý") that has not answered, the day after it
    (one sent for information or to report to is not asked to)."""
    if delivery.kind != "agency" or delivery.purpose != "action" or document.due_date is None or answered:
        return False
    return today > document.due_date and delivery.transport in REACHED


def board(
    session: Session,
    rt: Runtime,
    actor: Person,
    days: int = 30,
    page: Page = FIRST_PAGE,
    *,
    show: str = "all",
    text: str | None = None,
    day: dt.date | None = None,
) -> tuple[list[answers.BoardRow], int | None]:
    """The clerk's dispatch board, newest first a page at a time: every recipient, its status, times, flags;
    narrowed to the recipients to `show`, a document by its number or summary (`text`), or one day's issuance."""
    if not (actor.has_role("clerk") or actor.has_role("leader") or actor.has_role("admin")):
        raise Forbidden("forbidden", "Chỉ văn thư và lãnh đạo xem bảng theo dõi gửi nhận.")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    # Every recipient's status is the drafting agency's file (WORK), as the delivery list is: a receiving
    # unit's leader does not see the others'.
    query = select(Document).where(
        access.visible(actor, access.WORK), Document.number.is_not(None), Document.issued_at >= since
    )
    if text:
        pattern = f"%{text.strip()}%"
        query = query.where(or_(Document.symbol.ilike(pattern), Document.summary.ilike(pattern)))
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), rt.tz)
        query = query.where(Document.issued_at >= start, Document.issued_at < start + dt.timedelta(days=1))
    documents, after = paged(session, query, Document.id, page)
    ids = [d.id for d in documents]
    deliveries: dict[int, list[Delivery]] = {}
    of_documents = (
        select(Delivery)
        .where(Delivery.document_id.in_(ids))
        .options(joinedload(Delivery.unit), joinedload(Delivery.agency))
        .order_by(Delivery.id)
    )
    for delivery in session.scalars(of_documents):
        deliveries.setdefault(delivery.document_id, []).append(delivery)
    events: dict[int, list[DeliveryEvent]] = {}
    delivery_ids = [d.id for rows in deliveries.values() for d in rows]
    of_deliveries = select(DeliveryEvent).where(DeliveryEvent.delivery_id.in_(delivery_ids)).order_by(DeliveryEvent.id)
    for event in session.scalars(of_deliveries):
        events.setdefault(event.delivery_id, []).append(event)
    now = dt.datetime.now(dt.UTC)
    today = rt.now().date()
    answered = answers_to(session, ids)
    rows = []
    for document in documents:
        recipients = []
        for delivery in deliveries.get(document.id, []):
            flags = overdue(rt, delivery, document.issued_at, now)
            answer = answered.get((document.id, delivery.agency.code)) if delivery.agency is not None else None
            if unanswered(delivery, document, answer is not None, today):
                flags.append("no_answer")
            recipients.append(
                answers.BoardRecipient(
                    **answers.DeliveryOut.fields_of(delivery),
                    attempts=delivery.attempts,
                    overdue=flags,
                    # Nothing more to follow: reached, with a final status, and nothing flagged.
                    done=not flags
                    and delivery.transport in REACHED
                    and (delivery.status_code in FINAL or delivery.transport == Transport.PAPER),
                    needs_admin=needs_admin(delivery.last_error),
                    history=[answers.HistoryStep.of(e) for e in events.get(delivery.id, [])],
                    answered_by=answers.AnswerRef(
                        incoming_id=answer.id,
                        symbol=answer.symbol,
                        promulgation_date=answer.promulgation_date.isoformat(),
                    )
                    if answer is not None
                    else None,
                )
            )
        rows.append(
            answers.BoardRow(
                document=answers.BoardDocument.of(document),
                recipients=[r for r in recipients if _shown(r, show)],
                attention=sum(1 for r in recipients if r.overdue),
                done=sum(1 for r in recipients if r.done),
            )
        )
    return [row for row in rows if row.recipients or show == "all"], after


def _shown(recipient: answers.BoardRecipient, show: str) -> bool:
    if show == "attention":
        return bool(recipient.overdue)
    if show == "open":
        return not recipient.done
    return True
