"""Incoming documents (văn bản đến) once arrived (routing/arrival.py): who sees them, the lifecycle's steps
(registration, assignment, handling, recall), each part's work and "Việc của tôi".

Every step that changes the national status sends it back to the sender agency (status message queued in the same
transaction). Beside it: the parts and their progress (assignment.py), more time and reminders (chasing.py), answers
(answering.py), the incoming register (registers.py), documents registered by hand (registration.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, object_session, selectinload

from routing.deliveries.statuses import INCOMING_GONE as GONE
from routing.deliveries.statuses import INCOMING_LABELS as STATE_LABELS
from routing.exchange import outbound
from routing.exchange.arrival import add_event
from routing.incoming import assignment, chasing
from routing.incoming.registers import incoming_register
from routing.incoming.schemas import (
    ExtensionAnswer,
    ExtensionAsk,
    Forward,
    IncomingStep,
    Progress,
    Reminder,
)
from routing.models import IncomingAssignee, IncomingDocument, IncomingEvent, IncomingExtension
from workflow import runtime
from workflow.directory import delegations
from workflow.directory.models import DelegationScope
from workflow.documents.search import containing, fold
from workflow.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from workflow.issuance.registers import take_number
from workflow.models import Person
from workflow.notifications.service import resolve
from workflow.paging import FIRST_PAGE, Page, paged
from workflow.runtime import Runtime


@dataclass(frozen=True)
class Step:
    """One allowed step: where it leads, the status sent back, and who may take it."""

    to_state: str
    code: str
    who: str  # clerk | leader | lead (whoever holds the lead part)


# (state, action) -> step: the incoming lifecycle as a table.
STEPS: dict[tuple[str, str], Step] = {
    ("received", "register"): Step("registered", "03", "clerk"),
    ("received", "return"): Step("returned", "02", "clerk"),
    ("registered", "assign"): Step("assigned", "04", "leader"),
    ("assigned", "start"): Step("in_progress", "05", "lead"),
    ("in_progress", "finish"): Step("done", "06", "lead"),
}
RECALL_ANSWERS = {"accept_recall": "15", "refuse_recall": "16"}
# A step that needs nothing more (start, finish).
NO_INPUT = IncomingStep.model_validate({})
# Every step a person may take on an incoming document.
ACTIONS = tuple(sorted({action for _, action in STEPS} | set(RECALL_ANSWERS)))


# --- handling ----------------------------------------------------------------------------------


def _instructs(session: Session | None, actor: Person) -> bool:
    """A leader, or someone a leader handed the instruction on incoming documents to while away, now."""
    if actor.has_role("leader"):
        return True
    return session is not None and delegations.holds(session, actor, DelegationScope.ASSIGN, runtime.current().now())


def instructs(session: Session, actor: Person) -> bool:
    """The actor gives the leader's instruction on incoming documents (a leader, or a leader's delegate now)."""
    return _instructs(session, actor)


def can_see(actor: Person, incoming: IncomingDocument) -> bool:
    """Clerks and leaders (and a leader's delegate) see every incoming document of the agency; units and persons
    see what they were given."""
    if actor.unit.agency_id != incoming.agency_id:
        return False
    if actor.has_role("clerk") or _instructs(object_session(incoming), actor):
        return True
    return incoming.state not in GONE and any(assignment.holds(actor, row) for row in incoming.assignees)


def visible(session: Session, actor: Person) -> ColumnElement[bool]:
    """can_see as a condition for queries: the lists filter in the database, so every page is full."""
    ours = IncomingDocument.agency_id == actor.unit.agency_id
    if actor.has_role("clerk") or _instructs(session, actor):
        return ours
    return and_(ours, IncomingDocument.state.not_in(GONE), assignment.given_to(actor))


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
    if who == "lead":
        return assignment.is_lead(actor, incoming)
    if who == "leader":
        return _instructs(object_session(incoming), actor)
    return actor.has_role(who)


def staff_of(actor: Person) -> dict[str, str]:
    return {"department": actor.unit.name, "staff": actor.full_name}


def act(
    session: Session, rt: Runtime, actor: Person, incoming_id: int, action: str, step_input: IncomingStep
) -> IncomingDocument:
    """Take one step on an incoming document and send its status to the sender."""
    incoming = get(session, actor, incoming_id, lock=True)
    if action in RECALL_ANSWERS:
        return _answer_recall(session, rt, actor, incoming, action, step_input.reason.strip())
    return take_step(session, rt, actor, incoming, action, step_input)


def take_step(
    session: Session, rt: Runtime, actor: Person, incoming: IncomingDocument, action: str, step_input: IncomingStep
) -> IncomingDocument:
    """One step of the lifecycle table on a document the caller locked: checked, recorded, its status sent."""
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
        incoming.incoming_number = take_number(session, incoming_register(session, incoming.agency_id).id, now.year)
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
        detail = assignment.assign(session, rt, actor, incoming, step_input.instruction, step_input.named())
        description = assignment.description(incoming)
    elif action == "start":
        assignment.start_lead(rt, incoming)
    elif action == "finish":
        assignment.finish_lead(rt, incoming)
    incoming.state = step.to_state
    add_event(session, incoming, action, step.code, actor, **detail)
    if action in ("register", "return"):  # the clerk has dealt with its arrival
        resolve(session, "incoming_received", incoming_id=incoming.id)
    tell_sender(session, rt, incoming, step.code, description, staff_of(actor))
    return incoming


def tell_sender(
    session: Session, rt: Runtime, incoming: IncomingDocument, code: str, description: str, staff: dict[str, str]
) -> None:
    """Send the status to the sender's system (one that came on paper, by e-mail or by hand has none to tell)."""
    if incoming.received_via in ("exchange", "import"):
        outbound.send_status(
            session,
            rt,
            organ_id=incoming.sender_code,
            key=incoming.document_key,
            code=code,
            description=description,
            staff=staff,
        )


def forward(session: Session, rt: Runtime, actor: Person, incoming_id: int, body: Forward) -> IncomingDocument:
    """The head of an assigned unit passes its part to one of its people."""
    incoming = _handled(session, actor, incoming_id)
    assignment.forward(session, rt, actor, incoming, body)
    return incoming


def report(
    session: Session, rt: Runtime, actor: Person, incoming_id: int, body: Progress, files: list[dict[str, str]]
) -> IncomingDocument:
    """The actor's part moves on; the lead's part moving on starts (05) and, done, finishes (06) the document."""
    incoming = _handled(session, actor, incoming_id)
    row = assignment.progress(session, rt, actor, incoming, body, files)
    if row.role == "lead":
        if incoming.state == "assigned":
            take_step(session, rt, actor, incoming, "start", NO_INPUT)
        if body.progress == "done":
            take_step(session, rt, actor, incoming, "finish", NO_INPUT)
    return incoming


def ask_more_time(session: Session, actor: Person, incoming_id: int, body: ExtensionAsk) -> IncomingExtension:
    """An assignee asks for a later deadline."""
    return chasing.ask_more_time(session, actor, _handled(session, actor, incoming_id), body)


def answer_more_time(
    session: Session,
    rt: Runtime,
    actor: Person,
    incoming_id: int,
    extension_id: int,
    grant: bool,
    body: ExtensionAnswer,
) -> IncomingExtension:
    """Who assigned the part grants or refuses the later deadline."""
    incoming = get(session, actor, incoming_id, lock=True)
    return chasing.answer_more_time(session, rt, actor, incoming, extension_id, grant, body)


def remind(session: Session, actor: Person, incoming_id: int, body: Reminder) -> IncomingDocument:
    """A leader or the clerk reminds an assignee."""
    incoming = _handled(session, actor, incoming_id)
    chasing.remind(session, actor, incoming, body)
    return incoming


def opened(rt: Runtime, actor: Person, incoming: IncomingDocument) -> bool:
    """The actor opened the document: their unseen parts are being worked on; True when one changed."""
    before = [row.progress for row in incoming.assignees]
    assignment.seen(rt, actor, incoming)
    return before != [row.progress for row in incoming.assignees]


# Files one progress note may carry.
MAX_NOTE_FILES = 10


def keep_files(rt: Runtime, uploads: list[Any]) -> list[dict[str, str]]:
    """A progress note's files put in the store (before any write), each within the upload bound."""
    if len(uploads) > MAX_NOTE_FILES:
        raise Invalid("too_many_files", f"Mỗi lần báo cáo kèm tối đa {MAX_NOTE_FILES} tệp.", field="file")
    kept = []
    for upload in uploads:
        data = upload.read(rt.settings.max_upload_bytes + 1)
        if len(data) > rt.settings.max_upload_bytes:
            raise Invalid("file_too_large", f"Tệp {upload.filename} quá lớn.", field="file")
        if data:
            kept.append({"name": (upload.filename or "tep")[:200], "sha256": rt.store.put(data)})
    return kept


def bulk(
    session: Session, rt: Runtime, actor: Person, ids: list[int], action: str, step_input: IncomingStep
) -> tuple[list[int], list[dict[str, Any]]]:
    """One step on several documents, each on its own: what was done, and each refusal with its reason."""
    done: list[int] = []
    refused: list[dict[str, Any]] = []
    for incoming_id in dict.fromkeys(ids):
        try:
            with session.begin_nested():
                found = get(session, actor, incoming_id, lock=True)
                if action == "finish" and found.state == "assigned":  # started and finished at once
                    take_step(session, rt, actor, found, "start", NO_INPUT)
                take_step(session, rt, actor, found, action, step_input)
            done.append(incoming_id)
        except DomainError as exc:
            refused.append({"id": incoming_id, "code": exc.code, "message": exc.message})
    return done, refused


def _handled(session: Session, actor: Person, incoming_id: int) -> IncomingDocument:
    """A document being handled (assigned, in progress), locked for the change."""
    incoming = get(session, actor, incoming_id, lock=True)
    if incoming.state in GONE:
        raise Conflict("incoming_gone", "Văn bản đến đã bị thu hồi hoặc thay thế.", state=incoming.state)
    if incoming.state not in ("assigned", "in_progress"):
        raise Conflict(
            "not_being_handled",
            f"Văn bản đang ở trạng thái «{STATE_LABELS[incoming.state]}», không trong quá trình xử lý.",
            state=incoming.state,
        )
    return incoming


def my_work(session: Session, actor: Person, done: bool = False) -> list[IncomingAssignee]:
    """ "Việc của tôi": the parts given to the actor (and to the actor's unit, for its head), nearest deadline first;
    open ones, or the finished ones on request (at most 500)."""
    query = (
        select(IncomingAssignee)
        .join(IncomingDocument, IncomingAssignee.incoming_id == IncomingDocument.id)
        .where(assignment.held_by(actor), IncomingDocument.state.not_in(GONE))
        .where(IncomingAssignee.progress == "done" if done else IncomingAssignee.progress != "done")
    )
    if not actor.has_role("unit_head"):  # a specialist's list is their own; the unit's parts wait for its head
        query = query.where(IncomingAssignee.person_id == actor.id)
    query = query.options(selectinload(IncomingAssignee.incoming).selectinload(IncomingDocument.assignees))
    rows = session.scalars(query.order_by(IncomingAssignee.deadline.is_(None), IncomingAssignee.deadline).limit(500))
    return list(rows)


def work_count(session: Session, actor: Person) -> int:
    """How many open parts "Việc của tôi" lists for the actor (the home page's tile)."""
    return len(my_work(session, actor))


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
        staff=staff_of(actor),
    )
    return incoming


def listing(
    session: Session,
    actor: Person,
    state: str | None = None,
    year: int | None = None,
    page: Page = FIRST_PAGE,
    words: str = "",
) -> tuple[list[IncomingDocument], int | None]:
    """Incoming documents the actor may see with every word (accents and case aside: in the number, sender,
    summary or the words read off a scan), newest first a page at a time; recalled and replaced only on
    request."""
    query = select(IncomingDocument).where(visible(session, actor))
    query = query.where(*containing(IncomingDocument.search_text, fold(words).split()))
    query = query.where(IncomingDocument.state == state) if state else query.where(IncomingDocument.state.not_in(GONE))
    if year:
        query = query.where(IncomingDocument.incoming_year == year)
    return paged(session, query, IncomingDocument.id, page)


def events(session: Session, incoming: IncomingDocument) -> list[IncomingEvent]:
    """The incoming document's history in order."""
    query = select(IncomingEvent).where(IncomingEvent.incoming_id == incoming.id).order_by(IncomingEvent.id)
    return list(session.scalars(query))


def text_layer_pdf(rt: Runtime, incoming: IncomingDocument) -> bytes:
    """The scan with its words laid over it (read by the OCR job), or 404 when it has none."""
    if incoming.ocr_pdf_sha256 is None:
        raise NotFound(
            "no_text_layer", "Văn bản này không có bản nhận dạng chữ (chỉ bản quét mới có, sau khi đọc xong)."
        )
    return rt.store.get(incoming.ocr_pdf_sha256)


def pdf(rt: Runtime, incoming: IncomingDocument) -> bytes:
    """The received PDF, checked against its recorded SHA-256."""
    data = rt.store.get(incoming.pdf_sha256)
    assert hashlib.sha256(data).hexdigest() == incoming.pdf_sha256
    return data
