"""JSON API of routing (/api/v1): deliveries and the inbox, the clerk's dispatch board, exchange packages,
incoming documents, webhooks. Each endpoint parses (its models, by @described), calls one service, commits
once, and answers."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, request

from routing import answers, schemas
from routing.deliveries import board, certificate
from routing.deliveries import service as services
from routing.exchange import directory, edxml, inbound, outbound
from routing.incoming import service as incoming
from routing.recipients import addressing
from routing.webhooks import service as webhooks
from workflow import serializers
from workflow.documents.service import get_document
from workflow.errors import Invalid
from workflow.paging import Page
from workflow.web.context import commit, db, inline_pdf, ok, path_id, person, person_id, runtime, uploaded
from workflow.web.openapi import PDF, XML, described
from workflow.web.schemas import PageQuery

bp = Blueprint("routing", __name__, url_prefix="/api/v1")


@bp.get("/documents/<doc_id>/deliveries")
@described(answers={200: answers.Deliveries})
def document_deliveries(doc_id: str) -> tuple[Response, int]:
    """Every recipient of a document with its receipt status."""
    deliveries = services.deliveries_of(db(), person(), path_id(doc_id))
    return ok({"deliveries": [services.delivery_json(d) for d in deliveries]})


@bp.get("/documents/<doc_id>/recipients")
@described(answers={200: answers.RecipientsPreview})
def document_recipients(doc_id: str) -> tuple[Response, int]:
    """Where each recipient of a document goes, what stays unknown (with the closest names), and warnings."""
    return ok(addressing.preview(db(), person(), path_id(doc_id)))


@bp.post("/recipient-names")
@described(body=schemas.RememberIn, answers={200: answers.Remembered})
def remember_recipient_name(body: schemas.RememberIn) -> tuple[Response, int]:
    """The clerk maps an unknown recipient name to a unit, agency or list once, for every later document."""
    target = addressing.remember(db(), person(), body.label, body.kind, body.id)
    commit()
    return ok({"label": body.label, "target": target})


@bp.get("/agency-names")
@described(answers={200: answers.AgencyNames})
def agency_names() -> tuple[Response, int]:
    """The agencies the national exchange lists under another name than our directory's, for the administrator."""
    pending = directory.pending_names(db(), person())
    return ok({"agencies": [answers.AgencyName.of(a).model_dump() for a in pending]})


@bp.post("/agency-names/<agency_id>")
@described(body=schemas.NameDecisionIn, answers={200: answers.AgencyName})
def decide_agency_name(agency_id: str, body: schemas.NameDecisionIn) -> tuple[Response, int]:
    """The administrator takes the exchange's name for an agency (accept) or keeps the directory's."""
    agency = directory.decide_name(db(), person(), path_id(agency_id), body.accept)
    commit()
    return ok(answers.AgencyName.of(agency).model_dump())


@bp.get("/distribution-lists")
@described(answers={200: answers.DistributionLists})
def distribution_lists() -> tuple[Response, int]:
    """The agency's distribution lists ("Các Sở, ban, ngành thuộc tỉnh") with their members."""
    return ok({"lists": [addressing.list_json(x) for x in addressing.lists_of(db(), person())]})


@bp.post("/distribution-lists")
@described(body=schemas.ListIn, answers={201: answers.DistributionListOut})
def create_distribution_list(body: schemas.ListIn) -> tuple[Response, int]:
    """The administrator adds a distribution list."""
    group = addressing.save_list(db(), person(), None, body.name, "\n".join(body.aliases), "\n".join(body.members))
    commit()
    return ok(addressing.list_json(group), 201)


@bp.put("/distribution-lists/<list_id>")
@described(body=schemas.ListIn, answers={200: answers.DistributionListOut})
def update_distribution_list(list_id: str, body: schemas.ListIn) -> tuple[Response, int]:
    """The administrator changes a distribution list."""
    group = addressing.save_list(
        db(), person(), path_id(list_id), body.name, "\n".join(body.aliases), "\n".join(body.members)
    )
    commit()
    return ok(addressing.list_json(group))


@bp.delete("/distribution-lists/<list_id>")
@described(answers={200: answers.Deleted})
def delete_distribution_list(list_id: str) -> tuple[Response, int]:
    """The administrator removes a distribution list."""
    addressing.delete_list(db(), person(), path_id(list_id))
    commit()
    return ok({"deleted": path_id(list_id)})


@bp.get("/documents/<doc_id>/certificate.pdf")
@described(answers={200: PDF})
def document_certificate(doc_id: str) -> Response:
    """The certificate of issuance, signed by the agency, as of now."""
    data, name = certificate.certificate(db(), runtime(), person(), path_id(doc_id))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


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


@bp.get("/inbox")
@described(query=PageQuery, answers={200: answers.Inbox})
def inbox(query: PageQuery) -> tuple[Response, int]:
    """Documents delivered to the person's unit."""
    items = []
    deliveries, after = services.inbox(db(), person(), Page(query.limit, query.before))
    for delivery in deliveries:
        document = delivery.document
        items.append(
            services.delivery_json(delivery)
            | {
                "document": {
                    "id": document.id,
                    "symbol": document.symbol,
                    "summary": document.summary,
                    "urgency": document.urgency,
                    "issued_at": serializers.iso(document.issued_at),
                },
            }
        )
    return ok({"deliveries": items, "next_before": after})


@bp.post("/deliveries/<delivery_id>/status")
@described(body=schemas.StatusIn, answers={200: answers.DeliveryOut})
def update_status(delivery_id: str, body: schemas.StatusIn) -> tuple[Response, int]:
    """A recipient moves its delivery to the next status."""
    actor = person()
    delivery = services.update_status(db(), actor, path_id(delivery_id), body.status, body.reason or None)
    commit()
    return ok(services.delivery_json(delivery))


@bp.post("/deliveries/<delivery_id>/resend")
@described(answers={202: answers.DeliveryOut})
def resend_delivery(delivery_id: str) -> tuple[Response, int]:
    """The clerk sends a failed delivery again."""
    delivery = services.resend(db(), person(), path_id(delivery_id))
    commit()
    return ok(services.delivery_json(delivery), 202)


@bp.post("/deliveries/<delivery_id>/paper")
@described(body=schemas.PaperIn, answers={200: answers.DeliveryOut})
def record_paper(delivery_id: str, body: schemas.PaperIn) -> tuple[Response, int]:
    """The clerk records the paper copy sent to a recipient not reached electronically (post or by hand)."""
    sent_at = body.sent_at or dt.datetime.now(dt.UTC)
    delivery = services.record_paper(db(), person(), path_id(delivery_id), body.way, body.carrier, sent_at)
    commit()
    return ok(services.delivery_json(delivery))


@bp.post("/deliveries/<delivery_id>/target")
@described(body=schemas.TargetIn, answers={202: answers.DeliveryOut})
def send_unresolved(delivery_id: str, body: schemas.TargetIn) -> tuple[Response, int]:
    """After issuance, the clerk names the unit or agency an unknown recipient is; the document goes to it."""
    delivery = services.send_unresolved(db(), person(), path_id(delivery_id), body.kind, body.id)
    commit()
    return ok(services.delivery_json(delivery), 202)


@bp.get("/dispatch-board")
@described(query=schemas.BoardQuery, answers={200: answers.Board})
def dispatch_board(query: schemas.BoardQuery) -> tuple[Response, int]:
    """The clerk's board: every recipient of recent documents, its status, times, overdue and failed."""
    rows, after = board.board(
        db(),
        runtime(),
        person(),
        query.days,
        Page(query.limit, query.before),
        show=query.show,
        text=query.q,
        day=query.day,
    )
    # "attention" counts the recipients of this page that need the clerk.
    return ok({"documents": rows, "attention": sum(r["attention"] for r in rows), "next_before": after})


@bp.post("/documents/<doc_id>/exchange-update")
@described(body=schemas.UpdateIn, answers={202: answers.Resent})
def exchange_update(doc_id: str, body: schemas.UpdateIn) -> tuple[Response, int]:
    """Send an update package (BussinessDocType 2) of an issued document to its recipient agencies."""
    rt, document_id = runtime(), path_id(doc_id)
    # The package is built, signed and stored on a snapshot; the write transaction only records and queues it.
    packaged = outbound.make_update(rt, person_id(), document_id, body.due_date, body.reason)
    actor = person()
    document = get_document(db(), actor, document_id, lock=True)
    count = outbound.resend(db(), rt, actor, document, body.due_date, body.reason, packaged)
    commit()
    return ok({"recipients": count}, 202)


@bp.get("/incoming")
@described(query=schemas.IncomingQuery, answers={200: answers.IncomingPage})
def incoming_list(query: schemas.IncomingQuery) -> tuple[Response, int]:
    """Incoming documents the person may see (?state=, ?year= of registration)."""
    page = Page(query.limit, query.before)
    rows, after = incoming.listing(db(), person(), query.state, query.year, page)
    return ok({"incoming": [incoming.incoming_json(r) for r in rows], "next_before": after})


@bp.post("/incoming/import")
@described(upload=(XML,), answers={201: answers.Imported, 200: answers.Imported})
def incoming_import() -> tuple[Response, int]:
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
    return ok(answer, 201 if not answer.get("duplicate") else 200)


@bp.get("/incoming-register")
@described(query=schemas.RegisterYear, answers={200: answers.IncomingRegister})
def incoming_register(query: schemas.RegisterYear) -> tuple[Response, int]:
    """The incoming register of a year (?year=, default this year), in number order."""
    year = query.year or runtime().now().year
    rows = incoming.register_of_year(db(), person(), year)
    return ok({"year": year, "entries": [incoming.incoming_json(r) for r in rows]})


@bp.get("/incoming/<incoming_id>")
@described(answers={200: answers.IncomingDetail})
def incoming_detail(incoming_id: str) -> tuple[Response, int]:
    """One incoming document with its history."""
    session = db()
    found = incoming.get(session, person(), path_id(incoming_id))
    history = [incoming.event_json(e) for e in incoming.events(session, found)]
    return ok(incoming.incoming_json(found) | {"history": history})


@bp.get("/incoming/<incoming_id>/pdf")
@described(answers={200: PDF})
def incoming_pdf(incoming_id: str) -> Response:
    """The received, signed PDF."""
    found = incoming.get(db(), person(), path_id(incoming_id))
    return inline_pdf(incoming.pdf(runtime(), found), f"van-ban-den-{found.id}.pdf")


@bp.post("/incoming/<incoming_id>/actions/<action>")
@described(body=schemas.IncomingStep, answers={200: answers.IncomingOut}, path_enums={"action": incoming.ACTIONS})
def incoming_action(incoming_id: str, action: str, body: schemas.IncomingStep) -> tuple[Response, int]:
    """register (03), return (02, reason), assign (04: lead_unit_id, supporting_unit_ids, deadline),
    start (05), finish (06), accept_recall (15), refuse_recall (16, reason)."""
    found = incoming.act(db(), runtime(), person(), path_id(incoming_id), action, body)
    commit()
    return ok(incoming.incoming_json(found))


@bp.get("/webhooks")
@described(answers={200: answers.Webhooks})
def webhook_list() -> tuple[Response, int]:
    """Webhook endpoints (admin)."""
    return ok({"webhooks": [webhooks.endpoint_json(e) for e in webhooks.endpoints(db(), person())]})


@bp.post("/webhooks")
@described(body=schemas.WebhookIn, answers={201: answers.WebhookOut})
def webhook_create(body: schemas.WebhookIn) -> tuple[Response, int]:
    """Subscribe a URL to events; the answer holds the signing secret, shown only now."""
    endpoint = webhooks.create_endpoint(db(), person(), body.url, body.events)
    commit()
    return ok(webhooks.endpoint_json(endpoint, with_secret=True), 201)


@bp.get("/webhooks/<endpoint_id>/deliveries")
@described(answers={200: answers.WebhookLog})
def webhook_log(endpoint_id: str) -> tuple[Response, int]:
    """The delivery log of an endpoint."""
    rows = webhooks.log(db(), person(), path_id(endpoint_id))
    return ok({"deliveries": [webhooks.delivery_log_json(r) for r in rows]})


@bp.post("/webhook-deliveries/<delivery_id>/replay")
@described(answers={202: answers.WebhookDeliveryOut})
def webhook_replay(delivery_id: str) -> tuple[Response, int]:
    """Send a logged event again (same webhook-id)."""
    row = webhooks.replay(db(), person(), path_id(delivery_id))
    commit()
    return ok(webhooks.delivery_log_json(row), 202)
