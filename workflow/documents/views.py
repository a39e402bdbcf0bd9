"""JSON API of documents (/api/v1/documents…): drafts and versions, appendices, the PDFs, signatures and their
checks, history and comments, lifecycle actions."""

from __future__ import annotations

import io

from flask import Blueprint, Response, request, send_file

from signing import validation
from workflow import access
from workflow.documents import actions, answers, drafting, schemas, search
from workflow.documents import service as documents
from workflow.errors import Invalid, NotFound
from workflow.paging import Page
from workflow.states import ACTIONS
from workflow.web.answers import Done, moment
from workflow.web.context import (
    Answered,
    commit,
    db,
    ok,
    path_id,
    person,
    person_id,
    public_url,
    reauthenticated,
    runtime,
    uploaded,
)
from workflow.web.openapi import PDF, described

bp = Blueprint("documents_api", __name__, url_prefix="/api/v1")


@bp.post("/documents")
@described(
    body=schemas.Draft, upload=(), answers={201: answers.DocumentOut}, file_missing="Thiếu tệp PDF (trường 'file')."
)
def create_document(body: schemas.Draft) -> Answered:
    """Create a draft from JSON fields and body text, or from an uploaded PDF (multipart: the same fields and
    the file)."""
    actor_id = person_id()
    pdf = uploaded("Thiếu tệp PDF (trường 'file').") if request.mimetype == "multipart/form-data" else None
    # Rendered or inspected first; the write transaction only stores the result.
    content = drafting.make_content(runtime(), actor_id, body, pdf)
    document = drafting.create_document(db(), runtime(), person(), body, content)
    commit()
    return ok(answers.DocumentOut.of(document), 201)


@bp.get("/documents")
@described(query=schemas.DocumentQuery, answers={200: answers.DocumentPage})
def list_documents(query: schemas.DocumentQuery) -> Answered:
    """Documents of the person's agency, a page at a time: in one state, or found by words and filters."""
    page = Page(query.limit, query.before)
    rows, after = search.search(db(), person(), query.q, search.filters_from(query), page)
    return ok(answers.DocumentPage(documents=[answers.DocumentOut.of(d) for d in rows], next_before=after))


@bp.get("/documents/<doc_id>")
@described(answers={200: answers.DocumentOut})
def get_document(doc_id: str) -> Answered:
    """One document with its metadata and current version."""
    return ok(answers.DocumentOut.of(documents.get_document(db(), person(), path_id(doc_id))))


@bp.post("/documents/<doc_id>/versions")
@described(body=schemas.DraftChange, upload=(), answers={201: answers.VersionOut})
def add_version(doc_id: str, body: schemas.DraftChange) -> Answered:
    """A new draft version while the document is being drafted: changed fields (rendered again), or a new PDF
    (multipart field "file")."""
    actor_id = person_id()
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    pdf = upload.read() if upload else None
    content = drafting.make_content(runtime(), actor_id, body, pdf, path_id(doc_id))
    version = drafting.add_version(db(), runtime(), person(), path_id(doc_id), body, content)
    commit()
    return ok(answers.VersionOut.of(version), 201)


@bp.get("/documents/<doc_id>/pdf")
@described(query=schemas.VersionQuery, answers={200: PDF})
def get_pdf(doc_id: str, query: schemas.VersionQuery) -> Response:
    """The current PDF (or ?version=N), with its SHA-256 in a header."""
    # Earlier versions are the drafting side's file; a recipient gets the current (issued) one.
    need = access.READ if query.version is None else access.WORK
    document = documents.get_document(db(), person(), path_id(doc_id), need=need)
    version = document.current_version
    if query.version is not None:
        match = [v for v in document.versions if v.seq == query.version]
        if not match:
            raise NotFound("version_not_found", "Không tìm thấy phiên bản.")
        version = match[0]
    data = documents.read_pdf(runtime(), version)
    name = f"congvan-{document.id}-v{version.seq}.pdf"
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)
    response.headers["X-Content-SHA256"] = version.sha256
    return response


@bp.post("/documents/<doc_id>/appendices")
@described(upload=(), answers={201: answers.AppendixOut}, file_missing="Thiếu tệp PDF phụ lục (trường 'file').")
def add_appendix(doc_id: str) -> Answered:
    """Attach an appendix PDF (multipart field "file") to a draft."""
    actor_id = person_id()
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    if upload is None:
        raise Invalid("missing_file", "Thiếu tệp PDF phụ lục (trường 'file').", field="file")
    staged = drafting.stage_appendix(runtime(), actor_id, path_id(doc_id), upload.read())
    appendix = drafting.add_appendix(db(), person(), path_id(doc_id), upload.filename or "", staged)
    commit()
    return ok(answers.AppendixOut.of(appendix), 201)


@bp.get("/documents/<doc_id>/appendices/<seq>/pdf")
@described(answers={200: PDF})
def get_appendix_pdf(doc_id: str, seq: str) -> Response:
    """An appendix PDF: the issued one (with the agency signature) once the document is issued."""
    appendix = drafting.get_appendix(db(), person(), path_id(doc_id), path_id(seq))
    sha256 = appendix.issued_sha256 or appendix.sha256
    response = send_file(
        io.BytesIO(runtime().store.get(sha256)),
        mimetype="application/pdf",
        download_name=f"congvan-{appendix.document_id}-phu-luc-{appendix.seq}.pdf",
    )
    response.headers["X-Content-SHA256"] = sha256
    return response


@bp.delete("/documents/<doc_id>/appendices/<seq>")
@described(answers={200: Done})
def remove_appendix(doc_id: str, seq: str) -> Answered:
    """Remove an appendix from a draft."""
    drafting.remove_appendix(db(), person(), path_id(doc_id), path_id(seq))
    commit()
    return ok(Done(ok=True))


@bp.get("/documents/<doc_id>/signatures")
@described(answers={200: answers.Signatures})
def list_signatures(doc_id: str) -> Answered:
    """Validate every signature in the current PDF against the agency's trust roots."""
    document = documents.get_document(db(), person(), path_id(doc_id))
    report = documents.check_signatures(runtime(), document)
    checked = validation.in_zone(report.as_dict(), runtime().tz)
    return ok(answers.Signatures.model_validate({"sha256": document.current_version.sha256, **checked}))


@bp.post("/validate")
@described(upload=(PDF,), answers={200: answers.Validated})
def validate() -> Answered:
    """Validate any signed PDF (raw body or multipart "file"): per-signature report and a verdict."""
    person_id()  # writes nothing: no write transaction is held while the file is checked
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    data = (upload.read() if upload else b"") if request.mimetype == "multipart/form-data" else request.get_data()
    return ok(answers.Validated.model_validate(documents.validate_upload(runtime(), data)))


@bp.get("/documents/<doc_id>/versions")
@described(answers={200: answers.Versions})
def list_versions(doc_id: str) -> Answered:
    """Every version of the PDF with its SHA-256."""
    document = documents.get_document(db(), person(), path_id(doc_id), need=access.WORK)
    return ok(answers.Versions(versions=[answers.VersionOut.of(v) for v in document.versions]))


@bp.get("/documents/<doc_id>/events")
@described(answers={200: answers.Events})
def list_events(doc_id: str) -> Answered:
    """The audit trail of a document."""
    events = drafting.events_of(db(), person(), path_id(doc_id))
    return ok(
        answers.Events(
            events=[
                answers.EventOut(
                    id=e.id,
                    action=e.action,
                    from_state=e.from_state,
                    to_state=e.to_state,
                    actor=e.actor.username if e.actor else None,
                    detail=e.detail,
                    at=moment(e.created_at),
                )
                for e in events
            ]
        )
    )


@bp.post("/documents/<doc_id>/comments")
@described(body=schemas.CommentIn, answers={201: answers.CommentMade})
def add_comment(doc_id: str, body: schemas.CommentIn) -> Answered:
    """Add a comment to a document."""
    comment = drafting.add_comment(db(), person(), path_id(doc_id), body.body)
    commit()
    return ok(answers.CommentMade(id=comment.id, body=comment.body), 201)


@bp.get("/documents/<doc_id>/comments")
@described(answers={200: answers.Comments})
def list_comments(doc_id: str) -> Answered:
    """The comments on a document."""
    comments = drafting.comments_of(db(), person(), path_id(doc_id))
    return ok(
        answers.Comments(
            comments=[
                answers.CommentOut(id=c.id, author=c.author.full_name, body=c.body, at=moment(c.created_at))
                for c in comments
            ]
        )
    )


@bp.post("/documents/<doc_id>/actions/<action>")
@described(body=schemas.ActionIn, answers={200: answers.Acted}, path_enums={"action": tuple(ACTIONS)})
def document_action(doc_id: str, action: str, body: schemas.ActionIn) -> Answered:
    """Take a lifecycle action: submit, approve, return, sign, issue, withdraw, dispatch, recall. Signing needs
    `password` (or `code`, the one-time code) again. A failed issuance answers 503 issue_failed with
    detail.voided (the number it took stays voided in the register)."""
    actor = person()
    if action not in ACTIONS:
        raise NotFound("unknown_action", "Thao tác không tồn tại.")
    proof = reauthenticated(actor, body.password, body.code) if action == "sign" else None
    reason = body.reason or None
    result = actions.act(db(), runtime(), actor, path_id(doc_id), action, reason, proof, notify=public_url())
    commit()
    document = documents.get_document(db(), actor, path_id(doc_id))
    return ok(answers.Acted(document=answers.DocumentOut.of(document), result=result))
