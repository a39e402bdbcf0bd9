"""The documents' pages: the lists and search, drafting a document, its page, its PDF and page images, its steps,
versions and comments."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from signing import inspection
from workflow import access
from workflow.accounts import service as auth
from workflow.directory import service as directory
from workflow.documents import actions, drafting, lifecycle, page_images, schemas, search
from workflow.documents import service as documents
from workflow.errors import DomainError, Invalid, NotFound, Unauthenticated
from workflow.models import Document, Person
from workflow.signals import document_panels
from workflow.states import ACTIONS, NEEDS_REASON, STATE_LABELS, DocumentState
from workflow.web.context import commit, db, inline_pdf, path_id, public_url, runtime
from workflow.web.pages import (
    actor,
    back,
    blueprint,
    bulk_page,
    each_ticked,
    my_id,
    page_arg,
    said,
    same_site_path,
    signed_in,
    typed_date,
)
from workflow.web.schemas import parse

bp = blueprint("documents", __name__)


@bp.get("/documents", endpoint="documents")
@signed_in
def document_list() -> str:
    """Documents of the agency; for a specialist, the ones they drafted first."""
    person = actor()
    state = request.args.get("state") or None
    mine = request.args.get("mine", "1" if person.has_role("specialist") else "0") == "1"
    rows, after = documents.list_documents(
        db(), person, state if state in STATE_LABELS else None, page_arg(), mine=mine
    )
    return render_template("workflow/documents.html", documents=rows, state=state, mine=mine, next_before=after)


@bp.get("/search")
@signed_in
def find() -> str:
    """Search by number/symbol, summary and body words, accent-insensitive, with filters and a date range."""
    words = request.args.get("q", "").strip()
    asked = request.args.to_dict() | {k: typed_date(request.args.get(k)) for k in ("from", "to")}
    try:
        filters = search.filters_of({k: v for k, v in asked.items() if v is not None})
    except Invalid as exc:
        flash(said(exc), "error")
        filters = search.NO_FILTERS
    rows, after = (
        search.search(db(), actor(), words, filters, page_arg())
        if words or filters != search.NO_FILTERS
        else ([], None)
    )
    units = sorted(directory.units_of(db(), actor().unit.agency_id), key=lambda u: u.code)
    return render_template(
        "workflow/search.html",
        documents=rows,
        q=words,
        filters=filters,
        EMPTY_FILTERS=search.NO_FILTERS,
        units=units,
        next_before=after,
    )


def _draft_form() -> dict[str, Any]:
    """The draft form's fields as the services take them (recipients one a line, the signer's id)."""
    data: dict[str, Any] = request.form.to_dict()
    for field in ("kinh_gui", "noi_nhan"):
        data[field] = [line for line in data.get(field, "").splitlines() if line.strip()]
    data["signer_id"] = int(data["signer_id"]) if str(data.get("signer_id", "")).isdigit() else 0
    if "due_date" in data:
        data["due_date"] = typed_date(data["due_date"])
    return data


@bp.route("/documents/new", methods=["GET", "POST"])
@signed_in
def new_document() -> BaseResponse | str:
    """The Decree-30 draft form: write the body (rendered to PDF) or upload a PDF."""
    person_id = my_id()
    assert person_id is not None
    with runtime().readers() as reading:
        leaders = drafting.signers_for(reading, person_id)
    if request.method == "POST":
        data = _draft_form()
        upload = request.files.get("file")
        pdf = upload.read() if upload is not None and upload.filename else None
        if pdf is None and not str(data.get("body", "")).strip():
            data.pop("body", None)
        try:
            draft = parse(schemas.Draft, data, runtime().settings)
            # Rendered or inspected first; the write transaction only stores the result.
            content = drafting.make_content(runtime(), person_id, draft, pdf)
            document = drafting.create_document(db(), runtime(), actor(), draft, content)
        except DomainError as exc:
            db().rollback()
            flash(said(exc), "error")
            page = render_template(
                "workflow/new_document.html", leaders=leaders, form=request.form, invalid=exc.detail.get("field")
            )
            return page, exc.status  # type: ignore[return-value]
        commit()
        if request.form.get("then") == "submit":  # "Lưu và trình"
            actions.act(db(), runtime(), actor(), document.id, "submit", None)
            commit()
            flash(_("Đã tạo dự thảo và trình duyệt."), "ok")
        else:
            flash(_("Đã tạo dự thảo."), "ok")
        return redirect(url_for("documents.document", doc_id=document.id))
    # Opened from an incoming document's "Soạn văn bản trả lời": its fields arrive filled in.
    return render_template("workflow/new_document.html", leaders=leaders, form=request.args)


@bp.post("/documents/preview")
@signed_in
def preview() -> Response:
    """The draft as it would be rendered, opened in a new tab before it is created."""
    person_id = my_id()
    assert person_id is not None
    draft = parse(schemas.Draft, _draft_form(), runtime().settings)
    return inline_pdf(drafting.preview(runtime(), person_id, draft), "xem-truoc.pdf")


# The everyday steps first; returning, withdrawing and recalling after them, never where a hurried click lands.
ACTION_ORDER = ("submit", "approve", "sign", "issue", "dispatch", "return", "withdraw", "recall")


def _allowed(person: Person, document: Document) -> list[str]:
    allowed = []
    for action in sorted(ACTIONS, key=ACTION_ORDER.index):
        try:
            lifecycle.check(person, document, action)
        except DomainError:
            continue
        allowed.append(action)
    return allowed


def _next_in_queue(person: Person, document: Document) -> str | None:
    """Where an action on this document leads: the next document waiting for the same person in the same
    queue (the head's review, the clerk's issuance; the leader's reader and the unit's inbox lead on their own),
    or the queue's list when none is left."""
    if document.state == DocumentState.IN_REVIEW and person.has_role("unit_head"):
        filters = search.Filters(unit_id=person.unit_id, state=DocumentState.IN_REVIEW)
        rows, _after = search.search(db(), person, "", filters)
        queue = "documents.review"
    elif document.state == DocumentState.SIGNED and person.has_role("clerk"):
        rows, _after = documents.list_documents(db(), person, DocumentState.SIGNED)
        rows, queue = sorted(rows, key=lambda d: d.id), "issuance.issuance"
    else:
        return None
    following = next((d for d in rows if d.id != document.id), None)
    return url_for("documents.document", doc_id=following.id) if following else url_for(queue)


@bp.get("/documents/<doc_id>")
@signed_in
def document(doc_id: str) -> str:
    """A document: its PDF, fields, versions, comments, history and what I may do with it."""
    person = actor()
    found = documents.get_document(db(), person, path_id(doc_id))
    # A receiving unit reads the issued document; its drafting file (history, comments) stays with the drafters.
    works = access.allows(person, found, access.WORK)
    drafts = found.state == DocumentState.DRAFTING and found.drafter_id == person.id
    return render_template(
        "workflow/document.html",
        doc=found,
        works=works,
        why=access.labels(person, found),
        events=drafting.events_of(db(), person, found.id) if works else [],
        comments=drafting.comments_of(db(), person, found.id) if works else [],
        allowed=_allowed(person, found),
        leaders=drafting.signers_for(db(), person.id) if drafts else [],  # the revise form is the drafter's
        following=_next_in_queue(person, found),
        needs_reason=NEEDS_REASON,
        pages=inspection.inspect(documents.read_pdf(runtime(), found.current_version)).pages,
        panels=[panel for _, panel in document_panels.send(None, person=person, document=found) if panel],
    )


@bp.get("/documents/<doc_id>/pdf")
@signed_in
def document_pdf(doc_id: str) -> Response:
    """The current PDF, shown in the page."""
    found = documents.get_document(db(), actor(), path_id(doc_id))
    return inline_pdf(documents.read_pdf(runtime(), found.current_version), f"van-ban-{found.id}.pdf")


@bp.get("/documents/<doc_id>/versions/<seq>/pages/<page>.png")
@signed_in
def document_page(doc_id: str, seq: str, page: str) -> Response:
    """One page of a version of the PDF as an image (the PDF read in the page, on any phone). The version is
    in the address, so what a person sees is the version they act on, never an older one kept by a cache."""
    person = actor()
    found = documents.get_document(db(), person, path_id(doc_id))
    version = found.current_version
    if path_id(seq) != version.seq:
        # Earlier versions are the drafting side's file, as their PDFs are.
        found = documents.get_document(db(), person, found.id, need=access.WORK)
        match = [v for v in found.versions if v.seq == path_id(seq)]
        if not match:
            raise NotFound("version_not_found", "Không tìm thấy phiên bản.")
        version = match[0]
    number = path_id(page)
    data = documents.read_pdf(runtime(), version)
    if not 1 <= number <= inspection.inspect(data).pages:
        raise NotFound("page_not_found", "Không có trang này.")
    # ?scale=2 or 3: sharp on phones' dense screens (srcset); the pixel bound still holds.
    scale = request.args.get("scale", "1")
    dpi = page_images.PREVIEW_DPI * (int(scale) if scale in ("2", "3") else 1)
    image = page_images.page_png(data, number, max_pixels=runtime().settings.max_image_pixels, dpi=dpi)
    response = Response(image, mimetype="image/png")
    # A version never changes, so an ordinary document's page may stay a working day in this person's browser
    # (paging back and forth in the reader); a confidential one's is never kept by any cache.
    confidential = found.confidentiality != "thuong"
    response.headers["Cache-Control"] = "no-store" if confidential else f"private, max-age={PAGE_CACHE_SECONDS}"
    return response


PAGE_CACHE_SECONDS = 8 * 3600


@bp.post("/documents/<doc_id>/act/<action>")
@signed_in
def document_act(doc_id: str, action: str) -> BaseResponse:
    """Take a lifecycle step from the document's page."""
    if action not in ACTIONS:
        flash(_("Thao tác không tồn tại."), "error")
        return back()
    reason = request.form.get("reason", "").strip() or None
    summary = documents.get_document(db(), actor(), path_id(doc_id)).summary
    proof = None
    if action == "sign":
        # A signature asks for the password (or the one-time code) again, wherever it is given from.
        form = request.form
        try:
            proof = auth.reauthenticate(
                db(),
                runtime(),
                actor(),
                request.remote_addr or "",
                password=form.get("password", ""),
                code=form.get("code", ""),
            )
        except (Unauthenticated, Invalid) as exc:
            commit()  # a wrong password counts towards throttling
            flash(exc.message, "error")
            return back()
    try:
        result = actions.act(db(), runtime(), actor(), path_id(doc_id), action, reason, proof, notify=public_url())
    except DomainError as exc:
        if not exc.recorded:
            raise
        commit()  # the voided number of a failed issuance, the refusal of a secret document's dispatch
        flash(exc.message, "error")
        return back()
    commit()
    if "error" in result.get("dispatch", {}):
        flash(result["dispatch"]["error"]["message"], "error")
    elif result.get("awaiting_approval"):
        flash(
            _(
                "Đã gửi yêu cầu ký văn bản «%(summary)s» tới dịch vụ ký số từ xa: duyệt trên điện thoại để hoàn tất.",
                summary=summary,
            ),
            "ok",
        )
    elif action == "issue":
        flash(
            _("Đã phát hành văn bản «%(summary)s»: số, ký hiệu %(symbol)s.", summary=summary, symbol=result["symbol"]),
            "ok",
        )
    else:
        flash(_done(action, summary), "ok")
    # From a queue (the signing book's reader): on to its next item.
    following = same_site_path(request.form.get("next", ""))
    return redirect(following) if following else back()


def _done(action: str, summary: str) -> str:
    """What a step did, naming the document."""
    return {
        "submit": _("Đã trình duyệt văn bản «%(summary)s».", summary=summary),
        "approve": _("Đã duyệt văn bản «%(summary)s».", summary=summary),
        "return": _("Đã trả lại văn bản «%(summary)s».", summary=summary),
        "sign": _("Đã ký văn bản «%(summary)s».", summary=summary),
        "withdraw": _("Đã rút văn bản «%(summary)s».", summary=summary),
        "dispatch": _("Đã gửi văn bản «%(summary)s».", summary=summary),
        "recall": _("Đã thu hồi văn bản «%(summary)s».", summary=summary),
    }[action]


@bp.post("/documents/<doc_id>/versions")
@signed_in
def document_version(doc_id: str) -> BaseResponse:
    """The drafter revises a draft: every field (rendered again) or a new PDF; "Lưu và trình" submits it too."""
    data = {k: v for k, v in _draft_form().items() if k in (*drafting.FIELDS, "body") and k in request.form}
    if not str(data.get("body", "")).strip():
        data.pop("body", None)
    upload = request.files.get("file")
    pdf = upload.read() if upload is not None and upload.filename else None
    if pdf is not None:
        data.pop("body", None)
    person_id = my_id()
    assert person_id is not None
    change = parse(schemas.DraftChange, data, runtime().settings)
    content = drafting.make_content(runtime(), person_id, change, pdf, path_id(doc_id))
    version = drafting.add_version(db(), runtime(), actor(), path_id(doc_id), change, content)
    commit()
    if request.form.get("then") == "submit":  # "Lưu và trình"
        actions.act(db(), runtime(), actor(), path_id(doc_id), "submit", None)
        commit()
        flash(_("Đã lưu phiên bản %(seq)s và trình duyệt.", seq=version.seq), "ok")
    else:
        flash(_("Đã lưu phiên bản %(seq)s.", seq=version.seq), "ok")
    return back()


@bp.post("/documents/<doc_id>/comments")
@signed_in
def document_comment(doc_id: str) -> BaseResponse:
    """Add a comment to a document."""
    drafting.add_comment(db(), actor(), path_id(doc_id), request.form.get("body", ""))
    commit()
    return back()


@bp.get("/review")
@signed_in
def review() -> str:
    """Drafts of my unit waiting for my review."""
    person = actor()
    filters = search.Filters(unit_id=person.unit_id, state=DocumentState.IN_REVIEW)
    rows, after = search.search(db(), person, "", filters, bulk_page())
    return render_template("workflow/review.html", documents=rows, next_before=after)


@bp.post("/review/approve")
@signed_in
def approve_all() -> BaseResponse | str:
    """The head of unit approves every ticked draft in one action."""
    done = each_ticked("approve", {"ok": _("Đã duyệt, chờ lãnh đạo ký")})
    if not done:
        flash(_("Chưa chọn văn bản nào."), "error")
        return back("documents.review")
    return render_template("workflow/bulk_done.html", title=_("Kết quả duyệt"), done=done, back="documents.review")
