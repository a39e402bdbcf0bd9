"""The authority line a document is signed under (KT., TL., TUQ., Q.), chosen by its signer when signing: the
rendered draft is drawn again with the chosen lines before the short transaction that stores it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import inspection
from signing import pdf as signing_pdf
from signing.errors import PdfError
from workflow.audit import audit
from workflow.directory.authorities import Chosen, authority_for, chosen_of, keep
from workflow.documents import render
from workflow.documents.drafting import DraftInput, render_basis, signed_in, store_version
from workflow.documents.service import get_document
from workflow.errors import Conflict, Forbidden, Unprocessable
from workflow.models import Document, Person, SigningBatch, SigningBatchItem
from workflow.runtime import Runtime
from workflow.states import BatchState, DocumentState, ItemStatus


@dataclass(frozen=True)
class Redrawn:
    """A document drawn again under another authority, made before the transaction that stores it."""

    document_id: int
    drawn_from: str  # the SHA-256 of the version it was drawn from
    signer_id: int
    chosen: Chosen
    pdf: bytes | None  # None: the document already carries these lines
    layout: inspection.Layout | None
    kind: str = "rendered"  # "prepared" once approved: with the empty number, date and signature fields


def _may_choose(actor: Person, document: Document) -> None:
    signer_now = document.state == DocumentState.AWAITING_SIGNATURE and actor.id == document.signer_id
    drafter_now = document.state == DocumentState.DRAFTING and actor.id == document.drafter_id
    if not (signer_now or drafter_now):
        raise Forbidden(
            "forbidden",
            "Chỉ người ký (khi văn bản chờ ký) hoặc người soạn (khi đang soạn) được chọn dòng thẩm quyền ký.",
        )


def redrawable(document: Document) -> bool:
    """True if congvan drew the document from its fields (an uploaded PDF has its lines printed in)."""
    drawn = next((v for v in reversed(document.versions) if v.kind in ("rendered", "uploaded")), None)
    return drawn is not None and drawn.kind == "rendered"


@dataclass(frozen=True)
class _Plan:
    """What to draw, read on a snapshot: the document for this signer under these lines (no basis: it carries
    them already)."""

    basis: render.Draft | None
    document_id: int
    drawn_from: str
    signer_id: int
    chosen: Chosen
    approved: bool


def _plan(document: Document, signer: Person, chosen: Chosen) -> _Plan:
    version = document.current_version
    if signer.id == document.signer_id and chosen == chosen_of(document):
        return _Plan(None, document.id, version.sha256, signer.id, chosen, False)
    if not redrawable(document):
        raise Conflict(
            "authority_printed_in_upload",
            "Văn bản này là tệp PDF tải lên nên dòng thẩm quyền và tên người ký đã in sẵn trong tệp; hãy trả lại để "
            "người soạn tải lên bản mới.",
        )
    basis = render_basis(document.agency, signer, DraftInput.kept(document), chosen)
    return _Plan(basis, document.id, version.sha256, signer.id, chosen, version.kind == "prepared")


def _drawn(rt: Runtime, plan: _Plan) -> Redrawn:
    """Draw (and prepare, once approved) what was planned: the slow part, outside any transaction."""
    if plan.basis is None:
        return Redrawn(plan.document_id, plan.drawn_from, plan.signer_id, plan.chosen, None, None)
    pdf, layout = render.render(plan.basis)
    if plan.approved:
        try:
            pdf = signing_pdf.prepare(pdf, layout)
        except PdfError as exc:
            raise Unprocessable(exc.code, exc.message) from exc
    rt.store.put(pdf)
    kind = "prepared" if plan.approved else "rendered"
    return Redrawn(plan.document_id, plan.drawn_from, plan.signer_id, plan.chosen, pdf, layout, kind)


def redraw(rt: Runtime, actor_id: int, document_id: int, authority_id: int) -> Redrawn:
    """Draw a document again under one of its signer's authority lines, reading a snapshot and writing nothing."""
    with rt.readers() as session:
        actor = signed_in(session, actor_id)
        document = get_document(session, actor, document_id)
        _may_choose(actor, document)
        plan = _plan(document, document.signer, Chosen.of(authority_for(session, document.signer, authority_id)))
    return _drawn(rt, plan)


def redraw_for(rt: Runtime, document_id: int, signer_id: int, chosen: Chosen) -> Redrawn | None:
    """Draw a document again for another signer under these lines (a delegation), or None if it is gone."""
    with rt.readers() as session:
        document, signer = session.get(Document, document_id), session.get(Person, signer_id)
        if document is None or signer is None:
            return None
        plan = _plan(document, signer, chosen)
    return _drawn(rt, plan)


def _pending_items(session: Session, document: Document) -> list[SigningBatchItem]:
    """The document's items still to be signed, refused once a batch is being signed."""
    items = list(
        session.scalars(
            select(SigningBatchItem)
            .join(SigningBatch)
            .where(SigningBatchItem.document_id == document.id, SigningBatchItem.status == ItemStatus.PENDING)
            .with_for_update()
        )
    )
    signing = next((i.batch for i in items if i.batch.state != BatchState.OPEN), None)
    if signing is not None:
        raise Conflict(
            "batch_signing",
            f"Văn bản đang được ký trong lô ký số {signing.id}; không đổi được người ký hay dòng thẩm quyền nữa.",
        )
    return items


def store(
    session: Session,
    rt: Runtime,
    actor: Person | None,
    document: Document,
    redrawn: Redrawn,
    action: str,
    **detail: Any,
) -> bool:
    """Store a document drawn again (locked by the caller): its new version, signer and lines, and what its open
    batch signs; returns False if nothing needed drawing. Refused if the document changed since it was drawn."""
    if document.current_version.sha256 != redrawn.drawn_from:
        raise Conflict("changed_meanwhile", "Văn bản vừa có phiên bản mới; hãy chọn lại dòng thẩm quyền ký.")
    if redrawn.pdf is None:
        return False
    items = _pending_items(session, document)
    before = chosen_of(document)
    version = store_version(session, rt, document, redrawn.pdf, redrawn.kind, actor, redrawn.layout, stored=True)
    keep(document, redrawn.chosen)
    for item in items:
        if redrawn.signer_id != document.signer_id:
            session.delete(item)  # another signer: it leaves the old signer's batch for one of the new signer's
            continue
        # The batch signs what the leader now sees; what was prepared for the old lines is made again.
        item.sha256 = version.sha256
        item.prepared_sha256 = item.prepared_digest = item.prepared_cert = None
        item.prepared_start = item.prepared_end = None
        item.prepared_day = None
    document.signer_id = redrawn.signer_id
    audit(
        session,
        actor,
        action,
        document,
        was=" / ".join(x for x in (before.line, before.title) if x),
        now=" / ".join(x for x in (redrawn.chosen.line, redrawn.chosen.title) if x),
        sha256=version.sha256,
        **detail,
    )
    return True


def choose(session: Session, rt: Runtime, actor: Person, redrawn: Redrawn) -> Document:
    """Store a document its signer (or drafter) drew again under another of the signer's lines."""
    document = get_document(session, actor, redrawn.document_id, lock=True)
    _may_choose(actor, document)
    store(session, rt, actor, document, redrawn, "authority_chosen")
    return document
