"""The pages of deliveries: a unit's inbox and its receipt steps, a document's recipients panel, the clerk's
dispatch board (its filters, each recipient's state in the same words as the API) and what the clerk does from it:
send again, record the paper copy, name an unknown recipient and send to it; the delivery certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from routing.deliveries import board as dispatch_board
from routing.deliveries import certificate, schemas, statuses
from routing.deliveries import service as services
from routing.recipients import addressing
from routing.recipients.pages import chosen_target
from routing.states import Transport
from workflow.models import Document, Person
from workflow.signals import Note
from workflow.states import DocumentState
from workflow.web.context import commit, db, inline_pdf, path_id, runtime
from workflow.web.pages import (
    PAGE_BLUEPRINTS,
    actor,
    back,
    blueprint,
    me,
    page_arg,
    same_site_path,
    signed_in,
    typed_date,
)
from workflow.web.schemas import parse

bp = blueprint("deliveries", __name__, template_folder="../templates")


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
    return back("deliveries.board")


@bp.post("/deliveries/<delivery_id>/target")
@signed_in
def delivery_target(delivery_id: str) -> BaseResponse:
    """The clerk names who an unknown recipient is, after issuance; the document goes there at once."""
    delivery = services.send_unresolved(db(), actor(), path_id(delivery_id), *chosen_target())
    label, symbol = delivery.label, delivery.document.symbol or ""
    commit()
    flash(_("Đã ghi nhớ “%(label)s” và gửi văn bản %(symbol)s tới đó.", label=label, symbol=symbol), "ok")
    return back("deliveries.board")


@bp.get("/board")
@signed_in
def board() -> str:
    """The clerk's dispatch board: every recipient of recent documents, coloured when it needs attention."""
    person = actor()
    form = parse(
        schemas.BoardQuery,
        {
            "show": request.args.get("show") or "all",
            "q": request.args.get("q"),
            "day": typed_date(request.args.get("day")),
        },
    )
    rows, after = dispatch_board.board(
        db(), runtime(), person, page=page_arg(), show=form.show, text=form.q, day=form.day
    )
    unknown = any(r.transport == Transport.UNRESOLVED for row in rows for r in row.recipients)
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
    return back("deliveries.board")


# The buttons a receiving unit has, in the order it uses them.
STATUS_BUTTONS = [("03", "Đã tiếp nhận"), ("05", "Đang xử lý"), ("06", "Hoàn thành")]


@bp.app_context_processor
def _inbox_counter() -> dict[str, Any]:
    person = me() if request.blueprint in PAGE_BLUEPRINTS else None
    if person is None:
        return {}
    return {"inbox_waiting": services.inbox_waiting(db(), person)}


def inbox_count(_sender: Any, *, person: Person) -> dict[str, int]:
    """The unit inbox's count, for the pages' live counters."""
    return {"inbox": services.inbox_waiting(db(), person)}


def recipient_panel(_sender: Any, *, person: Person, document: Document) -> Markup | None:
    """On a document's page, for a unit it was delivered to: its status and buttons beside the pages. Opening
    it records 03 (Đã tiếp nhận) when nothing past 01 was recorded."""
    delivery = services.delivery_to_me(db(), person, document.id)
    if delivery is None:
        return None
    status = delivery.status_code
    if status in (None, "01") and document.state != DocumentState.RECALLED:
        # Written in its own short transaction: the page itself only reads.
        with runtime().sessions() as writing, writing.begin():
            reader = writing.get(Person, person.id)
            assert reader is not None
            if services.opened(writing, reader, delivery.id):
                status = "03"
    following = services.next_waiting(db(), person, delivery.id)
    after = (
        url_for("documents.document", doc_id=following.document_id)
        if following
        else url_for("deliveries.inbox", view="waiting")
    )
    return Markup(  # noqa: S704 - render_template's output, escaped by Jinja
        render_template(
            "routing/_recipient_panel.html",
            delivery=delivery,
            status=status,
            after=after,
            purposes=services.PURPOSES,
            labels=statuses.LABELS,
            final=statuses.FINAL,
        )
    )


@bp.get("/inbox")
@signed_in
def inbox() -> str:
    """Documents delivered to my unit (?view=waiting|done|all, ?purpose=action|report|info): each opens the
    document, with sender, purpose, deadline, time received and buttons for its next status."""
    view = request.args.get("view", "waiting")
    view = view if view in services.INBOX_VIEWS else "waiting"
    purpose = request.args.get("purpose") or None
    deliveries, after = services.inbox(db(), actor(), page_arg(), view=view, purpose=purpose)
    return render_template(
        "routing/inbox.html",
        deliveries=deliveries,
        next_before=after,
        view=view,
        purpose=purpose,
        views=services.INBOX_VIEWS,
        purposes=services.PURPOSES,
        buttons=STATUS_BUTTONS,
        ranks={code: statuses.rank(code) for code in statuses.LABELS} | {"": 0},
        labels=statuses.LABELS,
        final=statuses.FINAL,
    )


@bp.post("/deliveries/<delivery_id>/status")
@signed_in
def delivery_status(delivery_id: str) -> BaseResponse:
    """Move a delivery of my unit to the chosen status (02 needs a reason)."""
    code = request.form.get("status", "")
    reason = request.form.get("reason", "").strip() or None
    delivery = services.update_status(db(), actor(), path_id(delivery_id), code, reason)
    document = delivery.document
    commit()
    # Named: the page that follows may be the next document's.
    flash(
        _(
            "Văn bản %(symbol)s «%(summary)s»: %(status)s.",
            symbol=document.symbol or "",
            summary=document.summary,
            status=_(statuses.LABELS.get(code, code)),
        ),
        "ok",
    )
    # From the document's page: on to the next document waiting for the unit.
    following = same_site_path(request.form.get("next", ""))
    return redirect(following) if following else back("deliveries.inbox")


def unresolved_notes(_sender: Any, *, person: Person, documents: list[Document]) -> dict[int, list[Note]]:
    """On the clerk's list of documents to issue: the recipients of each that nobody was found for, and those
    that cannot be reached electronically (other agencies, while there is no exchange connection)."""
    if not documents:
        return {}
    notes: dict[int, list[Note]] = {}
    directory = addressing.Directory(db(), person.unit.agency_id)  # the clerk issues their own agency's
    connected = bool(runtime().settings.vxp_url)
    for document in documents:
        found = addressing.resolve(directory, document, suggest=False)
        unknown = [t.name for r in found for t in r.targets if t.kind == "unresolved"]
        outside = [] if connected else [t.name for r in found for t in r.targets if t.kind == "agency"]
        said = []
        if unknown:
            text = _("%(n)s nơi nhận chưa tìm thấy trong danh bạ: %(names)s", n=len(unknown), names="; ".join(unknown))
            said.append(Note(text, hold=True))
        if outside:
            said.append(
                Note(
                    _(
                        "%(n)s nơi nhận ngoài cơ quan chưa gửi điện tử được (chưa kết nối trục liên thông): %(names)s;"
                        " sau khi phát hành, gửi bản giấy và ghi nhận ở Theo dõi gửi nhận.",
                        n=len(outside),
                        names="; ".join(dict.fromkeys(outside)),
                    )
                )
            )
        if said:
            notes[document.id] = said
    return notes


@bp.get("/documents/<doc_id>/certificate.pdf")
@signed_in
def document_certificate(doc_id: str) -> Response:
    """The certificate of issuance of a document, shown in the browser."""
    data, name = certificate.certificate(db(), runtime(), actor(), path_id(doc_id))
    return inline_pdf(data, name)
