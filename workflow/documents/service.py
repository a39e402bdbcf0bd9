"""Reading documents: one by id as its reader may see it, lists and counts, signatures, stored PDFs."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signing import validation
from signing.errors import PdfError, SigningError
from workflow import access
from workflow.errors import Forbidden, Invalid, NotFound, Unprocessable
from workflow.models import Document, DocumentVersion, Person
from workflow.paging import DOCUMENT_LOADS, FIRST_PAGE, Page, paged
from workflow.runtime import Runtime
from workflow.states import DocumentState


def get_document(
    session: Session, actor: Person, document_id: int, *, lock: bool = False, need: str = access.READ
) -> Document:
    """Load a document the actor may see (404 otherwise, as if it did not exist), optionally locking its row;
    `need` WORK asks for the drafting agency's own file (versions, history, comments), not just the document."""
    query = select(Document).where(Document.id == document_id, access.visible(actor))
    # A locked row is read alone (FOR UPDATE and outer joins do not mix); otherwise in one round trip.
    query = query.with_for_update() if lock else query.options(*DOCUMENT_LOADS)
    document = session.scalar(query)
    if document is None:
        raise NotFound("document_not_found", "Không tìm thấy văn bản.")
    if need != access.READ and not access.allows(actor, document, need):
        raise Forbidden("recipient_only", "Đơn vị nhận chỉ xem văn bản đã phát hành, không xem hồ sơ soạn thảo.")
    return document


def waiting_counts(session: Session, person: Person) -> dict[str, int]:
    """What waits for the person in the workflow, by kind (the counters of the menu)."""
    agency = Document.agency_id == person.unit.agency_id
    counts: dict[str, int] = {}

    def count(*where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(Document).where(agency, *where)) or 0)

    if person.has_role("specialist"):
        counts["returned"] = count(
            Document.drafter_id == person.id,
            Document.state == DocumentState.DRAFTING,
            Document.return_reason.is_not(None),
        )
    if person.has_role("unit_head"):
        counts["review"] = count(Document.state == DocumentState.IN_REVIEW, Document.drafting_unit_id == person.unit_id)
    if person.has_role("leader"):
        counts["signing"] = count(Document.state == DocumentState.AWAITING_SIGNATURE, Document.signer_id == person.id)
    if person.has_role("clerk"):
        counts["issue"] = count(Document.state == DocumentState.SIGNED)
    return counts


def visible_page(
    session: Session, actor: Person, where: list[Any], page: Page = FIRST_PAGE
) -> tuple[list[Document], int | None]:
    """A page of the documents the actor may see that meet `where`, newest first (each rule by its index)."""
    ids = access.newest_ids(actor, where, page.before, page.limit + 1)
    query = select(Document).where(Document.id.in_(ids)).options(*DOCUMENT_LOADS)
    return paged(session, query, Document.id, Page(page.limit))


def list_documents(
    session: Session, actor: Person, state: str | None = None, page: Page = FIRST_PAGE, *, mine: bool = False
) -> tuple[list[Document], int | None]:
    """Documents the actor may see, newest first, optionally in one state or drafted by the actor."""
    where = [Document.state == state] if state else []
    if mine:
        where.append(Document.drafter_id == actor.id)
    return visible_page(session, actor, where, page)


def check_signatures(rt: Runtime, document: Document) -> validation.Report:
    """Validate the signatures of a document's current PDF against the trusted roots (our own file)."""
    try:
        return validation.report(read_pdf(rt, document.current_version), rt.keyring.trust_roots)
    except PdfError as exc:
        raise Unprocessable(exc.code, exc.message) from exc


def validate_upload(rt: Runtime, data: bytes) -> dict[str, Any]:
    """Validate any signed PDF from outside, in an isolated process, against the configured trust list."""
    if not data:
        raise Invalid("missing_file", "Thiếu tệp PDF cần kiểm tra.", field="file")
    if len(data) > rt.settings.max_upload_bytes:
        raise Invalid("file_too_large", "Tệp quá lớn.")
    roots = rt.keyring.trust_roots
    try:
        answer = validation.report_isolated(data, b"".join(validation.cert_pem(c) for c in roots))
    except PdfError as exc:
        raise Invalid(exc.code, exc.message) from exc
    except SigningError as exc:  # past the checker's limits: the same answer as an upload's
        raise Invalid("pdf_too_complex", exc.message) from exc
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        **validation.in_zone(answer, rt.tz),
        "trust_list": [c.subject.human_friendly for c in roots],
    }


def read_pdf(rt: Runtime, version: DocumentVersion) -> bytes:
    """The bytes of a version, checked against its recorded SHA-256."""
    return rt.store.get(version.sha256)
