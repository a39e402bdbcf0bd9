"""JSON API of case files: the year's file list and its entries, its approval, files opened, documents filed,
files closed."""

from __future__ import annotations

from flask import Blueprint

from routing.records import answers, schemas
from routing.records import service as records
from workflow.web.context import Answered, commit, db, ok, path_id, person, person_id, runtime
from workflow.web.openapi import described

bp = Blueprint("records_api", __name__, url_prefix="/api/v1")


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
