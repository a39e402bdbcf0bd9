"""Reports of a period (Decree 30 Art. 22's follow-up of documents), per unit or per person: for incoming
documents, what each was given and how it kept its deadlines; for outgoing documents, what each drafted and
issued; for the receipts of what we sent, how each recipient answered.

Every figure is counted in Python from one bounded query per report (a period of at most a year of one agency),
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from routing.deliveries.statuses import INCOMING_GONE
from routing.models import Delivery, DeliveryEvent, IncomingAssignee, IncomingDocument
from workflow.errors import Forbidden, Invalid
from workflow.models import Document, Person
from workflow.runtime import Runtime
from workflow.states import DocumentState

# The longest period one report counts.
MAX_DAYS = 366
COLUMNS = (
    ("received", "Nhận"),
    ("on_time", "Xong đúng hạn"),
    ("late", "Xong quá hạn"),
    ("overdue", "Quá hạn chưa xong"),
    ("open", "Đang xử lý trong hạn"),
    ("median_days", "Số ngày xử lý (trung vị)"),
)
# What each kind of report calls its figures, where it differs from the common names.
RENAMED = {
    "outgoing": {
        "received": "Dự thảo",
        "on_time": "Phát hành đúng hạn",
        "late": "Phát hành quá hạn",
        "overdue": "Quá hạn chưa phát hành",
        "open": "Đang soạn, trình, ký",
        "median_days": "Số ngày từ dự thảo đến phát hành (trung vị)",
    },
    "receipts": {
        "received": "Đã gửi đến",
        "on_time": "Hoàn thành đúng hạn",
        "late": "Hoàn thành quá hạn",
        "overdue": "Quá hạn chưa hoàn thành",
        "open": "Chưa hoàn thành, trong hạn",
        "median_days": "Số ngày đến khi hoàn thành (trung vị)",
    },
}


@dataclass
class Line:
    """One unit's or person's figures."""

    name: str
    received: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0
    days: list[float] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        """The median days to finish of what was finished (None: nothing finished)."""
        return round(statistics.median(self.days), 1) if self.days else None

    def count(self, deadline: dt.date | None, finished: dt.datetime | None, started: dt.datetime, rt: Runtime) -> None:
        """Count one item: finished on time or late against its deadline, or still open (overdue or not)."""
        self.received += 1
        today = rt.now().date()
        if finished is not None:
            late = deadline is not None and finished.astimezone(rt.tz).date() > deadline
            self.late += late
            self.on_time += not late
            self.days.append(max(0.0, (finished - started).total_seconds() / 86400))
        elif deadline is not None and deadline < today:
            self.overdue += 1
        else:
            self.open += 1


@dataclass(frozen=True)
class Report:
    """A report's heading, its columns and its lines (named, sorted by name), with a line of totals."""

    kind: str
    by: str
    since: dt.date
    until: dt.date
    columns: tuple[tuple[str, str], ...]
    lines: list[Line]
    total: Line


def period(rt: Runtime, since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for (this month so far when absent), checked."""
    today = rt.now().date()
    until = until or today
    since = since or until.replace(day=1)
    if since > until:
        raise Invalid("invalid_period", "Ngày bắt đầu phải trước ngày kết thúc.", field="from")
    if (until - since).days >= MAX_DAYS:
        raise Invalid("period_too_long", f"Mỗi báo cáo tính tối đa {MAX_DAYS} ngày; hãy chọn khoảng ngắn hơn.")
    return since, until


def report(session: Session, rt: Runtime, actor: Person, kind: str, by: str, since: dt.date, until: dt.date) -> Report:
    """The report of a kind for the period, grouped by unit or person (leaders and clerks)."""
    if not (actor.has_role("leader") or actor.has_role("clerk")):
        raise Forbidden("forbidden", "Chỉ lãnh đạo và văn thư xem báo cáo.")
    start = dt.datetime.combine(since, dt.time(), rt.tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), rt.tz)
    agency_id = actor.unit.agency_id
    counters = {"incoming": _incoming, "outgoing": _outgoing, "receipts": _receipts}
    lines: dict[str, Line] = {}

    def line(name: str) -> Line:
        return lines.setdefault(name, Line(name))

    counters[kind](session, rt, agency_id, by, start, end, line)
    ordered = sorted(lines.values(), key=lambda item: item.name)
    total = Line("Tổng cộng")
    for item in ordered:
        total.received += item.received
        total.on_time += item.on_time
        total.late += item.late
        total.overdue += item.overdue
        total.open += item.open
        total.days += item.days
    renamed = RENAMED.get(kind, {})
    columns = tuple((key, renamed.get(key, label)) for key, label in COLUMNS)
    return Report(kind, by, since, until, columns, ordered, total)


Counter = Callable[[str], Line]


def _incoming(
    session: Session, rt: Runtime, agency_id: int, by: str, start: dt.datetime, end: dt.datetime, line: Counter
) -> None:
    """Each part given (lead or support) in the period: by unit, the unit's own and its people's first-hand parts
    (a part passed on inside a unit counts once, as the unit's); by person, each person's own."""
    query = (
        select(IncomingAssignee)
        .join(IncomingDocument, IncomingAssignee.incoming_id == IncomingDocument.id)
        .where(
            IncomingDocument.agency_id == agency_id,
            IncomingDocument.state.not_in(INCOMING_GONE),
            IncomingAssignee.active.is_(True),
            IncomingAssignee.role != "info",
            IncomingAssignee.created_at >= start.astimezone(dt.UTC),
            IncomingAssignee.created_at < end.astimezone(dt.UTC),
        )
        .options(joinedload(IncomingAssignee.unit), joinedload(IncomingAssignee.person).joinedload(Person.unit))
    )
    for row in session.scalars(query):
        if by == "person":
            if row.person is None:
                continue
            name = row.person.full_name
        else:
            if row.parent_id is not None:
                continue
            unit = row.unit or (row.person.unit if row.person else None)
            if unit is None:
                continue
            name = unit.name
        line(name).count(row.deadline, row.done_at if row.progress == "done" else None, row.created_at, rt)


def _outgoing(
    session: Session, rt: Runtime, agency_id: int, by: str, start: dt.datetime, end: dt.datetime, line: Counter
) -> None:
    """Each document drafted in the period, by its drafting unit or drafter: issued (on time against the deadline of
    the incoming document it answers, if any), still being drafted, or withdrawn (not counted)."""
    query = (
        select(Document)
        .where(
            Document.agency_id == agency_id,
            Document.created_at >= start.astimezone(dt.UTC),
            Document.created_at < end.astimezone(dt.UTC),
            Document.state != DocumentState.WITHDRAWN,
        )
        .options(joinedload(Document.drafter).joinedload(Person.unit))
    )
    documents = list(session.scalars(query))
    answered = {d.replies_to_incoming_id for d in documents if d.replies_to_incoming_id}
    rows = session.execute(
        select(IncomingDocument.id, IncomingDocument.deadline).where(IncomingDocument.id.in_(answered))
    )
    deadlines = {incoming_id: deadline for incoming_id, deadline in rows}
    for document in documents:
        name = document.drafter.full_name if by == "person" else document.drafter.unit.name
        deadline = deadlines.get(document.replies_to_incoming_id or 0)
        line(name).count(deadline, document.issued_at, document.created_at, rt)


def _receipts(
    session: Session, rt: Runtime, agency_id: int, by: str, start: dt.datetime, end: dt.datetime, line: Counter
) -> None:
    """Each delivery of a document issued in the period, by the unit or agency it went to (by person: by the
    person who recorded that it was done): done (06) on time against the document's deadline, or not yet."""
    query = (
        select(Delivery)
        .join(Document, Delivery.document_id == Document.id)
        .where(
            Document.agency_id == agency_id,
            Document.issued_at >= start.astimezone(dt.UTC),
            Document.issued_at < end.astimezone(dt.UTC),
        )
        .options(joinedload(Delivery.unit), joinedload(Delivery.agency), joinedload(Delivery.document))
    )
    deliveries = list(session.scalars(query))
    finished: dict[int, DeliveryEvent] = {}
    for event in _done_events(session, [d.id for d in deliveries]):
        finished.setdefault(event.delivery_id, event)
    for delivery in deliveries:
        done = finished.get(delivery.id)
        if by == "person":
            if done is None or done.actor is None:
                continue
            name = done.actor.full_name
        else:
            target = delivery.unit or delivery.agency
            name = target.name if target is not None else delivery.label
        at = (done.remote_at or done.created_at) if done is not None else None
        issued = delivery.document.issued_at or delivery.document.created_at
        line(name).count(delivery.document.due_date, at, issued, rt)


def _done_events(session: Session, delivery_ids: Iterable[int]) -> list[DeliveryEvent]:
    """The 06 of each delivery, oldest first, asked for a few thousand deliveries at a time (a year's worth may
    pass the database's limit of values in one query)."""
    ids = list(delivery_ids)
    found: list[DeliveryEvent] = []
    for first in range(0, len(ids), CHUNK):
        query = (
            select(DeliveryEvent)
            .where(DeliveryEvent.delivery_id.in_(ids[first : first + CHUNK]), DeliveryEvent.code == "06")
            .options(joinedload(DeliveryEvent.actor))
            .order_by(DeliveryEvent.id)
        )
        found += session.scalars(query)
    return found


CHUNK = 5000
