"""JSON API of the exchange: a document's edXML package, updates sent after issuance, renamed agencies."""

from __future__ import annotations

from flask import Blueprint, Response

from routing.deliveries import service as services
from routing.exchange import answers, directory, outbound, schemas
from workflow.documents.service import get_document
from workflow.web.context import Answered, commit, db, ok, path_id, person, person_id, runtime
from workflow.web.openapi import XML, described

bp = Blueprint("exchange_api", __name__, url_prefix="/api/v1")


@bp.get("/agency-names")
@described(answers={200: answers.AgencyNames})
def agency_names() -> Answered:
    """The agencies the national exchange lists under another name than our directory's, for the administrator."""
    pending = directory.pending_names(db(), person())
    return ok(answers.AgencyNames(agencies=[answers.AgencyName.of(a) for a in pending]))


@bp.post("/agency-names/<agency_id>")
@described(body=schemas.NameDecisionIn, answers={200: answers.AgencyName})
def decide_agency_name(agency_id: str, body: schemas.NameDecisionIn) -> Answered:
    """The administrator takes the exchange's name for an agency (accept) or keeps the directory's."""
    agency = directory.decide_name(db(), person(), path_id(agency_id), body.accept)
    commit()
    return ok(answers.AgencyName.of(agency))


@bp.get("/documents/<doc_id>/edxml")
@described(answers={200: XML})
def document_edxml(doc_id: str) -> Response:
    """The issued document as an edXML package (QCVN 102:2016) for its recipient agencies."""
    rt = runtime()
    package = services.edxml_package(db(), rt, person(), path_id(doc_id))
    # Signed in its header as every package we send (XML-DSig by the agency), for import elsewhere.
    response = Response(outbound.signed_bytes(rt, package), mimetype="application/xml")
    name = f"{package.document_id.replace('/', '-').replace(',', '_')}.edxml"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/documents/<doc_id>/exchange-update")
@described(body=schemas.UpdateIn, answers={202: answers.Resent})
def exchange_update(doc_id: str, body: schemas.UpdateIn) -> Answered:
    """Send an update package (BussinessDocType 2) of an issued document to its recipient agencies."""
    rt, document_id = runtime(), path_id(doc_id)
    # The package is built, signed and stored on a snapshot; the write transaction only records and queues it.
    packaged = outbound.make_update(rt, person_id(), document_id, body.due_date, body.reason)
    actor = person()
    document = get_document(db(), actor, document_id, lock=True)
    count = outbound.resend(db(), actor, document, body.due_date, body.reason, packaged)
    commit()
    return ok(answers.Resent(recipients=count), 202)
