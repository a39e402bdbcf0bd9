"""The clerk's pages: the issuance list and its bulk issuance, the registers of the year."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    render_template,
    request,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from workflow.documents import service as documents
from workflow.issuance import registers
from workflow.signals import Note, document_notes
from workflow.states import DocumentState
from workflow.web.context import db, inline_pdf, path_id, runtime
from workflow.web.pages import actor, back, blueprint, bulk_page, each_ticked, signed_in

bp = blueprint("issuance", __name__)


@bp.get("/issue")
@signed_in
def issuance() -> str:
    """Signed documents waiting for the clerk to issue them, oldest first: ticked, issued in one action."""
    person = actor()
    rows, after = documents.list_documents(db(), person, DocumentState.SIGNED, bulk_page())
    notes: dict[int, list[Note]] = {}
    for _receiver, found in document_notes.send(None, person=person, documents=rows):
        for document_id, more in (found or {}).items():
            notes.setdefault(document_id, []).extend(more)
    ordered = sorted(rows, key=lambda d: d.id)
    held = [document_id for document_id, said in notes.items() if any(note.hold for note in said)]
    return render_template("workflow/issue.html", documents=ordered, notes=notes, notes_held=held, next_before=after)


@bp.post("/issue/all")
@signed_in
def issue_all() -> BaseResponse | str:
    """The clerk issues every ticked document in one action: numbers taken in the order shown."""
    done = each_ticked("issue", {"ok": _("Số, ký hiệu {symbol}")})
    if not done:
        flash(_("Chưa chọn văn bản nào."), "error")
        return back("issuance.issuance")
    return render_template("workflow/bulk_done.html", title=_("Kết quả phát hành"), done=done, back="issuance.issuance")


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
