"""An action on a document through the API, handed to the module that owns it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workflow import catalog
from workflow.accounts.service import Reauthenticated
from workflow.documents.lifecycle import approve, check, transition
from workflow.documents.service import get_document
from workflow.errors import DispatchRefused, Invalid, NotFound
from workflow.issuance.service import dispatch, issue
from workflow.models import Person
from workflow.runtime import Runtime
from workflow.signals import document_recalled
from workflow.signatures.leader import sign_now
from workflow.signatures.service import sign_remotely


def act(
    session: Session,
    rt: Runtime,
    actor: Person,
    document_id: int,
    action: str,
    reason: str | None = None,
    proof: Reauthenticated | None = None,
    *,
    notify: str = "",
) -> dict[str, Any]:
    """Take a lifecycle action on a document through the API; returns what happened. A signature needs the
    leader's `proof` (password or one-time code given again), as a batch's confirmation does; `notify` is where a
    remote signing service calls back."""
    document = get_document(session, actor, document_id, lock=True)
    if action == "approve":
        return approve(session, rt, actor, document)
    if action == "sign":
        if proof is None or proof.person_id != actor.id:
            raise Invalid("missing_field", "Cần nhập lại mật khẩu (hoặc mã xác thực) để xác nhận ký.", field="password")
        if document.signer.signer_kind in catalog.REMOTE_SIGNERS:
            return sign_remotely(session, actor, document, notify=notify)
        sign_now(session, rt, actor, document)
        return {}
    if action == "issue":
        return issue(session, rt, actor, document)
    if action in ("submit", "withdraw", "return", "recall"):
        transition(session, actor, document, action, reason)
        if action == "recall":
            document_recalled.send(session, document=document, actor=actor, reason=reason)
        return {}
    if action == "dispatch":
        check(actor, document, "dispatch")
        dispatched = dispatch(session, actor, document)
        if "error" in dispatched:
            raise DispatchRefused(dispatched["error"]["code"], dispatched["error"]["message"])
        return dispatched
    raise NotFound("unknown_action", "Thao tác không tồn tại.")
