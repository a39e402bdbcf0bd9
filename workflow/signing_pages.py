"""The pages of review, signing and issuance: the unit head's review list, the leader's signing book and batches,
the clerk's issuance list and registers."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from workflow import (
    auth,
    batches,
    catalog,
    documents,
    registers,
    search,
)
from workflow.errors import Unauthenticated
from workflow.pages import actor, back, bp, page_arg, signed_in
from workflow.web import commit, db, inline_pdf, path_id, runtime


@bp.get("/review")
@signed_in
def review() -> str:
    """Drafts of my unit waiting for my review."""
    person = actor()
    filters = search.Filters(unit_id=person.unit_id, state="in_review")
    rows, after = search.search(db(), person, "", filters, page_arg())
    return render_template("workflow/review.html", documents=rows, next_before=after)


@bp.get("/signing")
@signed_in
def signing() -> str:
    """The leader's signing book: urgent documents first (signed one by one), the rest signed all at once."""
    person = actor()
    book = batches.signing_book(db(), person) if person.has_role("leader") else []
    urgent = [d for d in book if catalog.is_urgent(d.urgency)]
    others = [d for d in book if not catalog.is_urgent(d.urgency)]
    recent = batches.recent_batches(db(), person)
    return render_template("workflow/signing.html", urgent=urgent, others=others, batches=recent)


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
    batch = batches.create_batch(db(), person, person.id, ids or None)
    batches.confirm_batch(db(), person, batch.id, proof)
    commit()
    return redirect(url_for("pages.batch", batch_id=batch.id))


@bp.get("/signing/batches/<batch_id>")
@signed_in
def batch(batch_id: str) -> str:
    """A batch being signed: the progress bar, then each document's result."""
    found = batches.get_batch(db(), actor(), path_id(batch_id))
    return render_template("workflow/batch.html", batch=found)


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
    """Signed documents waiting for the clerk to issue them."""
    rows, after = documents.list_documents(db(), actor(), "signed", page_arg())
    return render_template("workflow/issue.html", documents=rows, next_before=after)


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
