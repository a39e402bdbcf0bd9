"""Signing at the configured PAdES level under the TSA policy: when the timestamp authority is down, refuse, or
(TSA_FAILURE=defer) sign at B-B and flag the document so its timestamp is added later, never silently weaker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from signing import pdf as signing_pdf
from signing.errors import SigningError
from signing.pdf import Pades
from workflow.audit import audit
from workflow.models import Document, Person
from workflow.runtime import Runtime

T = TypeVar("T")


def at_pades_level(rt: Runtime, make: Callable[[Pades], T]) -> tuple[T, bool]:
    """Sign at the configured PAdES level; if the TSA is down, raise, or (TSA_FAILURE=defer) sign B-B.

    Returns the result and whether it was deferred, so the caller flags the documents.
    """
    try:
        return make(rt.pades), False
    except SigningError as exc:
        if exc.code != "tsa_unavailable" or rt.settings.tsa_failure != "defer":
            raise
    return make(signing_pdf.B_B), True


def flag_deferred(session: Session, rt: Runtime, actor: Person | None, document: Document) -> None:
    """Mark a document signed without its timestamp: the scheduler adds it when the TSA answers again."""
    document.timestamp_due = True
    audit(session, actor, "timestamp_deferred", document, level=rt.pades.level)


def with_tsa_policy(
    session: Session, rt: Runtime, actor: Person | None, document: Document, make: Callable[[Pades], bytes]
) -> bytes:
    """Sign one document under the TSA policy; a deferred one carries timestamp_due and an audit event."""
    data, deferred = at_pades_level(rt, make)
    if deferred:
        flag_deferred(session, rt, actor, document)
    return data
