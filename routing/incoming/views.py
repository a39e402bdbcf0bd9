"""JSON API of incoming documents: the list, import, the register, a document, its steps."""

from __future__ import annotations

from flask import Blueprint, Response, request

from routing.exchange import edxml, inbound
from routing.incoming import answers, chasing, registers, registration, schemas
from routing.incoming import service as incoming
from workflow.errors import Invalid, NotFound
from workflow.paging import Page
from workflow.web.context import Answered, commit, db, inline_pdf, ok, path_id, person, person_id, runtime, uploaded
from workflow.web.openapi import PDF, PNG, XML, described

bp = Blueprint("incoming_api", __name__, url_prefix="/api/v1")


@bp.get("/incoming")
@described(query=schemas.IncomingQuery, answers={200: answers.IncomingPage})
def incoming_list(query: schemas.IncomingQuery) -> Answered:
    """Incoming documents the person may see (?q= words, accents aside; ?state=, ?year= of registration)."""
    page = Page(query.limit, query.before)
    rows, after = incoming.listing(db(), person(), query.state, query.year, page, query.q)
    return ok(answers.IncomingPage(incoming=[answers.IncomingOut.of(r) for r in rows], next_before=after))


@bp.post("/incoming")
@described(
    body=schemas.Registration,
    upload=(PDF, "image/jpeg", PNG, "image/tiff"),
    answers={201: answers.IncomingOut},
    file_missing="Hãy đính kèm bản quét hoặc tệp PDF của văn bản (trường 'file').",
)
def incoming_register_one(body: schemas.Registration) -> Answered:
    """A clerk registers a document that came on paper, by e-mail or by hand (multipart: "file", the PDF, or the scan
    as a PDF or an image — JPEG, PNG, TIFF, kept as a PDF —
    and what is printed on it); it takes the next number of this year's incoming register. 409
    incoming_duplicate, with existing_id, when the same sender's document of that number and date is there."""
    rt = runtime()
    data = request.files["file"].read() if "file" in request.files else b""
    staged = registration.stage(rt, person_id(), body, data)
    found = registration.register(db(), rt, person(), body, staged)
    commit()
    return ok(answers.IncomingOut.of(found), 201)


@bp.post("/incoming/import")
@described(upload=(XML,), answers={201: answers.Imported, 200: answers.Imported})
def incoming_import() -> Answered:
    """A clerk imports an edXML package received by other means (raw body or multipart "file"); 200 when it
    was taken before."""
    request.max_content_length = edxml.MAX_PACKAGE_BYTES + 1024 * 1024
    actor_id = person_id()
    data = uploaded("Thiếu tệp edXML (trường 'file').")
    if not data:
        raise Invalid("missing_file", "Thiếu tệp edXML (trường 'file').", field="file")
    rt = runtime()
    with rt.readers() as reader:
        # Parsed and its PDF validated on a snapshot: the write transaction only takes it.
        checked = inbound.check_imported(reader, rt, actor_id, data)
    answer = inbound.receive(db(), rt, checked)
    commit()
    return ok(answers.Imported(**answer), 201 if not answer.get("duplicate") else 200)


@bp.get("/incoming-register")
@described(query=schemas.RegisterYear, answers={200: answers.IncomingRegister})
def incoming_register(query: schemas.RegisterYear) -> Answered:
    """The incoming register of a year (?year=, default this year), in number order."""
    year = query.year or runtime().now().year
    rows = registers.register_of_year(db(), person(), year)
    return ok(answers.IncomingRegister(year=year, entries=[answers.IncomingOut.of(r) for r in rows]))


@bp.get("/incoming-register.pdf")
@described(query=schemas.RegisterYear, answers={200: PDF})
def incoming_register_pdf(query: schemas.RegisterYear) -> Response:
    """The incoming register of a year (?year=, default this year) as a printable PDF with Decree 30's columns."""
    year = query.year or runtime().now().year
    data, name = registers.register_pdf(db(), runtime(), person(), year)
    return inline_pdf(data, name)


@bp.get("/incoming/<incoming_id>")
@described(answers={200: answers.IncomingDetail})
def incoming_detail(incoming_id: str) -> Answered:
    """One incoming document with its history."""
    session, actor = db(), person()
    found = incoming.get(session, actor, path_id(incoming_id))
    if incoming.opened(runtime(), actor, found):
        commit()  # their part is no longer unseen
    extensions = chasing.extensions(session, found)
    return ok(answers.IncomingDetail.with_history(found, incoming.events(session, found), extensions))


@bp.get("/incoming/<incoming_id>/pdf")
@described(answers={200: PDF})
def incoming_pdf(incoming_id: str) -> Response:
    """The received, signed PDF."""
    found = incoming.get(db(), person(), path_id(incoming_id))
    return inline_pdf(incoming.pdf(runtime(), found), f"van-ban-den-{found.id}.pdf")


@bp.get("/incoming/<incoming_id>/ocr.pdf")
@described(answers={200: PDF})
def incoming_text_layer(incoming_id: str) -> Response:
    """A registered scan with the words read off it laid over it as an invisible text layer (404 no_text_layer
    when it has none)."""
    found = incoming.get(db(), person(), path_id(incoming_id))
    return inline_pdf(incoming.text_layer_pdf(runtime(), found), f"van-ban-den-{found.id}-ocr.pdf")


@bp.post("/incoming/<incoming_id>/actions/<action>")
@described(body=schemas.IncomingStep, answers={200: answers.IncomingOut}, path_enums={"action": incoming.ACTIONS})
def incoming_action(incoming_id: str, action: str, body: schemas.IncomingStep) -> Answered:
    """register (03), return (02, reason), assign (04: lead_unit_id, supporting_unit_ids, deadline),
    start (05), finish (06), accept_recall (15), refuse_recall (16, reason)."""
    found = incoming.act(db(), runtime(), person(), path_id(incoming_id), action, body)
    commit()
    return ok(answers.IncomingOut.of(found))


@bp.post("/incoming/<incoming_id>/actions/forward")
@described(body=schemas.Forward, answers={200: answers.IncomingOut})
def incoming_forward(incoming_id: str, body: schemas.Forward) -> Answered:
    """The head of an assigned unit passes its part to one of its people (person_id, deadline within the unit's,
    note)."""
    found = incoming.forward(db(), runtime(), person(), path_id(incoming_id), body)
    commit()
    return ok(answers.IncomingOut.of(found))


@bp.post("/incoming/<incoming_id>/actions/progress")
@described(body=schemas.Progress, upload=(), answers={200: answers.IncomingOut})
def incoming_progress(incoming_id: str, body: schemas.Progress) -> Answered:
    """The person's own part: working or done, with a note and (multipart, "file", several) files; the lead's
    done finishes the document (06)."""
    files = incoming.keep_files(runtime(), request.files.getlist("file") if request.files else [])
    found = incoming.report(db(), runtime(), person(), path_id(incoming_id), body, files)
    commit()
    return ok(answers.IncomingOut.of(found))


@bp.post("/incoming/<incoming_id>/actions/extend")
@described(body=schemas.ExtensionAsk, answers={201: answers.ExtensionOut})
def incoming_extend(incoming_id: str, body: schemas.ExtensionAsk) -> Answered:
    """An assignee asks for more time (wanted, reason); who assigned the part answers."""
    ask = incoming.ask_more_time(db(), person(), path_id(incoming_id), body)
    commit()
    return ok(answers.ExtensionOut.of(ask), 201)


@bp.post("/incoming/<incoming_id>/extensions/<extension_id>/actions/<decision>")
@described(
    body=schemas.ExtensionAnswer, answers={200: answers.ExtensionOut}, path_enums={"decision": ("grant", "refuse")}
)
def incoming_extension_answer(
    incoming_id: str, extension_id: str, decision: str, body: schemas.ExtensionAnswer
) -> Answered:
    """Grant or refuse (answer: why) a request for more time."""
    if decision not in ("grant", "refuse"):
        raise NotFound("unknown_action", "Thao tác không tồn tại.")
    ask = incoming.answer_more_time(
        db(), runtime(), person(), path_id(incoming_id), path_id(extension_id), decision == "grant", body
    )
    commit()
    return ok(answers.ExtensionOut.of(ask))


@bp.post("/incoming/<incoming_id>/actions/remind")
@described(body=schemas.Reminder, answers={200: answers.IncomingOut})
def incoming_remind(incoming_id: str, body: schemas.Reminder) -> Answered:
    """A leader or the clerk reminds one assignee (assignee_id, note); counted against the part."""
    found = incoming.remind(db(), person(), path_id(incoming_id), body)
    commit()
    return ok(answers.IncomingOut.of(found))


@bp.get("/my-work")
@described(query=schemas.WorkQuery, answers={200: answers.MyWork})
def my_work(query: schemas.WorkQuery) -> Answered:
    """ "Việc của tôi": incoming documents given to me (and to my unit, for its head), nearest deadline first;
    ?done=true for the finished ones."""
    rows = incoming.my_work(db(), person(), query.done)
    items = [
        answers.WorkItem(part=answers.AssigneeOut.of(r), incoming=answers.IncomingOut.of(r.incoming)) for r in rows
    ]
    return ok(answers.MyWork(items=items))


@bp.post("/incoming/actions/assign")
@described(body=schemas.BulkAssign, answers={200: answers.Bulk})
def incoming_bulk_assign(body: schemas.BulkAssign) -> Answered:
    """One instruction for several registered documents; each is assigned or refused on its own."""
    step = schemas.IncomingStep.model_validate({"instruction": body.instruction, "assignees": body.assignees})
    done, refused = incoming.bulk(db(), runtime(), person(), body.ids, "assign", step)
    commit()
    return ok(answers.Bulk(done=done, refused=refused))


@bp.post("/incoming/actions/finish")
@described(body=schemas.BulkFinish, answers={200: answers.Bulk})
def incoming_bulk_finish(body: schemas.BulkFinish) -> Answered:
    """Finish several documents the person leads; each is finished (06) or refused on its own."""
    done, refused = incoming.bulk(db(), runtime(), person(), body.ids, "finish", incoming.NO_INPUT)
    commit()
    return ok(answers.Bulk(done=done, refused=refused))
