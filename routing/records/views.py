"""JSON API of case files: the year's file list and its entries, its approval, files opened, documents filed,
files closed."""

from __future__ import annotations

from flask import Blueprint, Response

from routing.records import answers, package, schemas
from routing.records import service as records
from workflow.errors import Conflict
from workflow.web.context import Answered, commit, db, ok, path_id, person, person_id, runtime
from workflow.web.openapi import described

bp = Blueprint("records_api", __name__, url_prefix="/api/v1")

ZIP = "application/zip"


@bp.get("/file-lists")
@described(query=schemas.YearQuery, answers={200: answers.FileListOut})
def file_list(query: schemas.YearQuery) -> Answered:
    """The agency's file list of a year (?year=, this year by default)."""
    return ok(answers.FileListOut.of(records.list_of(db(), person(), query.year or runtime().now().year)))


@bp.post("/file-lists")
@described(body=schemas.ListIn, answers={201: answers.FileListOut})
def file_list_start(body: schemas.ListIn) -> Answered:
    """The clerk starts a year's list (the latest approved list's entries copied forward)."""
    made = records.start_list(db(), person(), body.year)
    commit()
    return ok(answers.FileListOut.of(made), 201)


@bp.post("/file-lists/<file_list_id>/entries")
@described(body=schemas.EntryIn, answers={201: answers.PlanOut})
def file_list_entry(file_list_id: str, body: schemas.EntryIn) -> Answered:
    """A file added to a draft list (code, title, unit_id, retention_years or null for permanent, keeper_id)."""
    entry = records.add_entry(db(), person(), path_id(file_list_id), body)
    commit()
    return ok(answers.PlanOut.of(entry), 201)


@bp.delete("/file-lists/<file_list_id>/entries/<entry_id>")
@described(answers={200: answers.Removed})
def file_list_entry_remove(file_list_id: str, entry_id: str) -> Answered:
    """A file taken out of a draft list."""
    records.remove_entry(db(), person(), path_id(file_list_id), path_id(entry_id))
    commit()
    return ok(answers.Removed(removed=1))


@bp.post("/file-lists/<file_list_id>/actions/approve")
@described(answers={200: answers.FileListOut})
def file_list_approve(file_list_id: str) -> Answered:
    """The leader approves the year's list."""
    found = records.approve(db(), runtime(), person(), path_id(file_list_id))
    commit()
    return ok(answers.FileListOut.of(found))


@bp.get("/case-files")
@described(answers={200: answers.CaseFiles})
def case_files() -> Answered:
    """The case files I keep (leaders and clerks: the agency's), newest first."""
    return ok(answers.CaseFiles(files=[answers.CaseFileOut.of(f) for f in records.files_of(db(), person())]))


@bp.post("/case-files")
@described(body=schemas.FileIn, answers={201: answers.CaseFileOut})
def case_file_open(body: schemas.FileIn) -> Answered:
    """Who keeps an entry of the approved list opens its file (plan_id)."""
    made = records.open_file(db(), person(), body.plan_id)
    commit()
    return ok(answers.CaseFileOut.of(made), 201)


@bp.get("/case-files/<file_id>")
@described(answers={200: answers.CaseFileOut})
def case_file(file_id: str) -> Answered:
    """A case file with its documents, document and page counts."""
    return ok(answers.CaseFileOut.of(records.get_file(db(), person(), path_id(file_id))))


@bp.post("/case-files/<file_id>/documents")
@described(body=schemas.ItemIn, answers={201: answers.ItemOut})
def case_file_add(file_id: str, body: schemas.ItemIn) -> Answered:
    """A document put in an open file: document_id (an issued one of ours) or incoming_id."""
    pages = records.pages_of(runtime(), person_id(), body)  # read before the write
    item = records.add_item(db(), person(), path_id(file_id), body, pages)
    commit()
    return ok(answers.ItemOut.of(item), 201)


@bp.post("/case-files/<file_id>/actions/close")
@described(body=schemas.CloseIn, answers={200: answers.CaseFileOut})
def case_file_close(file_id: str, body: schemas.CloseIn) -> Answered:
    """The keeper closes the file with its end date (end_date, today by default)."""
    found = records.close_file(db(), runtime(), person(), path_id(file_id), body.end_date)
    commit()
    return ok(answers.CaseFileOut.of(found))


@bp.post("/case-files/<file_id>/actions/hand-over")
@described(answers={200: answers.CaseFileOut})
def case_file_hand_over(file_id: str) -> Answered:
    """The keeper hands a closed file to the agency's archive."""
    found = records.hand_over(db(), runtime(), person(), path_id(file_id))
    commit()
    return ok(answers.CaseFileOut.of(found))


@bp.post("/case-files/<file_id>/actions/accept")
@described(answers={200: answers.CaseFileOut})
def case_file_accept(file_id: str) -> Answered:
    """The archivist accepts a handed-over file: read-only from then on, and exportable."""
    found = records.answer_hand_over(db(), runtime(), person(), path_id(file_id), True, "")
    commit()
    return ok(answers.CaseFileOut.of(found))


@bp.post("/case-files/<file_id>/actions/return")
@described(body=schemas.ReturnIn, answers={200: answers.CaseFileOut})
def case_file_return(file_id: str, body: schemas.ReturnIn) -> Answered:
    """The archivist returns a handed-over file to its keeper, with the reason."""
    found = records.answer_hand_over(db(), runtime(), person(), path_id(file_id), False, body.reason)
    commit()
    return ok(answers.CaseFileOut.of(found))


@bp.get("/case-files/<file_id>/export.zip")
@described(answers={200: ZIP})
def case_file_export(file_id: str) -> Response:
    """An accepted file as its archive package: the PDFs, ho-so.xml, the trust anchors and SHA256SUMS."""
    found = records.get_file(db(), person(), path_id(file_id))
    if found.state != "accepted":
        raise Conflict("case_file_not_accepted", "Chỉ xuất gói hồ sơ đã được lưu trữ cơ quan nhận.")
    response = Response(package.export(runtime(), found), mimetype=ZIP)
    response.headers["Content-Disposition"] = f'attachment; filename="ho-so-{found.id}.zip"'
    return response


@bp.get("/documents/<doc_id>/case-file")
@described(answers={200: answers.FilingOut})
def document_filing(doc_id: str) -> Answered:
    """The case file a document goes into at issuance: the drafter's choice, or by default the file they last used;
    with the open files the drafter keeps to choose from."""
    session, actor = db(), person()
    target, chosen = records.filing_of(session, actor, path_id(doc_id))
    choices = [answers.CaseFileOut.of(f) for f in records.open_files_kept(session, actor)]
    return ok(answers.FilingOut(case_file_id=target.id if target else None, chosen=chosen, choices=choices))


@bp.put("/documents/<doc_id>/case-file")
@described(body=schemas.ChoiceIn, answers={200: answers.FilingOut})
def document_filing_choose(doc_id: str, body: schemas.ChoiceIn) -> Answered:
    """The drafter chooses, before issuance, the open file they keep that the document goes into (null: none)."""
    session, actor = db(), person()
    chosen = records.choose_file(session, actor, path_id(doc_id), body.case_file_id)
    commit()
    choices = [answers.CaseFileOut.of(f) for f in records.open_files_kept(session, actor)]
    return ok(answers.FilingOut(case_file_id=chosen.id if chosen else None, chosen=True, choices=choices))
