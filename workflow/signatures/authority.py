"""The authority line a document is signed under (KT., TL., TUQ., Q.), chosen by its signer when signing: the
rendered draft is drawn again with the chosen lines before the short transaction that stores it."""

from __future__ import annotations

from dataclasses import dataclass

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


def redraw(rt: Runtime, actor_id: int, document_id: int, authority_id: int) -> Redrawn:
    """Draw a document again under one of its signer's authority lines, reading a snapshot and writing nothing."""
    with rt.readers() as session:
        actor = signed_in(session, actor_id)
        document = get_document(session, actor, document_id)
        _may_choose(actor, document)
        chosen = Chosen.of(authority_for(session, document.signer, authority_id))
        version = document.current_version
        if chosen == chosen_of(document):
            return Redrawn(document.id, version.sha256, chosen, None, None)
        if not redrawable(document):
            raise Conflict(
                "authority_printed_in_upload",
                "Văn bản này là tệp PDF tải lên nên dòng thẩm quyền đã in sẵn trong tệp; hãy trả lại để người soạn "
                "tải lên bản có dòng thẩm quyền mới.",
            )
        basis = render_basis(document.agency, document.signer, DraftInput.kept(document), chosen)
        drawn_from, approved = version.sha256, version.kind == "prepared"
    pdf, layout = render.render(basis)
    if approved:
        try:
            pdf = signing_pdf.prepare(pdf, layout)
        except PdfError as exc:
            raise Unprocessable(exc.code, exc.message) from exc
    rt.store.put(pdf)
    return Redrawn(document_id, drawn_from, chosen, pdf, layout, "prepared" if approved else "rendered")


def choose(session: Session, rt: Runtime, actor: Person, redrawn: Redrawn) -> Document:
    """Store a document drawn again under another authority: its new version, its lines, and the version its
    open batch signs; refused once the batch is being signed."""
    document = get_document(session, actor, redrawn.document_id, lock=True)
    _may_choose(actor, document)
    if document.current_version.sha256 != redrawn.drawn_from:
        raise Conflict("changed_meanwhile", "Văn bản vừa có phiên bản mới; hãy chọn lại dòng thẩm quyền ký.")
    if redrawn.pdf is None:
        return document
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
            f"Văn bản đang được ký trong lô ký số {signing.id}; không đổi được dòng thẩm quyền nữa.",
        )
    before = chosen_of(document)
    version = store_version(session, rt, document, redrawn.pdf, redrawn.kind, actor, redrawn.layout, stored=True)
    keep(document, redrawn.chosen)
    for item in items:
        # The batch signs what the leader now sees; what was prepared for the old lines is made again.
        item.sha256 = version.sha256
        item.prepared_sha256 = item.prepared_digest = item.prepared_cert = None
        item.prepared_start = item.prepared_end = None
        item.prepared_day = None
    audit(
        session,
        actor,
        "authority_chosen",
        document,
        was=" / ".join(x for x in (before.line, before.title) if x),
        now=" / ".join(x for x in (redrawn.chosen.line, redrawn.chosen.title) if x),
        sha256=version.sha256,
    )
    return document
