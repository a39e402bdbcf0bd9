"""The pages of incoming documents: the list, importing a package, a document and its steps."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from routing.exchange import inbound
from routing.incoming import schemas
from routing.incoming import service as incoming
from routing.models import IncomingDocument
from signing import inspection
from signing.errors import PdfError
from workflow.directory.service import units_of
from workflow.documents import page_images
from workflow.errors import NotFound
from workflow.web.context import commit, db, inline_pdf, path_id, runtime
from workflow.web.pages import (
    actor,
    back,
    blueprint,
    my_id,
    page_arg,
    signed_in,
    typed_date,
)
from workflow.web.schemas import parse

bp = blueprint("incoming", __name__, template_folder="../templates")


@bp.get("/incoming")
@signed_in
def incoming_list() -> str:
    """Documents received from other agencies."""
    rows, after = incoming.listing(db(), actor(), page=page_arg())
    return render_template("routing/incoming.html", rows=rows, labels=incoming.STATE_LABELS, next_before=after)


INCOMING_LABELS = {
    "received": "Đã đến",
    "updated": "Cơ quan gửi cập nhật",
    "replaced": "Được thay thế",
    "recall_requested": "Cơ quan gửi đề nghị thu hồi",
    "register": "Vào sổ văn bản đến",
    "return": "Trả lại",
    "assign": "Phân công xử lý",
    "start": "Bắt đầu xử lý",
    "finish": "Hoàn thành",
    "accept_recall": "Đồng ý thu hồi",
    "refuse_recall": "Từ chối thu hồi",
}


@bp.post("/incoming/import")
@signed_in
def incoming_import() -> BaseResponse:
    """The clerk imports an edXML package received by other means (a file from e-mail, a USB stick)."""
    upload = request.files.get("file")
    data = upload.read() if upload is not None and upload.filename else b""
    if not data:
        flash(_("Hãy chọn tệp edXML."), "error")
        return back("incoming.incoming_list")
    rt, person_id = runtime(), my_id()
    assert person_id is not None
    with rt.readers() as reader:
        checked = inbound.check_imported(reader, rt, person_id, data)
    answer = inbound.receive(db(), rt, checked)
    commit()
    if answer.get("result") == "rejected":
        flash(_("Văn bản bị trả lại: %(reason)s", reason=answer.get("reason", "")), "error")
        return back("incoming.incoming_list")
    if answer.get("duplicate"):
        flash(_("Tệp này đã được nhập trước đây."), "ok")
    else:
        flash(_("Đã nhập văn bản đến."), "ok")
    if answer.get("incoming_id"):
        return redirect(url_for("incoming.incoming_document", incoming_id=answer["incoming_id"]))
    return back("incoming.incoming_list")


@bp.get("/incoming/<incoming_id>")
@signed_in
def incoming_document(incoming_id: str) -> str:
    """An incoming document: its pages, fields, signatures' verdict, history and the steps I may take."""
    person = actor()
    found = incoming.get(db(), person, path_id(incoming_id))
    units = units_of(db(), person.unit.agency_id)
    return render_template(
        "routing/incoming_document.html",
        doc=found,
        events=incoming.events(db(), found),
        allowed=incoming.allowed_actions(person, found),
        labels=INCOMING_LABELS,
        state_labels=incoming.STATE_LABELS,
        units=units,
        pages=_pages(found),
    )


def _pages(found: IncomingDocument) -> int:
    """How many pages of the received document to draw: none when it has no PDF, or one that does not read
    (the clerk sees its files' list and the reason it needs a look)."""
    if found.signatures.get("verdict") == "no_pdf":
        return 0
    try:
        return inspection.inspect(incoming.pdf(runtime(), found)).pages
    except PdfError:
        return 0


@bp.get("/incoming/<incoming_id>/pages/<page>.png")
@signed_in
def incoming_page(incoming_id: str, page: str) -> Response:
    """One page of the received PDF as an image."""
    found = incoming.get(db(), actor(), path_id(incoming_id))
    data = incoming.pdf(runtime(), found)
    number = path_id(page)
    if not 1 <= number <= _pages(found):
        raise NotFound("page_not_found", "Không có trang này.")
    return Response(
        page_images.page_png(data, number, max_pixels=runtime().settings.max_image_pixels), mimetype="image/png"
    )


@bp.get("/incoming/<incoming_id>/pdf")
@signed_in
def incoming_pdf(incoming_id: str) -> Response:
    """The received PDF with its signatures."""
    found = incoming.get(db(), actor(), path_id(incoming_id))
    return inline_pdf(incoming.pdf(runtime(), found), f"van-ban-den-{found.id}.pdf")


@bp.post("/incoming/<incoming_id>/act/<action>")
@signed_in
def incoming_act(incoming_id: str, action: str) -> BaseResponse:
    """Take a step on an incoming document from its page."""
    data: dict[str, Any] = {"reason": request.form.get("reason", "")}
    if action == "assign":
        data["lead_unit_id"] = request.form.get("lead_unit_id") or None
        data["supporting_unit_ids"] = request.form.getlist("supporting_unit_ids")
        data["deadline"] = typed_date(request.form.get("deadline")) or None
    step = parse(schemas.IncomingStep, data)
    found = incoming.act(db(), runtime(), actor(), path_id(incoming_id), action, step)
    commit()
    flash(_("Đã cập nhật: %(status)s.", status=_(incoming.STATE_LABELS[found.state])), "ok")
    return back("incoming.incoming_list")
