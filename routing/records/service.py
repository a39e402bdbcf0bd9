"""Case files (hồ sơ, Decree 30 Chapter IV): the agency's list of files for a year, drafted by the clerk and the
units' heads and approved by the leader, copied forward into the next year's; the files opened from it by who
keeps each, the outgoing and incoming documents put in them (a document may sit in several), and their closing.

Services take the caller's session and never commit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from routing.incoming import service as incoming
from routing.models import CaseFile, CaseFileItem, FileList, FilePlan, FilingChoice
from routing.records.schemas import EntryIn, ItemIn
from signing import inspection
from signing.errors import PdfError
from workflow import outbox
from workflow.documents.drafting import signed_in
from workflow.documents.service import get_document, read_pdf
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.models import Document, Person, Unit
from workflow.runtime import Runtime
from workflow.states import AFTER_ISSUANCE


def _keeps_lists(actor: Person) -> bool:
    return actor.has_role("clerk") or actor.has_role("unit_head") or actor.has_role("leader")


def list_of(session: Session, actor: Person, year: int) -> FileList:
    """The agency's file list of a year (404 when it was not started)."""
    found = session.scalar(select(FileList).where(FileList.agency_id == actor.unit.agency_id, FileList.year == year))
    if found is None or (not _keeps_lists(actor) and not _keeps_any(actor, found)):
        raise NotFound("file_list_not_found", f"Chưa có danh mục hồ sơ năm {year}.")
    return found


def _keeps_any(actor: Person, file_list: FileList) -> bool:
    return any(entry.keeper_id == actor.id for entry in file_list.entries)


def start_list(session: Session, actor: Person, year: int) -> FileList:
    """The clerk starts a year's list, with the entries of the latest approved list before it copied forward."""
    if not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Văn thư lập danh mục hồ sơ của cơ quan.")
    agency_id = actor.unit.agency_id
    if session.scalar(select(FileList.id).where(FileList.agency_id == agency_id, FileList.year == year)):
        raise Conflict("file_list_exists", f"Danh mục hồ sơ năm {year} đã có.")
    made = FileList(agency_id=agency_id, year=year, state="draft")
    session.add(made)
    previous = session.scalar(
        select(FileList)
        .where(FileList.agency_id == agency_id, FileList.year < year, FileList.state == "approved")
        .order_by(FileList.year.desc())
        .limit(1)
    )
    for entry in previous.entries if previous is not None else []:
        made.entries.append(
            FilePlan(
                unit_id=entry.unit_id,
                code=entry.code,
                title=entry.title,
                retention_years=entry.retention_years,
                keeper_id=entry.keeper_id,
            )
        )
    session.flush()
    return made


def _draft(session: Session, actor: Person, list_id: int) -> FileList:
    found = session.get(FileList, list_id, with_for_update=True)
    if found is None or found.agency_id != actor.unit.agency_id or not _keeps_lists(actor):
        raise NotFound("file_list_not_found", "Không tìm thấy danh mục hồ sơ.")
    if found.state != "draft":
        raise Conflict("file_list_approved", f"Danh mục hồ sơ năm {found.year} đã được duyệt: không sửa nữa.")
    return found


def add_entry(session: Session, actor: Person, list_id: int, body: EntryIn) -> FilePlan:
    """A file added to a draft list: by the clerk for any unit, by a unit's head for theirs."""
    found = _draft(session, actor, list_id)
    unit = session.get(Unit, body.unit_id)
    if unit is None or unit.agency_id != found.agency_id:
        raise Invalid("invalid_unit", "Không có đơn vị này trong cơ quan.", field="unit_id")
    if not actor.has_role("clerk") and not (actor.has_role("unit_head") and actor.unit_id == unit.id):
        raise Forbidden("forbidden", "Lãnh đạo đơn vị chỉ thêm hồ sơ của đơn vị mình.")
    keeper = session.get(Person, body.keeper_id)
    if keeper is None or not keeper.active or keeper.unit_id != unit.id:
        raise Invalid("invalid_person", "Người lập hồ sơ phải là người của đơn vị đó.", field="keeper_id")
    entry = FilePlan(
        unit_id=unit.id, code=body.code, title=body.title, retention_years=body.retention_years, keeper_id=keeper.id
    )
    try:
        with session.begin_nested():
            found.entries.append(entry)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("file_code_taken", f"Ký hiệu hồ sơ {body.code} đã có trong danh mục.") from exc
    return entry


def remove_entry(session: Session, actor: Person, list_id: int, entry_id: int) -> None:
    """A file taken out of a draft list."""
    found = _draft(session, actor, list_id)
    entry = next((e for e in found.entries if e.id == entry_id), None)
    if entry is None:
        raise NotFound("file_plan_not_found", "Không có hồ sơ này trong danh mục.")
    if not actor.has_role("clerk") and actor.unit_id != entry.unit_id:
        raise Forbidden("forbidden", "Lãnh đạo đơn vị chỉ bỏ hồ sơ của đơn vị mình.")
    found.entries.remove(entry)
    session.delete(entry)


def approve(session: Session, rt: Runtime, actor: Person, list_id: int) -> FileList:
    """The leader approves the year's list; files are then opened from it."""
    if not actor.has_role("leader"):
        raise Forbidden("forbidden", "Lãnh đạo cơ quan duyệt danh mục hồ sơ.")
    found = _draft(session, actor, list_id)
    if not found.entries:
        raise Invalid("file_list_empty", "Danh mục hồ sơ chưa có hồ sơ nào.")
    found.state, found.approved_by_id, found.approved_at = "approved", actor.id, rt.now()
    return found


def _sees(actor: Person, case_file: CaseFile) -> bool:
    """The keeper, the heads of its unit, leaders, clerks and the archivist of the agency."""
    plan = case_file.plan
    if plan.unit.agency_id != actor.unit.agency_id:
        return False
    if plan.keeper_id == actor.id or any(actor.has_role(r) for r in ("leader", "clerk", "archivist")):
        return True
    return actor.has_role("unit_head") and actor.unit_id == plan.unit_id


def get_file(session: Session, actor: Person, file_id: int, *, lock: bool = False) -> CaseFile:
    """A case file the actor may see."""
    found = session.get(CaseFile, file_id, with_for_update=lock)
    if found is None or not _sees(actor, found):
        raise NotFound("case_file_not_found", "Không tìm thấy hồ sơ.")
    return found


def files_of(session: Session, actor: Person) -> list[CaseFile]:
    """The case files I keep (leaders and clerks: every file of the agency), newest first (at most 500)."""
    query = select(CaseFile).join(FilePlan, CaseFile.plan_id == FilePlan.id).join(Unit, FilePlan.unit_id == Unit.id)
    query = query.where(Unit.agency_id == actor.unit.agency_id)
    if not (actor.has_role("leader") or actor.has_role("clerk")):
        query = query.where(FilePlan.keeper_id == actor.id)
    return list(session.scalars(query.order_by(CaseFile.id.desc()).limit(500)))


def open_file(session: Session, actor: Person, plan_id: int) -> CaseFile:
    """Who keeps an entry of the approved list opens its file (once)."""
    plan = session.get(FilePlan, plan_id)
    if plan is None or plan.unit.agency_id != actor.unit.agency_id:
        raise Invalid("invalid_plan", "Không có hồ sơ này trong danh mục.", field="plan_id")
    if plan.keeper_id != actor.id:
        raise Forbidden("forbidden", "Chỉ người được giao lập hồ sơ mới mở hồ sơ.")
    if plan.file_list.state != "approved":
        raise Conflict("file_list_not_approved", "Danh mục hồ sơ chưa được duyệt: chưa mở được hồ sơ.")
    if session.scalar(select(CaseFile.id).where(CaseFile.plan_id == plan.id)):
        raise Conflict("case_file_exists", f"Hồ sơ {plan.code} đã được mở.")
    made = CaseFile(plan_id=plan.id, title=plan.title, state="open", opened_by_id=actor.id)
    session.add(made)
    session.flush()
    return made


def pages_of(rt: Runtime, actor_id: int, body: ItemIn) -> int:
    """How many pages the document to be filed has, read on a snapshot before any write (0 when it does not read)."""
    with rt.readers() as reader:
        actor = signed_in(reader, actor_id)
        if body.document_id is not None:
            data = read_pdf(rt, get_document(reader, actor, body.document_id).current_version)
        elif body.incoming_id is not None:
            data = incoming.pdf(rt, incoming.get(reader, actor, body.incoming_id))
        else:
            return 0
    try:
        return inspection.inspect(data).pages
    except PdfError:
        return 0


def add_item(session: Session, actor: Person, file_id: int, body: ItemIn, pages: int) -> CaseFileItem:
    """A document the keeper may see put in an open file: one of ours once issued, or an incoming one."""
    case_file = get_file(session, actor, file_id, lock=True)
    if case_file.plan.keeper_id != actor.id:
        raise Forbidden("forbidden", "Chỉ người lập hồ sơ đưa văn bản vào hồ sơ.")
    if case_file.state != "open":
        raise Conflict("case_file_closed", "Hồ sơ đã kết thúc: không thêm văn bản.")
    if (body.document_id is None) == (body.incoming_id is None):
        raise Invalid("invalid_item", "Hãy chọn một văn bản đi hoặc một văn bản đến.")
    if body.document_id is not None:
        document = get_document(session, actor, body.document_id)
        if document.state not in AFTER_ISSUANCE:  # a file keeps what exists as issued
            raise Conflict("document_not_issued", "Văn bản chưa phát hành: chưa đưa vào hồ sơ.")
    else:
        incoming.get(session, actor, body.incoming_id or 0)
    item = CaseFileItem(document_id=body.document_id, incoming_id=body.incoming_id, pages=pages, added_by_id=actor.id)
    try:
        with session.begin_nested():
            case_file.items.append(item)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("already_in_file", "Văn bản đã có trong hồ sơ này.") from exc
    return item


def close_file(session: Session, rt: Runtime, actor: Person, file_id: int, end_date: dt.date | None) -> CaseFile:
    """The keeper closes the file with its end date (today when not given; not before it was opened)."""
    case_file = get_file(session, actor, file_id, lock=True)
    if case_file.plan.keeper_id != actor.id:
        raise Forbidden("forbidden", "Chỉ người lập hồ sơ kết thúc hồ sơ.")
    if case_file.state != "open":
        raise Conflict("case_file_closed", "Hồ sơ đã kết thúc.")
    today = rt.now().date()
    end = end_date or today
    if end > today or end < case_file.opened_at.astimezone(rt.tz).date():
        raise Invalid("date_out_of_range", "Ngày kết thúc phải từ ngày mở hồ sơ đến hôm nay.", field="end_date")
    case_file.state, case_file.end_date, case_file.closed_at = "closed", end, rt.now()
    return case_file


def hand_over(session: Session, rt: Runtime, actor: Person, file_id: int) -> CaseFile:
    """The keeper hands a closed file to the agency's archive (again, after it was returned)."""
    case_file = get_file(session, actor, file_id, lock=True)
    if case_file.plan.keeper_id != actor.id:
        raise Forbidden("forbidden", "Chỉ người lập hồ sơ nộp hồ sơ vào lưu trữ.")
    if case_file.state != "closed":
        raise Conflict("case_file_not_closed", "Chỉ nộp lưu hồ sơ đã kết thúc (và chưa nộp).")
    if not case_file.items:
        raise Invalid("case_file_empty", "Hồ sơ chưa có văn bản nào.")
    case_file.state, case_file.handed_over_at, case_file.return_reason = "handed_over", rt.now(), None
    return case_file


def answer_hand_over(session: Session, rt: Runtime, actor: Person, file_id: int, accept: bool, reason: str) -> CaseFile:
    """The archivist accepts a handed-over file (it is read-only from then on) or returns it with a reason."""
    if not actor.has_role("archivist"):
        raise Forbidden("forbidden", "Chỉ người làm lưu trữ cơ quan nhận hồ sơ nộp lưu.")
    case_file = get_file(session, actor, file_id, lock=True)
    if case_file.state != "handed_over":
        raise Conflict("case_file_not_handed_over", "Hồ sơ chưa được nộp lưu.")
    if accept:
        case_file.state, case_file.accepted_by_id, case_file.accepted_at = "accepted", actor.id, rt.now()
    else:
        if not reason:
            raise Invalid("reason_required", "Trả lại hồ sơ cần nêu lý do.", field="reason")
        case_file.state, case_file.return_reason = "closed", reason
    return case_file


def open_files_kept(session: Session, actor: Person) -> list[CaseFile]:
    """The open case files the person keeps, newest first."""
    query = (
        select(CaseFile)
        .join(FilePlan, CaseFile.plan_id == FilePlan.id)
        .where(FilePlan.keeper_id == actor.id, CaseFile.state == "open")
        .order_by(CaseFile.id.desc())
    )
    return list(session.scalars(query))


def last_used(session: Session, person_id: int) -> CaseFile | None:
    """The open file the person last put a document in, or last chose for one, whichever was later."""
    item = session.scalar(
        select(CaseFileItem)
        .join(CaseFile, CaseFileItem.file_id == CaseFile.id)
        .where(CaseFileItem.added_by_id == person_id, CaseFile.state == "open")
        .order_by(CaseFileItem.id.desc())
        .limit(1)
    )
    choice = session.scalar(
        select(FilingChoice)
        .join(CaseFile, FilingChoice.case_file_id == CaseFile.id)
        .where(FilingChoice.chosen_by_id == person_id, CaseFile.state == "open")
        .order_by(FilingChoice.id.desc())
        .limit(1)
    )
    if item is not None and (choice is None or item.added_at >= choice.created_at):
        return session.get(CaseFile, item.file_id)
    return session.get(CaseFile, choice.case_file_id) if choice is not None and choice.case_file_id else None


def filing_of(session: Session, actor: Person, document_id: int) -> tuple[CaseFile | None, bool]:
    """The file a document goes into at issuance: the drafter's choice, or else their last used (and whether it
    was chosen)."""
    document = get_document(session, actor, document_id)
    choice = session.scalar(select(FilingChoice).where(FilingChoice.document_id == document.id))
    if choice is not None:
        return (session.get(CaseFile, choice.case_file_id) if choice.case_file_id else None), True
    return last_used(session, document.drafter_id), False


def choose_file(session: Session, actor: Person, document_id: int, case_file_id: int | None) -> CaseFile | None:
    """The drafter chooses, before issuance, the open file they keep that the document goes into (None: none)."""
    document = get_document(session, actor, document_id)
    if document.drafter_id != actor.id:
        raise Forbidden("forbidden", "Người soạn thảo chọn hồ sơ lưu văn bản.")
    if document.state in AFTER_ISSUANCE:
        raise Conflict("already_issued", "Văn bản đã phát hành: đưa vào hồ sơ từ trang hồ sơ.")
    chosen = None
    if case_file_id is not None:
        chosen = session.get(CaseFile, case_file_id)
        if chosen is None or chosen.plan.keeper_id != actor.id or chosen.state != "open":
            raise Invalid("invalid_case_file", "Hãy chọn một hồ sơ đang mở do bạn lập.", field="case_file_id")
    choice = session.scalar(select(FilingChoice).where(FilingChoice.document_id == document.id))
    if choice is None:
        session.add(FilingChoice(document_id=document.id, case_file_id=case_file_id, chosen_by_id=actor.id))
    else:
        choice.case_file_id, choice.chosen_by_id = case_file_id, actor.id
    return chosen


def on_issued(session: Session, document: Document, actor: Person | None) -> None:  # noqa: ARG001
    """Receiver of document_issued: the document goes into the file its drafter chose (or last used) by a job that
    reads its pages first."""
    choice = session.scalar(select(FilingChoice).where(FilingChoice.document_id == document.id))
    target = (
        (session.get(CaseFile, choice.case_file_id) if choice.case_file_id else None)
        if choice is not None
        else last_used(session, document.drafter_id)
    )
    if target is not None and target.state == "open":
        outbox.add(session, outbox.FILE_ISSUED, document_id=document.id, case_file_id=target.id)


def file_issued(rt: Runtime, document_id: int, case_file_id: int) -> bool:
    """The job: put an issued document in the file chosen for it (once); False when it is there or cannot be."""
    with rt.readers() as reader:
        document = reader.get(Document, document_id)
        if document is None:
            return False
        data = read_pdf(rt, document.current_version)
    try:
        pages = inspection.inspect(data).pages
    except PdfError:
        pages = 0
    with rt.sessions() as session, session.begin():
        case_file = session.get(CaseFile, case_file_id, with_for_update=True)
        if case_file is None or case_file.state != "open":
            return False
        if any(item.document_id == document_id for item in case_file.items):
            return False
        drafter = session.get(Document, document_id)
        assert drafter is not None
        case_file.items.append(CaseFileItem(document_id=document_id, pages=pages, added_by_id=drafter.drafter_id))
    return True
