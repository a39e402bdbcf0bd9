"""The clerk's dispatch board as a page (its filters, each recipient's state in the same words as the API) and
what the clerk does from it: send again, record the paper copy, name an unknown recipient and send to it. The
routes join routing.pages.bp."""

from __future__ import annotations

import datetime as dt

from flask import flash, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from routing import schemas as routing_schemas
from routing.deliveries import board as dispatch_board
from routing.deliveries import service as services
from routing.deliveries import statuses
from routing.pages import bp, chosen_target
from routing.recipients import addressing
from workflow.web import schemas
from workflow.web.context import commit, db, path_id, runtime
from workflow.web.pages import actor, back, page_arg, signed_in, typed_date


@bp.post("/deliveries/<delivery_id>/paper")
@signed_in
def delivery_paper(delivery_id: str) -> BaseResponse:
    """The clerk records the paper copy sent to a recipient not reached electronically (now, by whom, how)."""
    form = request.form
    delivery = services.record_paper(
        db(), actor(), path_id(delivery_id), form.get("way", ""), form.get("carrier", ""), dt.datetime.now(dt.UTC)
    )
    label = delivery.agency.name if delivery.agency else delivery.label
    symbol = delivery.document.symbol or ""
    commit()
    flash(_("Đã ghi nhận văn bản %(symbol)s gửi bản giấy tới %(label)s.", symbol=symbol, label=label), "ok")
    return back("routing_pages.board")


@bp.post("/deliveries/<delivery_id>/target")
@signed_in
def delivery_target(delivery_id: str) -> BaseResponse:
    """The clerk names who an unknown recipient is, after issuance; the document goes there at once."""
    delivery = services.send_unresolved(db(), actor(), path_id(delivery_id), *chosen_target())
    label, symbol = delivery.label, delivery.document.symbol or ""
    commit()
    flash(_("Đã ghi nhớ “%(label)s” và gửi văn bản %(symbol)s tới đó.", label=label, symbol=symbol), "ok")
    return back("routing_pages.board")


@bp.get("/board")
@signed_in
def board() -> str:
    """The clerk's dispatch board: every recipient of recent documents, coloured when it needs attention."""
    person = actor()
    form = schemas.parse(
        routing_schemas.BoardQuery,
        {
            "show": request.args.get("show") or "all",
            "q": request.args.get("q"),
            "day": typed_date(request.args.get("day")),
        },
    )
    rows, after = dispatch_board.board(
        db(), runtime(), person, page=page_arg(), show=form.show, text=form.q, day=form.day
    )
    unknown = any(r["transport"] == "unresolved" for row in rows for r in row["recipients"])
    choices = (
        [c for c in addressing.Directory(db(), person.unit.agency_id).choices() if c.kind in ("unit", "agency")]
        if unknown and person.has_role("clerk")
        else []
    )
    return render_template(
        "routing/board.html",
        rows=rows,
        labels=statuses.LABELS,
        next_before=after,
        choices=choices,
        show=form.show,
        text=form.q or "",
        day=request.args.get("day", ""),
    )


@bp.post("/deliveries/<delivery_id>/resend")
@signed_in
def delivery_resend(delivery_id: str) -> BaseResponse:
    """Send a failed delivery again from the board."""
    services.resend(db(), actor(), path_id(delivery_id))
    commit()
    flash(_("Đã đưa vào hàng đợi gửi lại."), "ok")
    return back("routing_pages.board")
