"""JSON API of incoming documents: the list, import, the register, a document, its steps."""

from __future__ import annotations

from flask import Blueprint, Response, request

from routing.exchange import edxml, inbound
from routing.incoming import answers, schemas
from routing.incoming import service as incoming
from workflow.errors import Invalid
from workflow.paging import Page
from workflow.web.context import Answered, commit, db, inline_pdf, ok, path_id, person, person_id, runtime, uploaded
from workflow.web.openapi import PDF, XML, described

bp = Blueprint("incoming_api", __name__, url_prefix="/api/v1")


@bp.get("/incoming")
@described(query=schemas.IncomingQuery, answers={200: answers.IncomingPage})
def incoming_list(query: schemas.IncomingQuery) -> Answered:
    """Incoming documents the person may see (?state=, ?year= of registration)."""
    page = Page(query.limit, query.before)
    rows, after = incoming.listing(db(), person(), query.state, query.year, page)
    return ok(answers.IncomingPage(incoming=[answers.IncomingOut.of(r) for r in rows], next_before=after))


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
    rows = incoming.register_of_year(db(), person(), year)
    return ok(answers.IncomingRegister(year=year, entries=[answers.IncomingOut.of(r) for r in rows]))


@bp.get("/incoming/<incoming_id>")
@described(answers={200: answers.IncomingDetail})
def incoming_detail(incoming_id: str) -> Answered:
    """One incoming document with its history."""
    session = db()
    found = incoming.get(session, person(), path_id(incoming_id))
    return ok(answers.IncomingDetail.with_history(found, incoming.events(session, found)))


@bp.get("/incoming/<incoming_id>/pdf")
@described(answers={200: PDF})
def incoming_pdf(incoming_id: str) -> Response:
    """The received, signed PDF."""
    found = incoming.get(db(), person(), path_id(incoming_id))
    return inline_pdf(incoming.pdf(runtime(), found), f"van-ban-den-{found.id}.pdf")


@bp.post("/incoming/<incoming_id>/actions/<action>")
@described(body=schemas.IncomingStep, answers={200: answers.IncomingOut}, path_enums={"action": incoming.ACTIONS})
def incoming_action(incoming_id: str, action: str, body: schemas.IncomingStep) -> Answered:
    """register (03), return (02, reason), assign (04: lead_unit_id, supporting_unit_ids, deadline),
    start (05), finish (06), accept_recall (15), refuse_recall (16, reason)."""
    found = incoming.act(db(), runtime(), person(), path_id(incoming_id), action, body)
    commit()
    return ok(answers.IncomingOut.of(found))
