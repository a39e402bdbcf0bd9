"""The hub speaking the national exchange's protocol (VXP), served in HUB_MODE to the systems registered with
it: the SDK's base URL is this blueprint's prefix (http://hub/vxp). Its answers are the SDK's, not our API's."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from routing.exchange import edxml, vxp
from routing.hub import service as hub
from routing.models import HubSystem
from workflow.errors import DomainError
from workflow.web.context import commit, db, runtime

vxp_bp = Blueprint("vxp", __name__, url_prefix="/vxp")


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


def _vxp_caller(session: Session, operation: str) -> tuple[HubSystem, vxp.Signed]:
    """The registered system behind a request signed for `operation` (checked before its body is read)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    hours = runtime().settings.vxp_timestamp_window_hours
    window = dt.timedelta(hours=hours) if hours else None
    now = dt.datetime.now(dt.UTC)
    signed = vxp.verify(headers, operation, lambda system_id: hub.system_secret(session, system_id), now, window)
    return hub.system_of(session, signed), signed


@vxp_bp.post("/sendEdoc")
def vxp_send() -> Response:
    """sendEdoc: a package or status package from a registered system, kept for each recipient."""
    rt = runtime()
    request.max_content_length = edxml.MAX_PACKAGE_BYTES + 2
    with rt.readers() as reader:
        # Read, parsed and checked on a snapshot: the write transaction only keeps it.
        system, signed = _vxp_caller(reader, "sendEdoc")
        sending = hub.vxp_check(reader, rt, system, signed, request.get_data())
    doc_id = hub.vxp_keep(db(), sending)
    commit()
    return _vxp_answer(vxp.ok(DocId=doc_id))


@vxp_bp.post("/getReceivedEdocList")
def vxp_received() -> Response:
    """getReceivedEdocList: the items waiting for the caller's agency (messagetype edoc or status)."""
    session = db()
    system, signed = _vxp_caller(session, "getReceivedEdocList")
    return _vxp_answer(vxp.ok(data=hub.vxp_received(session, system, signed.get("messagetype") or "edoc")))


@vxp_bp.post("/getEdoc")
def vxp_get() -> Response:
    """getEdoc: one waiting item, the package's bytes in base64."""
    session = db()
    system, signed = _vxp_caller(session, "getEdoc")
    data = hub.vxp_get(session, runtime(), system, signed.get("docid"))
    return _vxp_answer(vxp.ok(data=base64.b64encode(data).decode("ascii")))


@vxp_bp.post("/updateStatus")
def vxp_update() -> Response:
    """updateStatus: the caller took an item (done), could not (fail), or is at it (processing)."""
    session = db()
    system, signed = _vxp_caller(session, "updateStatus")
    hub.vxp_update(session, system, signed.get("docid"), signed.get("status"))
    commit()
    return _vxp_answer(vxp.ok())


@vxp_bp.post("/countReceiveEdoc")
def vxp_count_edoc() -> Response:
    """countReceiveEdoc: how many packages wait for the caller."""
    session = db()
    system, _ = _vxp_caller(session, "countReceiveEdoc")
    return _vxp_answer(vxp.ok(count=hub.vxp_count(session, system, "edoc")))


@vxp_bp.post("/countReceiveStatus")
def vxp_count_status() -> Response:
    """countReceiveStatus: how many status packages wait for the caller."""
    session = db()
    system, _ = _vxp_caller(session, "countReceiveStatus")
    return _vxp_answer(vxp.ok(count=hub.vxp_count(session, system, "status")))


@vxp_bp.post("/getAgenciesList")
def vxp_agencies() -> Response:
    """getAgenciesList: the agencies the hub knows."""
    session = db()
    _vxp_caller(session, "getAgenciesList")
    return _vxp_answer(vxp.ok(data=hub.vxp_agencies(session)))


@vxp_bp.post("/registerAgency")
def vxp_register_agency() -> Response:
    """registerAgency: the caller adds its agency, or one under it, to the hub's directory (a JSON body whose
    hash it signed)."""
    session = db()
    request.max_content_length = 64 * 1024  # one agency's entry
    system, signed = _vxp_caller(session, "registerAgency")
    hub.vxp_register_agency(session, system, signed, request.get_data())
    commit()
    return _vxp_answer(vxp.ok())


@vxp_bp.post("/deleteAgency")
def vxp_delete_agency() -> Response:
    """deleteAgency: the caller takes an agency it registered out of the directory (AgencyCode)."""
    session = db()
    system, signed = _vxp_caller(session, "deleteAgency")
    hub.vxp_delete_agency(session, system, signed.get("agencycode"))
    commit()
    return _vxp_answer(vxp.ok())
