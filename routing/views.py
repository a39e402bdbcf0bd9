"""JSON API of routing: deliveries of a document, the unit inbox, receipt status updates."""

from __future__ import annotations

import base64

from flask import Blueprint, Response

from routing import edxml, services
from workflow.errors import Invalid
from workflow.views import body_json, commit, db, ok, path_id, person, runtime

bp = Blueprint("routing", __name__, url_prefix="/api/v1")


@bp.get("/documents/<doc_id>/deliveries")
def document_deliveries(doc_id: str) -> tuple[Response, int]:
    """Every recipient of a document with its receipt status."""
    deliveries = services.deliveries_of(db(), person(), path_id(doc_id))
    return ok({"deliveries": [services.delivery_json(d) for d in deliveries]})


@bp.get("/documents/<doc_id>/edxml")
def document_edxml(doc_id: str) -> Response:
    """The issued document as an edXML package (QCVN 102:2016) for its recipient agencies."""
    rt = runtime()
    package = services.edxml_package(db(), rt, person(), path_id(doc_id))
    data = edxml.build(package)
    response = Response(data, mimetype="application/xml")
    # The sending agency's detached CMS signature over the package bytes, verified by the receiver.
    response.headers["Edxml-Signature"] = base64.b64encode(services.sign_package(rt, package, data)).decode()
    name = f"{package.document_id.replace('/', '-').replace(',', '_')}.edxml"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/inbox")
def inbox() -> tuple[Response, int]:
    """Documents delivered to the person's unit."""
    items = []
    for delivery in services.inbox(db(), person()):
        document = delivery.document
        items.append(
            services.delivery_json(delivery)
            | {
                "document": {
                    "id": document.id,
                    "symbol": document.symbol,
                    "summary": document.summary,
                    "urgency": document.urgency,
                    "issued_at": document.issued_at.isoformat() if document.issued_at else None,
                },
            }
        )
    return ok({"deliveries": items})


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
