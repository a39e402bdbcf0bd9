"""A leader's signing book while a delegation of signing runs: each document waiting for the leader is handed to
the delegate — drawn again with the delegate's name and the authority line chosen for the delegation — and the
ones still waiting when it ends are handed back. After that every batch and signature is the signer's own."""

from __future__ import annotations

from sqlalchemy import select

from workflow.directory.authorities import Chosen, default_of
from workflow.directory.models import Delegation, DelegationScope
from workflow.errors import DomainError
from workflow.models import Document, Person
from workflow.notifications.service import notify
from workflow.runtime import Runtime
from workflow.signatures import authority
from workflow.states import DocumentState

# Documents moved in one run; the next tick moves the rest.
AT_ONCE = 200


def _moves(rt: Runtime, delegation_id: int) -> tuple[list[int], int, Chosen | None, str]:
    """Which documents move now, to whom, under which lines, and how the audit names the move."""
    with rt.readers() as session:
        found = session.get(Delegation, delegation_id)
        if found is None or not found.covers(DelegationScope.SIGN):
            return [], 0, None, ""
        waiting = select(Document.id).where(Document.state == DocumentState.AWAITING_SIGNATURE)
        if found.running(rt.now()):
            ids = session.scalars(waiting.where(Document.signer_id == found.principal_id).limit(AT_ONCE)).all()
            chosen = Chosen(found.authority_kind, found.authority_line, found.authority_title)
            return list(ids), found.delegate_id, chosen, "delegated"
        if found.ended or found.withdrawn_at is not None or found.ends_at <= rt.now():
            query = waiting.where(Document.signer_id == found.delegate_id, Document.delegation_id == found.id)
            ids = session.scalars(query.limit(AT_ONCE)).all()
            principal = session.get(Person, found.principal_id)
            assert principal is not None
            return list(ids), principal.id, default_of(session, principal), "handed_back"
        return [], 0, None, ""


def hand_over(rt: Runtime, delegation_id: int) -> dict[str, int]:
    """Move the waiting documents of a delegation of signing: to the delegate while it runs, back to the leader
    once it ended. Each is drawn before its own short transaction; one that cannot move (an uploaded PDF, a batch
    being signed) stays and both people are told. Idempotent: a document already moved is not found again."""
    ids, target, chosen, action = _moves(rt, delegation_id)
    moved, stayed = 0, []
    for document_id in ids:
        assert chosen is not None
        try:
            redrawn = authority.redraw_for(rt, document_id, target, chosen)
            if redrawn is None:
                continue
            with rt.sessions() as session, session.begin():
                document = session.scalar(select(Document).where(Document.id == document_id).with_for_update())
                if document is None or document.state != DocumentState.AWAITING_SIGNATURE:
                    continue
                old_signer = document.signer_id
                authority.store(session, rt, None, document, redrawn, action, delegation_id=delegation_id)
                document.delegation_id = delegation_id if action == "delegated" else None
                message = f"Văn bản chờ ký: «{document.summary}» ({document.drafting_unit.name})"
                notify(session, [target], "to_sign", message, document)
                moved += old_signer != target
        except DomainError as exc:
            stayed.append(f"văn bản số {document_id}: {exc.message}")
    if stayed:
        _tell_stayed(rt, delegation_id, stayed)
    return {"moved": moved, "stayed": len(stayed)}


def _tell_stayed(rt: Runtime, delegation_id: int, stayed: list[str]) -> None:
    with rt.sessions() as session, session.begin():
        found = session.get(Delegation, delegation_id)
        if found is None:
            return
        message = (
            f"{len(stayed)} văn bản không chuyển được giữa {found.principal.full_name} và {found.delegate.full_name} "
            f"theo ủy quyền ký: " + "; ".join(stayed[:5])
        )
        notify(session, [found.principal_id, found.delegate_id], "delegation", message, None, delegation_id=found.id)
