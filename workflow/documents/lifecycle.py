"""The one place a document changes state, driven by the table in states.py."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import pdf as signing_pdf
from signing.errors import PdfError
from workflow import access, runtime
from workflow.audit import audit
from workflow.directory.delegations import hand_over_later
from workflow.documents.drafting import layout_of, store_version
from workflow.documents.service import read_pdf
from workflow.errors import Conflict, Forbidden, Invalid, Unprocessable
from workflow.models import AuditEvent, Document, Person, SigningBatch, SigningBatchItem
from workflow.notifications.service import notify, resolve
from workflow.runtime import Runtime
from workflow.states import (
    ACTION_LABELS,
    NEEDS_REASON,
    STATE_LABELS,
    BatchState,
    DocumentState,
    ItemStatus,
    Transition,
    next_state,
)

T = TypeVar("T")


def may_act(person: Person, document: Document, actor_kind: str) -> bool:
    """Whether a person is the kind of actor a transition needs, for this document (the rules of access.py)."""
    return actor_kind in access.relations(person, document)


def check(actor: Person | None, document: Document, action: str) -> Transition:
    """The transition an action would take, or 409 if not allowed now, 403 if not this person."""
    step = next_state(document.state, action)
    if step is None:
        raise Conflict(
            "invalid_transition",
            f"Không thể {ACTION_LABELS.get(action, action)} khi văn bản đang ở trạng thái "
            f"“{STATE_LABELS[document.state]}”.",
            state=document.state,
            action=action,
        )
    if actor is not None and not may_act(actor, document, step.actor):
        raise Forbidden("forbidden_action", "Bạn không có quyền thực hiện thao tác này với văn bản.")
    return step


def transition(
    session: Session,
    actor: Person | None,
    document: Document,
    action: str,
    reason: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Apply (state, action) from the table: 409 if not allowed now, 403 if not this person."""
    step = check(actor, document, action)
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise Invalid("reason_required", "Cần nêu lý do.", field="reason")
    before = document.state
    document.state = step.target
    if action == "return":
        document.return_reason = reason
        _leave_open_batches(session, document)
    # What the notices asked for is done: the leader signed or returned it; the drafter sent it on again.
    if before == DocumentState.AWAITING_SIGNATURE:
        resolve(session, "to_sign", document)
    if before == DocumentState.DRAFTING:
        resolve(session, "document_returned", document)
    if reason:
        detail["reason"] = reason
    _tell(session, document, action, reason)
    return audit(session, actor, action, document, before, step.target, **detail)


def _leave_open_batches(session: Session, document: Document) -> None:
    """A returned document leaves the batches still waiting for the leader's confirmation (one made at the
    cut-off, prepared ahead): it comes back through review into a new batch, never held by the old one."""
    waiting = select(SigningBatch.id).where(SigningBatch.state == BatchState.OPEN)
    for item in session.scalars(
        select(SigningBatchItem).where(
            SigningBatchItem.document_id == document.id,
            SigningBatchItem.status == ItemStatus.PENDING,
            SigningBatchItem.batch_id.in_(waiting),
        )
    ):
        session.delete(item)


def _tell(session: Session, document: Document, action: str, reason: str | None) -> None:
    """Who must know at once that a document moved: its drafter when it comes back, the leader when it is
    waiting for the signature."""
    if action == "return":
        message = f"Văn bản bị trả lại: «{document.summary}» — {reason}"
        notify(session, [document.drafter_id], "document_returned", message, document)
    elif action == "approve":
        message = f"Văn bản chờ ký: «{document.summary}» ({document.drafting_unit.name})"
        notify(session, [document.signer_id], "to_sign", message, document)
        hand_over_later(session, document.signer_id, runtime.current().now())  # the signer may be away


def approve(session: Session, rt: Runtime, actor: Person, document: Document) -> dict[str, Any]:
    """Approve a draft: add the empty number/date fields and the leader's signature field."""
    version = document.current_version
    transition(session, actor, document, "approve", sha256_reviewed=version.sha256)
    if version.kind == "prepared":
        # Approved before, returned by the leader and sent back unchanged: its fields are there already.
        return {"sha256": version.sha256}
    try:
        prepared = signing_pdf.prepare(read_pdf(rt, version), layout_of(version))
    except PdfError as exc:
        raise Unprocessable(exc.code, exc.message) from exc
    new = store_version(session, rt, document, prepared, "prepared", actor, layout_of(version))
    return {"sha256": new.sha256}
