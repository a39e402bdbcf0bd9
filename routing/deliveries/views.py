"""JSON API of deliveries: a document's recipients and receipts, the inbox, the dispatch board."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response

from routing.deliveries import answers, board, certificate, schemas
from routing.deliveries import service as services
from workflow.paging import Page
from workflow.web.context import Answered, commit, db, ok, path_id, person, runtime
from workflow.web.openapi import PDF, described
from workflow.web.schemas import PageQuery

bp = Blueprint("deliveries_api", __name__, url_prefix="/api/v1")


@bp.get("/documents/<doc_id>/deliveries")
@described(answers={200: answers.Deliveries})
def document_deliveries(doc_id: str) -> Answered:
    """Every recipient of a document with its receipt status."""
    deliveries = services.deliveries_of(db(), person(), path_id(doc_id))
    return ok(answers.Deliveries(deliveries=[answers.DeliveryOut.of(d) for d in deliveries]))


@bp.get("/documents/<doc_id>/certificate.pdf")
@described(answers={200: PDF})
def document_certificate(doc_id: str) -> Response:
    """The certificate of issuance, signed by the agency, as of now."""
    data, name = certificate.certificate(db(), runtime(), person(), path_id(doc_id))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/inbox")
@described(query=PageQuery, answers={200: answers.Inbox})
def inbox(query: PageQuery) -> Answered:
    """Documents delivered to the person's unit."""
    deliveries, after = services.inbox(db(), person(), Page(query.limit, query.before))
    return ok(answers.Inbox(deliveries=[answers.InboxItem.of(d) for d in deliveries], next_before=after))


@bp.post("/deliveries/<delivery_id>/status")
@described(body=schemas.StatusIn, answers={200: answers.DeliveryOut})
def update_status(delivery_id: str, body: schemas.StatusIn) -> Answered:
    """A recipient moves its delivery to the next status."""
    actor = person()
    delivery = services.update_status(db(), actor, path_id(delivery_id), body.status, body.reason or None)
    commit()
    return ok(answers.DeliveryOut.of(delivery))


@bp.post("/deliveries/<delivery_id>/resend")
@described(answers={202: answers.DeliveryOut})
def resend_delivery(delivery_id: str) -> Answered:
    """The clerk sends a failed delivery again."""
    delivery = services.resend(db(), person(), path_id(delivery_id))
    commit()
    return ok(answers.DeliveryOut.of(delivery), 202)


@bp.post("/deliveries/<delivery_id>/paper")
@described(body=schemas.PaperIn, answers={200: answers.DeliveryOut})
def record_paper(delivery_id: str, body: schemas.PaperIn) -> Answered:
    """The clerk records the paper copy sent to a recipient not reached electronically (post or by hand)."""
    sent_at = body.sent_at or dt.datetime.now(dt.UTC)
    delivery = services.record_paper(db(), person(), path_id(delivery_id), body.way, body.carrier, sent_at)
    commit()
    return ok(answers.DeliveryOut.of(delivery))


@bp.post("/deliveries/<delivery_id>/target")
@described(body=schemas.TargetIn, answers={202: answers.DeliveryOut})
def send_unresolved(delivery_id: str, body: schemas.TargetIn) -> Answered:
    """After issuance, the clerk names the unit or agency an unknown recipient is; the document goes to it."""
    delivery = services.send_unresolved(db(), person(), path_id(delivery_id), body.kind, body.id)
    commit()
    return ok(answers.DeliveryOut.of(delivery), 202)


@bp.get("/dispatch-board")
@described(query=schemas.BoardQuery, answers={200: answers.Board})
def dispatch_board(query: schemas.BoardQuery) -> Answered:
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
    return ok(answers.Board(documents=rows, attention=sum(r.attention for r in rows), next_before=after))
