"""The pages of review, signing and issuance: the unit head's review list, the leader's signing book and batches,
the clerk's issuance list and registers."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from signing import inspection
from workflow import catalog
from workflow.accounts import service as auth
from workflow.documents import actions, search
from workflow.documents import service as documents
from workflow.errors import DomainError, Unauthenticated
from workflow.issuance import registers
from workflow.models import Document, Person
from workflow.paging import Page
from workflow.signals import Note, document_notes
from workflow.signatures import service as batches
from workflow.web.context import commit, db, inline_pdf, path_id, runtime
from workflow.web.pages import actor, back, bp, page_arg, signed_in

# At most this many documents in one bulk action: each is signed or rendered, within the request's time bound.
BULK_MAX = 50


def _bulk_page() -> Page:
    """A page of a list that is acted on in bulk: as many as one bulk action takes."""
    return Page(BULK_MAX, page_arg().before)


@bp.get("/review")
@signed_in
def review() -> str:
    """Drafts of my unit waiting for my review."""
    person = actor()
    filters = search.Filters(unit_id=person.unit_id, state="in_review")
    rows, after = search.search(db(), person, "", filters, _bulk_page())
    return render_template("workflow/review.html", documents=rows, next_before=after)


def _book(person: Person) -> tuple[list[Document], list[Document]]:
    """The leader's signing book as it is read: urgent documents first, then the rest."""
    book = batches.signing_book(db(), person) if person.has_role("leader") else []
    urgent = [d for d in book if catalog.is_urgent(d.urgency)]
    return urgent, [d for d in book if not catalog.is_urgent(d.urgency)]


@bp.get("/signing")
@signed_in
def signing() -> str:
    """The leader's signing book: urgent documents first (signed one by one), the rest ticked and signed at
    once; each can be read in the viewer, and what the leader has read is marked."""
    person = actor()
    urgent, others = _book(person)
    read = batches.read_ids(db(), person, [d.id for d in urgent + others])
    recent = batches.recent_batches(db(), person)
    return render_template("workflow/signing.html", urgent=urgent, others=others, read=read, batches=recent)


@bp.get("/signing/read/<doc_id>")
@signed_in
def signing_read(doc_id: str) -> BaseResponse | str:
    """The reading queue: one document of the signing book with its pages, the previous and next ones (arrow
    keys too), "Trả lại" with a reason; opening it marks it read."""
    person = actor()
    urgent, others = _book(person)
    queue = urgent + others
    wanted = path_id(doc_id)
    position = next((i for i, d in enumerate(queue) if d.id == wanted), None)
    if position is None:
        flash(_("Văn bản không còn trong sổ trình ký (đã ký hoặc đã trả lại)."), "error")
        return redirect(url_for("pages.signing"))
    document = queue[position]
    pages = inspection.inspect(documents.read_pdf(runtime(), document.current_version)).pages
    # The mark is written in its own short transaction: the page itself only reads.
    with runtime().sessions() as writing, writing.begin():
        leader, marked = writing.get(Person, person.id), writing.get(Document, document.id)
        assert leader is not None and marked is not None
        batches.mark_read(writing, leader, marked)
    following = queue[position + 1] if position + 1 < len(queue) else None
    return render_template(
        "workflow/signing_read.html",
        doc=document,
        pages=pages,
        position=position + 1,
        total=len(queue),
        previous=queue[position - 1] if position > 0 else None,
        following=following,
        after_return=url_for("pages.signing_read", doc_id=following.id) if following else url_for("pages.signing"),
        urgent=catalog.is_urgent(document.urgency),
    )


@bp.post("/signing/sign-all")
@signed_in
def sign_all() -> BaseResponse:
    """ "Ký tất cả": the leader's one confirmation makes the batch and starts signing it."""
    person = actor()
    password, code = request.form.get("password", ""), request.form.get("code", "").strip()
    try:
        proof = auth.reauthenticate(db(), runtime(), person, request.remote_addr or "", password=password, code=code)
    except Unauthenticated as exc:
        commit()  # the failed attempt counts towards throttling; no batch is made
        flash(exc.message, "error")
        return back("pages.signing")
    ids = [int(i) for i in request.form.getlist("document_id") if i.isdigit()]
    if not ids:
        flash(_("Chưa chọn văn bản nào để ký."), "error")
        return back("pages.signing")
    batch = batches.create_batch(db(), person, person.id, ids)
    batches.confirm_batch(db(), person, batch.id, proof)
    commit()
    return redirect(url_for("pages.batch", batch_id=batch.id))


@bp.get("/signing/batches/<batch_id>")
@signed_in
def batch(batch_id: str) -> str:
    """A batch being signed: the progress bar, then each document's result."""
    found = batches.get_batch(db(), actor(), path_id(batch_id))
    pages = {
        item.document_id: inspection.inspect(documents.read_pdf(runtime(), item.document.current_version)).pages
        for item in found.items
    }
    return render_template("workflow/batch.html", batch=found, pages=pages)


@bp.get("/signing/batches/<batch_id>/progress")
@signed_in
def batch_progress(batch_id: str) -> tuple[Response, int]:
    """How far the batch is (polled by the progress bar)."""
    found = batches.get_batch(db(), actor(), path_id(batch_id))
    counts = {"pending": 0, "signed": 0, "failed": 0}
    for item in found.items:
        counts[item.status] = counts.get(item.status, 0) + 1
    return jsonify({"state": found.state, "total": len(found.items), **counts}), 200


@bp.post("/signing/batches/<batch_id>/retry")
@signed_in
def batch_retry(batch_id: str) -> BaseResponse:
    """Sign the failed documents of the batch again."""
    batches.retry_batch(db(), actor(), path_id(batch_id))
    commit()
    return redirect(url_for("pages.batch", batch_id=batch_id))


@bp.get("/issue")
@signed_in
def issuance() -> str:
    """Signed documents waiting for the clerk to issue them, oldest first: ticked, issued in one action."""
    person = actor()
    rows, after = documents.list_documents(db(), person, "signed", _bulk_page())
    notes: dict[int, list[Note]] = {}
    for _receiver, found in document_notes.send(None, person=person, documents=rows):
        for document_id, more in (found or {}).items():
            notes.setdefault(document_id, []).extend(more)
    ordered = sorted(rows, key=lambda d: d.id)
    held = [document_id for document_id, said in notes.items() if any(note.hold for note in said)]
    return render_template("workflow/issue.html", documents=ordered, notes=notes, notes_held=held, next_before=after)


@dataclass(frozen=True)
class Done:
    """What one document of a bulk action became."""

    document: Document
    ok: bool
    message: str


def _each(action: str, labels: dict[str, str]) -> list[Done]:
    """Take one action on every ticked document, in the order shown, each in its own transaction: one refused
    or failed document neither stops nor undoes the others (and SQLite's one writer is never held long)."""
    ids = [int(i) for i in request.form.getlist("document_id") if i.isdigit()][:BULK_MAX]
    done = []
    for document_id in ids:
        person = actor()
        try:
            result = actions.act(db(), runtime(), person, document_id, action, None)
            commit()
            message = labels["ok"].format(**result) if result else labels["ok"]
            done.append(Done(documents.get_document(db(), person, document_id), True, message))
        except DomainError as exc:
            if exc.recorded:
                commit()  # a failed issuance keeps its voided number
            else:
                db().rollback()
            found = db().get(Document, document_id)
            if found is not None:
                done.append(Done(found, False, exc.message))
    return done


@bp.post("/issue/all")
@signed_in
def issue_all() -> BaseResponse | str:
    """The clerk issues every ticked document in one action: numbers taken in the order shown."""
    done = _each("issue", {"ok": _("Số, ký hiệu {symbol}")})
    if not done:
        flash(_("Chưa chọn văn bản nào."), "error")
        return back("pages.issuance")
    return render_template("workflow/bulk_done.html", title=_("Kết quả phát hành"), done=done, back="pages.issuance")


@bp.post("/review/approve")
@signed_in
def approve_all() -> BaseResponse | str:
    """The head of unit approves every ticked draft in one action."""
    done = _each("approve", {"ok": _("Đã duyệt, chờ lãnh đạo ký")})
    if not done:
        flash(_("Chưa chọn văn bản nào."), "error")
        return back("pages.review")
    return render_template("workflow/bulk_done.html", title=_("Kết quả duyệt"), done=done, back="pages.review")


@bp.get("/registers", endpoint="registers")
@signed_in
def register_list() -> str:
    """The outgoing registers of the year, each printable."""
    person = actor()
    year = request.args.get("year", "")
    chosen = int(year) if year.isdigit() else runtime().now().year
    books = list(registers.registers_of(db(), person.unit.agency_id))
    entries = {r.id: registers.register_entries(db(), person, r.id, chosen) for r in books}
    return render_template("workflow/registers.html", registers=books, entries=entries, year=chosen)


@bp.get("/registers/<register_id>.pdf")
@signed_in
def register_pdf(register_id: str) -> Response:
    """A register of a year, printable."""
    year = request.args.get("year", "")
    data, name = registers.register_pdf(
        db(), runtime(), actor(), path_id(register_id), int(year) if year.isdigit() else runtime().now().year
    )
    return inline_pdf(data, name)
