"""HTTP of routing: the JSON API (deliveries, inbox, incoming documents, board, webhooks) and, in hub mode,
the national exchange's protocol (VXP) for the systems registered at the hub."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from routing import certificate, edxml, hub, inbound, incoming, outbound, services, vxp, webhooks
from routing.models import HubSystem
from workflow import serializers
from workflow.documents import get_document
from workflow.drafting import optional_date
from workflow.errors import DomainError, Invalid
from workflow.web import body_json, commit, db, inline_pdf, ok, page_arg, path_id, person, person_id, runtime

bp = Blueprint("routing", __name__, url_prefix="/api/v1")
# The national exchange's protocol, served in HUB_MODE: the SDK's base URL is this prefix (http://hub/vxp).
vxp_bp = Blueprint("vxp", __name__, url_prefix="/vxp")


@bp.get("/documents/<doc_id>/deliveries")
def document_deliveries(doc_id: str) -> tuple[Response, int]:
    """Every recipient of a document with its receipt status."""
    deliveries = services.deliveries_of(db(), person(), path_id(doc_id))
    return ok({"deliveries": [services.delivery_json(d) for d in deliveries]})


@bp.get("/documents/<doc_id>/certificate.pdf")
def document_certificate(doc_id: str) -> Response:
    """The certificate of issuance, signed by the agency, as of now."""
    data, name = certificate.certificate(db(), runtime(), person(), path_id(doc_id))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/documents/<doc_id>/edxml")
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
def inbox() -> tuple[Response, int]:
    """Documents delivered to the person's unit."""
    items = []
    deliveries, after = services.inbox(db(), person(), page_arg())
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
def update_status(delivery_id: str) -> tuple[Response, int]:
    """A recipient moves its delivery to the next status."""
    actor = person()
    data = body_json()
    code = data.get("status")
    if not isinstance(code, str):
        raise Invalid("missing_field", "Thiếu mã trạng thái (status).", field="status")
    reason = data.get("reason")
    delivery = services.update_status(db(), actor, path_id(delivery_id), code, str(reason) if reason else None)
    commit()
    return ok(services.delivery_json(delivery))


@bp.post("/deliveries/<delivery_id>/resend")
def resend_delivery(delivery_id: str) -> tuple[Response, int]:
    """The clerk sends a failed delivery again."""
    delivery = services.resend(db(), person(), path_id(delivery_id))
    commit()
    return ok(services.delivery_json(delivery), 202)


@bp.get("/dispatch-board")
def dispatch_board() -> tuple[Response, int]:
    """The clerk's board: every recipient of recent documents, its status, times, overdue and failed."""
    days = request.args.get("days", "30")
    if not days.isdigit() or not 0 < int(days) <= 366:
        raise Invalid("invalid_days", "Số ngày (days) phải từ 1 đến 366.", field="days")
    rows, after = services.board(db(), runtime(), person(), int(days), page_arg())
    # "attention" counts the recipients of this page that need the clerk.
    return ok({"documents": rows, "attention": sum(r["attention"] for r in rows), "next_before": after})


@bp.post("/documents/<doc_id>/exchange-update")
def exchange_update(doc_id: str) -> tuple[Response, int]:
    """Send an update package (BussinessDocType 2) of an issued document to its recipient agencies."""
    data = body_json()
    due, reason = optional_date(data.get("due_date"), "due_date"), str(data.get("reason") or "")
    rt, document_id = runtime(), path_id(doc_id)
    # The package is built, signed and stored on a snapshot; the write transaction only records and queues it.
    packaged = outbound.make_update(rt, person_id(), document_id, due, reason)
    actor = person()
    document = get_document(db(), actor, document_id, lock=True)
    count = outbound.resend(db(), rt, actor, document, due, reason, packaged)
    commit()
    return ok({"recipients": count}, 202)


# --- incoming documents ----------------------------------------------------------------------


def _year(default_now: bool) -> int | None:
    raw = request.args.get("year")
    if raw is None:
        return runtime().now().year if default_now else None
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Invalid("invalid_year", "Năm không hợp lệ.", field="year")
    return int(raw)


@bp.get("/incoming")
def incoming_list() -> tuple[Response, int]:
    """Incoming documents the person may see (?state=, ?year= of registration)."""
    state = request.args.get("state") or None
    if state is not None and state not in incoming.STATE_LABELS:
        raise Invalid("invalid_state", "Trạng thái không hợp lệ.", field="state")
    rows, after = incoming.listing(db(), person(), state, _year(default_now=False), page_arg())
    return ok({"incoming": [incoming.incoming_json(r) for r in rows], "next_before": after})


@bp.post("/incoming/import")
def incoming_import() -> tuple[Response, int]:
    """A clerk imports an edXML package received by other means (raw body or multipart 'file')."""
    request.max_content_length = edxml.MAX_PACKAGE_BYTES + 1024 * 1024
    actor_id = person_id()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
    else:
        data = request.get_data()
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
def incoming_register() -> tuple[Response, int]:
    """The incoming register of a year (?year=, default this year), in number order."""
    year = _year(default_now=True)
    assert year is not None
    rows = incoming.register_of_year(db(), person(), year)
    return ok({"year": year, "entries": [incoming.incoming_json(r) for r in rows]})


@bp.get("/incoming/<incoming_id>")
def incoming_detail(incoming_id: str) -> tuple[Response, int]:
    """One incoming document with its history."""
    session = db()
    found = incoming.get(session, person(), path_id(incoming_id))
    history = [incoming.event_json(e) for e in incoming.events(session, found)]
    return ok(incoming.incoming_json(found) | {"history": history})


@bp.get("/incoming/<incoming_id>/pdf")
def incoming_pdf(incoming_id: str) -> Response:
    """The received, signed PDF."""
    found = incoming.get(db(), person(), path_id(incoming_id))
    return inline_pdf(incoming.pdf(runtime(), found), f"van-ban-den-{found.id}.pdf")


@bp.post("/incoming/<incoming_id>/actions/<action>")
def incoming_action(incoming_id: str, action: str) -> tuple[Response, int]:
    """register (03), return (02, reason), assign (04: lead_unit_id, supporting_unit_ids, deadline),
    start (05), finish (06), accept_recall (15), refuse_recall (16, reason)."""
    found = incoming.act(db(), runtime(), person(), path_id(incoming_id), action, body_json())
    commit()
    return ok(incoming.incoming_json(found))


# --- webhooks ------------------------------------------------------------------------------------


@bp.get("/webhooks")
def webhook_list() -> tuple[Response, int]:
    """Webhook endpoints (admin)."""
    return ok({"webhooks": [webhooks.endpoint_json(e) for e in webhooks.endpoints(db(), person())]})


@bp.post("/webhooks")
def webhook_create() -> tuple[Response, int]:
    """Subscribe a URL to events; the answer holds the signing secret, shown only now."""
    data = body_json()
    endpoint = webhooks.create_endpoint(db(), person(), data.get("url"), data.get("events"))
    commit()
    return ok(webhooks.endpoint_json(endpoint, with_secret=True), 201)


@bp.get("/webhooks/<endpoint_id>/deliveries")
def webhook_log(endpoint_id: str) -> tuple[Response, int]:
    """The delivery log of an endpoint."""
    rows = webhooks.log(db(), person(), path_id(endpoint_id))
    return ok({"deliveries": [webhooks.delivery_log_json(r) for r in rows]})


@bp.post("/webhook-deliveries/<delivery_id>/replay")
def webhook_replay(delivery_id: str) -> tuple[Response, int]:
    """Send a logged event again (same webhook-id)."""
    row = webhooks.replay(db(), person(), path_id(delivery_id))
    commit()
    return ok(webhooks.delivery_log_json(row), 202)


# --- the hub speaking the national SDK's protocol (VXP) -------------------------------------------


def _vxp_answer(body: dict[str, Any], status: int = 200) -> Response:
    # ASCII JSON: the SDK reads sendEdoc's answer as US-ASCII; never null in the fields it requires.
    return Response(json.dumps(body, ensure_ascii=True), status=status, mimetype="application/json")


@vxp_bp.errorhandler(vxp.VxpError)
def _vxp_refused(exc: vxp.VxpError) -> Response:
    return _vxp_answer(vxp.failure(exc.code, exc.message), exc.http_status)


@vxp_bp.errorhandler(DomainError)
def _vxp_domain_refused(exc: DomainError) -> Response:
    return _vxp_answer(vxp.failure(exc.code, exc.message), exc.status)


@vxp_bp.errorhandler(RequestEntityTooLarge)
def _vxp_too_large(_: RequestEntityTooLarge) -> Response:
    # Refused from its length, before its body is read (or as soon as a body without one passes the cap).
    limit = edxml.MAX_PACKAGE_BYTES // 2**20
    return _vxp_answer(vxp.failure("edxml_too_large", f"Gói tin edXML quá lớn (tối đa {limit} MB)."), 413)


def _vxp_caller(session: Session) -> tuple[HubSystem, vxp.Signed]:
    """The registered system behind a signed request (checked before its body is read)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    signed = vxp.verify(headers, lambda system_id: hub.system_secret(session, system_id))
    return hub.system_of(session, signed), signed


@vxp_bp.post("/sendEdoc")
def vxp_send() -> Response:
    """sendEdoc: a package or status package from a registered system, kept for each recipient."""
    rt = runtime()
    request.max_content_length = edxml.MAX_PACKAGE_BYTES + 2
    with rt.readers() as reader:
        # Read, parsed and checked on a snapshot: the write transaction only keeps it.
        system, signed = _vxp_caller(reader)
        sending = hub.vxp_check(reader, rt, system, signed, request.get_data())
    doc_id = hub.vxp_keep(db(), sending)
    commit()
    return _vxp_answer(vxp.ok(DocId=doc_id))


@vxp_bp.post("/getReceivedEdocList")
def vxp_received() -> Response:
    """getReceivedEdocList: the items waiting for the caller's agency (messagetype edoc or status)."""
    session = db()
    system, signed = _vxp_caller(session)
    return _vxp_answer(vxp.ok(data=hub.vxp_received(session, system, signed.get("messagetype") or "edoc")))


@vxp_bp.post("/getEdoc")
def vxp_get() -> Response:
    """getEdoc: one waiting item, the package's bytes in base64."""
    session = db()
    system, signed = _vxp_caller(session)
    data = hub.vxp_get(session, runtime(), system, signed.get("docid"))
    return _vxp_answer(vxp.ok(data=base64.b64encode(data).decode("ascii")))


@vxp_bp.post("/updateStatus")
def vxp_update() -> Response:
    """updateStatus: the caller took an item (done), could not (fail), or is at it (processing)."""
    session = db()
    system, signed = _vxp_caller(session)
    hub.vxp_update(session, system, signed.get("docid"), signed.get("status"))
    commit()
    return _vxp_answer(vxp.ok())


@vxp_bp.post("/countReceiveEdoc")
def vxp_count_edoc() -> Response:
    """countReceiveEdoc: how many packages wait for the caller."""
    session = db()
    system, _ = _vxp_caller(session)
    return _vxp_answer(vxp.ok(count=hub.vxp_count(session, system, "edoc")))


@vxp_bp.post("/countReceiveStatus")
def vxp_count_status() -> Response:
    """countReceiveStatus: how many status packages wait for the caller."""
    session = db()
    system, _ = _vxp_caller(session)
    return _vxp_answer(vxp.ok(count=hub.vxp_count(session, system, "status")))


@vxp_bp.post("/getAgenciesList")
def vxp_agencies() -> Response:
    """getAgenciesList: the agencies the hub knows."""
    session = db()
    _vxp_caller(session)
    return _vxp_answer(vxp.ok(data=hub.vxp_agencies(session)))


@vxp_bp.post("/registerAgency")
def vxp_register_agency() -> Response:
    """registerAgency: the caller adds its agency, or one under it, to the hub's directory (JSON body)."""
    session = db()
    system, _ = _vxp_caller(session)
    hub.vxp_register_agency(session, system, request.get_json(silent=True))
    commit()
    return _vxp_answer(vxp.ok())


@vxp_bp.post("/deleteAgency")
def vxp_delete_agency() -> Response:
    """deleteAgency: the caller takes an agency it registered out of the directory (AgencyCode)."""
    session = db()
    system, signed = _vxp_caller(session)
    hub.vxp_delete_agency(session, system, signed.get("agencycode"))
    commit()
    return _vxp_answer(vxp.ok())
