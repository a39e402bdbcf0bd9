"""Answers: an outgoing document drafted to answer an incoming one (checked when the draft is made, the incoming one
finished when the answer is issued), and the documents other agencies answered ours with.

Receivers of workflow's signals and queries; they take the caller's session and never commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.deliveries.statuses import INCOMING_GONE as GONE
from routing.deliveries.statuses import INCOMING_LABELS as STATE_LABELS
from routing.exchange.arrival import add_event
from routing.incoming import assignment
from routing.incoming.service import get, staff_of, tell_sender
from routing.models import IncomingDocument
from workflow import runtime
from workflow.errors import Conflict, Invalid, NotFound
from workflow.models import Document, Person


def may_answer(session: Session, person: Person, incoming_id: int) -> bool:
    """Receiver of workflow's draft_replies: the person sees the incoming document and it still waits for an
    answer (registered, assigned or being handled)."""
    try:
        incoming = get(session, person, incoming_id)
    except NotFound as exc:
        raise Invalid(
            "invalid_reply", "Không tìm thấy văn bản đến cần trả lời.", field="replies_to_incoming_id"
        ) from exc
    if incoming.state not in ("registered", "assigned", "in_progress"):
        raise Conflict(
            "not_answerable",
            f"Văn bản đến {incoming.symbol} đang ở trạng thái «{STATE_LABELS[incoming.state]}»: không soạn trả lời.",
        )
    return True


def on_answer_issued(session: Session, document: Document, actor: Person | None) -> None:
    """Receiver of document_issued: an answer issued finishes the incoming document it answers (06 to its sender,
    naming the answer)."""
    if document.replies_to_incoming_id is None:
        return
    incoming = session.get(IncomingDocument, document.replies_to_incoming_id, with_for_update=True)
    if incoming is None or incoming.agency_id != document.agency_id:
        return
    incoming.answered_by_id = document.id
    if incoming.state not in ("registered", "assigned", "in_progress"):
        return  # finished (or gone) already: the answer is linked all the same
    rt = runtime.current()
    assignment.finish_lead(rt, incoming)
    incoming.state = "done"
    add_event(session, incoming, "answered", "06", actor, document_id=document.id, symbol=document.symbol)
    staff = staff_of(actor) if actor else {"department": "Văn thư"}
    tell_sender(session, rt, incoming, "06", f"Đã trả lời bằng văn bản số {document.symbol}.", staff)


def answers_to(session: Session, document_ids: list[int]) -> dict[tuple[int, str], IncomingDocument]:
    """The incoming documents that answer these documents of ours, by (our document, the answering agency)."""
    if not document_ids:
        return {}
    query = select(IncomingDocument).where(
        IncomingDocument.answers_document_id.in_(document_ids), IncomingDocument.state.not_in(GONE)
    )
    return {
        (i.answers_document_id or 0, i.sender_code): i for i in session.scalars(query.order_by(IncomingDocument.id))
    }
