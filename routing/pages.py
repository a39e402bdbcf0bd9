"""Web pages of routing: the unit inbox with its status buttons and the clerk's dispatch board."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from routing import incoming, services
from routing.models import Delivery
from workflow.errors import DomainError
from workflow.models import Document
from workflow.pages import actor, back, me, refused, signed_in
from workflow.views import commit, db, path_id, runtime

bp = Blueprint("routing_pages", __name__, template_folder="templates")
bp.register_error_handler(DomainError, refused)

# The buttons a receiving unit has, in the order it uses them.
STATUS_BUTTONS = [("03", "Đã tiếp nhận"), ("05", "Đang xử lý"), ("06", "Hoàn thành")]


@bp.app_context_processor
def _inbox_counter() -> dict[str, Any]:
    person = me() if request.blueprint in ("pages", "routing_pages") else None
    if person is None:
        return {}
    count = db().scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Document)
        .where(
            Delivery.unit_id == person.unit_id,
            Delivery.transport == "delivered",
            Delivery.status_code.not_in(services.FINAL),
            Document.state != "recalled",
        )
    )
    return {"inbox_waiting": int(count or 0)}


@bp.get("/inbox")
@signed_in
def inbox() -> str:
    """Documents delivered to my unit, with buttons for their next status."""
    return render_template(
        "routing/inbox.html",
        deliveries=services.inbox(db(), actor()),
        buttons=STATUS_BUTTONS,
        labels=services.STATUS_LABELS,
        final=services.FINAL,
    )


@bp.post("/deliveries/<delivery_id>/status")
@signed_in
def delivery_status(delivery_id: str) -> BaseResponse:
    """Move a delivery of my unit to the chosen status (02 needs a reason)."""
    code = request.form.get("status", "")
    reason = request.form.get("reason", "").strip() or None
    services.update_status(db(), actor(), path_id(delivery_id), code, reason)
    commit()
    flash(f"Đã cập nhật: {services.STATUS_LABELS.get(code, code)}.", "ok")
    return back("routing_pages.inbox")


@bp.get("/board")
@signed_in
def board() -> str:
    """The clerk's dispatch board: every recipient of recent documents, coloured when it needs attention."""
    rows = services.board(db(), runtime(), actor())
    return render_template("routing/board.html", rows=rows, labels=services.STATUS_LABELS)


@bp.post("/deliveries/<delivery_id>/resend")
@signed_in
def delivery_resend(delivery_id: str) -> BaseResponse:
    """Send a failed delivery again from the board."""
    services.resend(db(), actor(), path_id(delivery_id))
    commit()
    flash("Đã đưa vào hàng đợi gửi lại.", "ok")
    return back("routing_pages.board")


@bp.get("/incoming")
@signed_in
def incoming_list() -> str:
    """Documents received from other agencies."""
    rows = incoming.listing(db(), actor())
    return render_template("routing/incoming.html", rows=rows, labels=incoming.STATE_LABELS)
