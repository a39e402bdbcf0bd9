"""Drafting: a draft's fields, its content (rendered or uploaded, checked before any write), versions,
comments, appendices, the leaders who may sign it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from signing import inspection, validation
from signing.errors import PdfError, SigningError
from workflow import access, catalog
from workflow.audit import audit
from workflow.directory.authorities import Chosen, chosen_of, default_of, keep
from workflow.documents import render, schemas
from workflow.documents.service import get_document
from workflow.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from workflow.models import Agency, Appendix, AuditEvent, Comment, Document, DocumentVersion, Person, Unit
from workflow.runtime import Runtime
from workflow.signals import draft_replies
from workflow.states import DocumentState

FIELDS = ("doc_type", "summary", "urgency", "confidentiality", "signer_id", "kinh_gui", "noi_nhan", "due_date")


@dataclass(frozen=True)
class DraftInput:
    """A draft's fields as the document keeps them (recipients one a line), from a request parsed once."""

    doc_type: str
    summary: str
    urgency: str
    confidentiality: str
    signer_id: int
    kinh_gui: str
    noi_nhan: str
    due_date: dt.date | None
    body: str | None
    replaces_id: int | None = None

    @classmethod
    def of(cls, draft: schemas.Draft) -> DraftInput:
        """A new draft's fields."""
        given = draft.model_dump(include={*FIELDS, "body", "replaces_id"})
        return cls(**given | {"kinh_gui": "\n".join(draft.kinh_gui), "noi_nhan": "\n".join(draft.noi_nhan)})

    @classmethod
    def kept(cls, document: Document) -> DraftInput:
        """A draft's fields as the document has them."""
        kept = {name: getattr(document, name) for name in (*FIELDS, "body")}
        return cls(**kept, replaces_id=document.replaces_id)

    @classmethod
    def revised(cls, document: Document, change: schemas.DraftChange) -> DraftInput:
        """A draft's fields after a change: what the change gives, the rest as the document has them."""
        given = {name: value for name, value in change if value is not None}
        if "due_date" in change.model_fields_set:
            given["due_date"] = change.due_date  # null clears it
        for name in ("kinh_gui", "noi_nhan"):
            if name in given:
                given[name] = "\n".join(given[name])
        return dataclasses.replace(cls.kept(document), **given)  # replaces_id: fixed at creation


def _require_body(fields: DraftInput, uploaded: bool) -> None:
    if not uploaded and not (fields.body and fields.body.strip()):
        raise Invalid("missing_field", "Thiếu nội dung văn bản (body) hoặc tệp PDF (file).", field="body")


def check_pdf(rt: Runtime, data: bytes, signer_name: str | None = None) -> validation.Inspected:
    """Check an uploaded PDF in a child process with memory and CPU limits (and find its layout by the
    signer's name): never in the web process, never inside a write transaction."""
    if len(data) > rt.settings.max_upload_bytes:
        raise Invalid("file_too_large", "Tệp quá lớn.")
    try:
        found = validation.inspect_isolated(
            data,
            signer_name=signer_name,
            page_points=rt.settings.max_page_points,
            page_content_bytes=rt.settings.max_page_content_bytes,
        )
    except PdfError as exc:
        raise Invalid(exc.code, exc.message) from exc
    except SigningError as exc:
        raise Invalid("pdf_too_complex", exc.message) from exc
    if found.info.pages > rt.settings.max_pages:
        raise Invalid("too_many_pages", "Tệp PDF có quá nhiều trang.")
    return found


def render_basis(agency: Agency, signer: Person, fields: DraftInput, chosen: Chosen) -> render.Draft:
    """What the renderer draws for a draft's fields, signed under the chosen authority."""
    type_name, _ = catalog.DOC_TYPES[fields.doc_type]
    marks = []
    if fields.confidentiality != "thuong":
        marks.append(catalog.CONFIDENTIALITY[fields.confidentiality])
    if fields.urgency != "thuong":
        marks.append(catalog.URGENCY[fields.urgency][0])
    noi_nhan = fields.noi_nhan.splitlines() or ["Như trên;", "Lưu: VT."]
    return render.Draft(
        superior=agency.superior,
        agency=agency.name,
        place=agency.place,
        type_name=None if fields.doc_type == "cong_van" else type_name,
        summary=fields.summary,
        body=fields.body or "",
        kinh_gui=fields.kinh_gui.splitlines(),  # công văn, tờ trình and others that address someone
        noi_nhan=noi_nhan,
        authority=chosen.line,
        position=chosen.title,
        signer_name=signer.full_name,
        marks=marks,
    )


def store_version(
    session: Session,
    rt: Runtime,
    document: Document,
    data: bytes,
    kind: str,
    actor: Person | None,
    layout: inspection.Layout | None = None,
    *,
    flush: bool = True,
    stored: bool = False,
) -> DocumentVersion:
    # `stored`: the bytes were put in the store before the transaction (content-addressed, so harmless if
    # the transaction then fails), keeping slow storage out of it.
    digest = hashlib.sha256(data).hexdigest() if stored else rt.store.put(data)
    version = DocumentVersion(
        document=document,
        seq=len(document.versions) + 1,
        kind=kind,
        sha256=digest,
        size=len(data),
        created_by_id=actor.id if actor else None,
        layout=dataclasses.asdict(layout) if layout else None,
    )
    session.add(version)
    if flush:  # a batch records many versions in one transaction and flushes once, at commit
        session.flush()
    return version


def layout_of(version: DocumentVersion) -> inspection.Layout:
    raw = version.layout or {}
    return inspection.Layout(**{k: inspection.Box(**v) for k, v in raw.items()})


def _check_signer(session: Session, agency: Agency, signer_id: int) -> Person:
    signer = session.get(Person, signer_id)
    if signer is None or not signer.has_role("leader") or signer.unit.agency_id != agency.id:
        raise Invalid("invalid_signer", "Người ký phải là lãnh đạo của cơ quan.", field="signer_id")
    return signer


@dataclass(frozen=True)
class Content:
    """A draft's PDF, made before the transaction that stores it: rendered from the fields, or uploaded and
    inspected. `basis` is what it was made from, checked again when it is stored."""

    pdf: bytes
    kind: str  # "rendered" or "uploaded"
    layout: inspection.Layout
    basis: render.Draft | str  # the drawn fields, or the signer's name the upload's layout was found by


@dataclass(frozen=True)
class _Plan:
    fields: DraftInput
    signer: Person
    agency: Agency
    document: Document | None  # the draft being revised
    chosen: Chosen  # the authority line it is signed under

    def basis(self, uploaded: bool) -> render.Draft | str:
        return self.signer.full_name if uploaded else render_basis(self.agency, self.signer, self.fields, self.chosen)


def _plan(
    session: Session,
    actor: Person,
    draft: schemas.Draft | schemas.DraftChange,
    *,
    uploaded: bool,
    document_id: int | None,
) -> _Plan:
    """Check a new draft's (or a revision's) fields, signer and replaced document; change nothing."""
    if document_id is None:
        assert isinstance(draft, schemas.Draft), "a new draft gives all its fields"
        if not actor.has_role("specialist") and not actor.has_role("unit_head"):
            raise Forbidden("forbidden", "Chỉ chuyên viên hoặc lãnh đạo phòng được soạn văn bản.")
        fields = DraftInput.of(draft)
        _require_body(fields, uploaded)
        agency = actor.unit.agency
        if fields.replaces_id is not None:
            replaced = session.scalar(select(Document).where(Document.id == fields.replaces_id, access.visible(actor)))
            if replaced is None or replaced.number is None:
                # The same answer whether it is missing, unseen or not issued: ids tell nothing.
                raise NotFound(
                    "replaced_not_found",
                    "Không tìm thấy văn bản được thay thế trong các văn bản đã phát hành mà bạn được xem.",
                    field="replaces_id",
                )
        signer = _check_signer(session, agency, fields.signer_id)
        return _Plan(fields, signer, agency, None, default_of(session, signer))
    assert isinstance(draft, schemas.DraftChange), "a revision gives the fields that change"
    document = get_document(session, actor, document_id)
    if document.state != DocumentState.DRAFTING:
        raise Conflict("invalid_state", "Chỉ sửa được văn bản đang soạn thảo.", state=document.state)
    if actor.id != document.drafter_id:
        raise Forbidden("forbidden", "Chỉ người soạn thảo được sửa văn bản.")
    fields = DraftInput.revised(document, draft)
    _require_body(fields, uploaded)
    signer = _check_signer(session, document.agency, fields.signer_id)
    # Another signer brings their own default line; the same signer keeps the line chosen for this document.
    chosen = chosen_of(document) if signer.id == document.signer_id else default_of(session, signer)
    return _Plan(fields, signer, document.agency, document, chosen)


def signed_in(session: Session, actor_id: int) -> Person:
    """The person a request was authenticated as, read again on the snapshot the slow part works on."""
    actor = session.get(Person, actor_id)
    if actor is None or not actor.active:
        raise Unauthenticated("login_required", "Cần đăng nhập.")
    return actor


def make_content(
    rt: Runtime,
    actor_id: int,
    draft: schemas.Draft | schemas.DraftChange,
    pdf: bytes | None,
    document_id: int | None = None,
) -> Content:
    """Render a draft's fields, or inspect its uploaded PDF, reading a snapshot and writing nothing: the slow
    part of saving a draft, done before the short transaction that stores it (SQLite has one writer). A new
    draft gives a Draft, a revision of draft `document_id` a DraftChange."""
    with rt.readers() as session:
        actor = signed_in(session, actor_id)
        plan = _plan(session, actor, draft, uploaded=pdf is not None, document_id=document_id)
        basis = plan.basis(uploaded=pdf is not None)
    if pdf is not None:
        assert isinstance(basis, str)
        found = check_pdf(rt, pdf, basis)
        assert found.layout is not None
        rt.store.put(pdf)
        return Content(pdf, "uploaded", found.layout, basis)
    assert isinstance(basis, render.Draft)
    rendered, layout = render.render(basis)
    rt.store.put(rendered)
    return Content(rendered, "rendered", layout, basis)


def _store_content(session: Session, rt: Runtime, actor: Person, plan: _Plan, content: Content) -> DocumentVersion:
    if plan.basis(uploaded=content.kind == "uploaded") != content.basis:
        raise Conflict(
            "changed_meanwhile", "Thông tin người ký hoặc cơ quan vừa được thay đổi; hãy lưu lại văn bản một lần nữa."
        )
    assert plan.document is not None
    return store_version(session, rt, plan.document, content.pdf, content.kind, actor, content.layout, stored=True)


def create_document(session: Session, rt: Runtime, actor: Person, draft: schemas.Draft, content: Content) -> Document:
    """Create a draft from its fields and its content (made by make_content before the transaction)."""
    plan = _plan(session, actor, draft, uploaded=content.kind == "uploaded", document_id=None)
    if draft.replies_to_incoming_id is not None:
        answers = draft_replies.send(session, person=actor, incoming_id=draft.replies_to_incoming_id)
        if not any(answer for _, answer in answers):
            raise Invalid("invalid_reply", "Không tìm thấy văn bản đến cần trả lời.", field="replies_to_incoming_id")
    document = _document_from(
        plan.agency,
        plan.fields,
        drafting_unit_id=actor.unit_id,
        drafter=actor,
        signer_id=plan.fields.signer_id,
        state=DocumentState.DRAFTING,
        authority_kind=plan.chosen.kind,
        authority_line=plan.chosen.line,
        authority_title=plan.chosen.title,
        replies_to_incoming_id=draft.replies_to_incoming_id,
    )
    session.add(document)
    session.flush()
    session.refresh(document, ["signer", "agency", "versions"])
    version = _store_content(session, rt, actor, dataclasses.replace(plan, document=document), content)
    audit(session, actor, "create", document, None, DocumentState.DRAFTING, sha256=version.sha256)
    return document


def _document_from(agency: Agency, fields: DraftInput, **more: Any) -> Document:
    return Document(
        agency=agency,
        doc_type=fields.doc_type,
        summary=fields.summary,
        body=fields.body,
        urgency=fields.urgency,
        confidentiality=fields.confidentiality,
        kinh_gui=fields.kinh_gui,
        noi_nhan=fields.noi_nhan,
        due_date=fields.due_date,
        replaces_id=fields.replaces_id,
        **more,
    )


def preview(rt: Runtime, actor_id: int, draft: schemas.Draft) -> bytes:
    """The PDF a draft's fields and body would render to, without storing anything (and outside any
    transaction)."""
    with rt.readers() as session:
        actor = signed_in(session, actor_id)
        fields = DraftInput.of(draft)
        _require_body(fields, uploaded=False)
        agency = actor.unit.agency
        signer = _check_signer(session, agency, fields.signer_id)
        basis = render_basis(agency, signer, fields, default_of(session, signer))
    pdf, _ = render.render(basis)
    return pdf


def add_version(
    session: Session, rt: Runtime, actor: Person, document_id: int, change: schemas.DraftChange, content: Content
) -> DocumentVersion:
    """Store a new draft version (new PDF, or fields/body re-rendered by make_content); only while drafting."""
    plan = _plan(session, actor, change, uploaded=content.kind == "uploaded", document_id=document_id)
    document = plan.document
    assert document is not None
    if change.model_fields_set:
        for name in FIELDS:
            setattr(document, name, getattr(plan.fields, name))
        document.body = plan.fields.body
        keep(document, plan.chosen)
        session.flush()
        session.refresh(document, ["signer"])
    version = _store_content(session, rt, actor, plan, content)
    audit(session, actor, "new_version", document, sha256=version.sha256, seq=version.seq)
    return version


def add_comment(session: Session, actor: Person, document_id: int, body: str) -> Comment:
    """Add a comment to a document the person works on."""
    document = get_document(session, actor, document_id, need=access.WORK)
    if not body.strip():
        raise Invalid("missing_field", "Nội dung ý kiến không được để trống.", field="body")
    comment = Comment(document_id=document.id, author_id=actor.id, body=body.strip())
    session.add(comment)
    audit(session, actor, "comment", document)
    return comment


def events_of(session: Session, actor: Person, document_id: int) -> list[AuditEvent]:
    """The audit trail of a document the person works on, in order."""
    document = get_document(session, actor, document_id, need=access.WORK)
    query = select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.id)
    return list(session.scalars(query.options(joinedload(AuditEvent.actor))))


def comments_of(session: Session, actor: Person, document_id: int) -> list[Comment]:
    """The comments on a document the person works on, in order."""
    document = get_document(session, actor, document_id, need=access.WORK)
    query = select(Comment).where(Comment.document_id == document.id).order_by(Comment.id)
    return list(session.scalars(query.options(joinedload(Comment.author))))


def signers_for(session: Session, person_id: int) -> list[Person]:
    """The leaders of a person's own agency, who may sign what they draft."""
    agency_id = session.scalar(
        select(Unit.agency_id).join(Person, Person.unit_id == Unit.id).where(Person.id == person_id)
    )
    people = session.scalars(
        select(Person)
        .join(Unit, Person.unit_id == Unit.id)
        .where(Person.active.is_(True), Unit.agency_id == agency_id)
        .order_by(Person.id)
    )
    return [p for p in people if p.has_role("leader")]


MAX_APPENDICES = 20


@dataclass(frozen=True)
class Staged:
    """An uploaded file checked and stored before the transaction that records it."""

    sha256: str
    size: int


def stage_appendix(rt: Runtime, actor_id: int, document_id: int, pdf: bytes) -> Staged:
    """Check an appendix PDF (in the isolated checker) and store its bytes, outside any transaction, once a
    read-only snapshot shows the person may add it."""
    with rt.readers() as session:
        actor = signed_in(session, actor_id)
        _appendix_allowed(actor, get_document(session, actor, document_id))
    check_pdf(rt, pdf)
    return Staged(rt.store.put(pdf), len(pdf))


def _appendix_allowed(actor: Person, document: Document) -> None:
    if document.state != DocumentState.DRAFTING:
        raise Conflict("invalid_state", "Chỉ thêm phụ lục khi văn bản đang soạn thảo.", state=document.state)
    if actor.id != document.drafter_id:
        raise Forbidden("forbidden", "Chỉ người soạn thảo được thêm phụ lục.")
    if len(document.appendices) >= MAX_APPENDICES:
        raise Conflict("too_many_appendices", f"Mỗi văn bản có tối đa {MAX_APPENDICES} phụ lục.")


def add_appendix(session: Session, actor: Person, document_id: int, filename: str, staged: Staged) -> Appendix:
    """Attach an appendix PDF (staged by stage_appendix) to a draft; it is signed by the agency at issuance."""
    document = get_document(session, actor, document_id, lock=True)
    _appendix_allowed(actor, document)
    name = " ".join(filename.replace("\\", "/").rsplit("/", 1)[-1].split())[:200] or "phu-luc.pdf"
    appendix = Appendix(
        document_id=document.id,
        seq=max((a.seq for a in document.appendices), default=0) + 1,
        filename=name,
        sha256=staged.sha256,
        size=staged.size,
        created_by_id=actor.id,
    )
    session.add(appendix)
    session.flush()
    audit(session, actor, "appendix_added", document, seq=appendix.seq, sha256=appendix.sha256, filename=name)
    return appendix


def get_appendix(session: Session, actor: Person, document_id: int, seq: int) -> Appendix:
    """One appendix of a document the actor may see."""
    document = get_document(session, actor, document_id)
    for appendix in document.appendices:
        if appendix.seq == seq:
            return appendix
    raise NotFound("appendix_not_found", "Không tìm thấy phụ lục.")


def remove_appendix(session: Session, actor: Person, document_id: int, seq: int) -> None:
    """Remove an appendix from a draft."""
    appendix = get_appendix(session, actor, document_id, seq)
    document = get_document(session, actor, document_id, lock=True)
    if document.state != DocumentState.DRAFTING or actor.id != document.drafter_id:
        raise Conflict("invalid_state", "Chỉ người soạn thảo bỏ được phụ lục khi văn bản đang soạn thảo.")
    session.delete(appendix)
    audit(session, actor, "appendix_removed", document, seq=seq, sha256=appendix.sha256)
