"""Web pages of routing: the unit inbox with its status buttons and the clerk's dispatch board."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from routing import schemas as routing_schemas
from routing.deliveries import certificate, statuses
from routing.deliveries import service as services
from routing.exchange import directory, inbound
from routing.incoming import service as incoming
from routing.models import IncomingDocument
from routing.recipients import addressing
from routing.recipients import parse as recipients
from signing import inspection
from signing.errors import PdfError
from workflow import access
from workflow.directory.service import units_of
from workflow.documents import page_images
from workflow.errors import DomainError, Forbidden, NotFound
from workflow.models import Document, Person
from workflow.signals import Note
from workflow.web import schemas
from workflow.web.context import commit, db, inline_pdf, path_id, runtime
from workflow.web.pages import actor, back, me, my_id, page_arg, refused, same_site_path, signed_in, typed_date

bp = Blueprint("routing_pages", __name__, template_folder="templates")
bp.register_error_handler(DomainError, refused)

# The buttons a receiving unit has, in the order it uses them.
STATUS_BUTTONS = [("03", "Đã tiếp nhận"), ("05", "Đang xử lý"), ("06", "Hoàn thành")]


@bp.app_context_processor
def _inbox_counter() -> dict[str, Any]:
    person = me() if request.blueprint in ("pages", "routing_pages") else None
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
    if status in (None, "01") and document.state != "recalled":
        # Written in its own short transaction: the page itself only reads.
        with runtime().sessions() as writing, writing.begin():
            reader = writing.get(Person, person.id)
            assert reader is not None
            if services.opened(writing, reader, delivery.id):
                status = "03"
    following = services.next_waiting(db(), person, delivery.id)
    after = (
        url_for("pages.document", doc_id=following.document_id)
        if following
        else url_for("routing_pages.inbox", view="waiting")
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
    return redirect(following) if following else back("routing_pages.inbox")


# Before issuance the drafter, the head and the clerk see where each recipient goes.
BEFORE_ISSUANCE = ("drafting", "in_review", "awaiting_signature", "signed")


def addressing_panel(_sender: Any, *, person: Person, document: Document) -> Markup | None:
    """On a document's page before issuance: each recipient line and where it goes (units, people, agencies,
    a list's members), the lines the directory does not know with the closest names, and the drafter's
    warnings; the clerk can remember an unknown name for a unit, agency or list once, for every later document."""
    if document.state not in BEFORE_ISSUANCE or not access.allows(person, document, access.WORK):
        return None
    session = db()
    directory = addressing.Directory(session, document.agency_id)
    found = addressing.resolve(directory, document)
    clerk = person.has_role("clerk") or person.has_role("admin")
    return Markup(  # noqa: S704 - render_template's output, escaped by Jinja
        render_template(
            "routing/_addressing_panel.html",
            document=document,
            found=found,
            warnings=recipients.warnings(document.kinh_gui, document.noi_nhan),
            choices=directory.choices() if clerk and any(r.unresolved for r in found) else [],
            purposes=services.PURPOSES,
        )
    )


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


def chosen_target() -> tuple[str, int]:
    """The unit, agency or list a form's "target" choice names ("kind:id"); (kind, 0) when it names none."""
    kind, _colon, target = request.form.get("target", "").partition(":")
    return kind, int(target) if target.isdigit() else 0


@bp.post("/recipient-names")
@signed_in
def remember_name() -> BaseResponse:
    """The clerk remembers an unknown recipient name for a unit, agency or list (from the document's page)."""
    kind, target = chosen_target()
    label = request.form.get("label", "")
    name = addressing.remember(db(), actor(), label, kind, target)
    commit()
    flash(_("Đã ghi nhớ: “%(label)s” là %(name)s.", label=label, name=name), "ok")
    return back("pages.home")


@bp.get("/admin/lists")
@signed_in
def lists() -> str:
    """The administrator's distribution lists: name, other names and members, one a line."""
    person = actor()
    if not person.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được vào trang quản trị.")
    session = db()
    directory = addressing.Directory(session, person.unit.agency_id)
    rows = []
    for group in addressing.lists_of(session, person):
        members = [addressing.resolve_line(line, directory, None, 1) for line in recipients.parse("", group.members)]
        rows.append((group, members))
    return render_template("routing/lists.html", rows=rows)


@bp.post("/admin/lists")
@bp.post("/admin/lists/<list_id>")
@signed_in
def save_list(list_id: str | None = None) -> BaseResponse:
    """Add or change a distribution list."""
    form = request.form
    addressing.save_list(
        db(),
        actor(),
        path_id(list_id) if list_id else None,
        form.get("name", ""),
        form.get("aliases", ""),
        form.get("members", ""),
    )
    commit()
    flash(_("Đã lưu danh sách nơi nhận."), "ok")
    return redirect(url_for("routing_pages.lists"))


@bp.post("/admin/lists/<list_id>/delete")
@signed_in
def delete_list(list_id: str) -> BaseResponse:
    """Remove a distribution list."""
    addressing.delete_list(db(), actor(), path_id(list_id))
    commit()
    flash(_("Đã xóa danh sách nơi nhận."), "ok")
    return redirect(url_for("routing_pages.lists"))


@bp.get("/admin/agency-names")
@signed_in
def agency_names() -> str:
    """The agencies the national exchange lists under another name than our directory's: keep or take it."""
    return render_template("routing/agency_names.html", agencies=directory.pending_names(db(), actor()))


@bp.post("/admin/agency-names/<agency_id>")
@signed_in
def decide_agency_name(agency_id: str) -> BaseResponse:
    """The administrator's decision on one agency's name."""
    accept = request.form.get("accept") == "1"
    agency = directory.decide_name(db(), actor(), path_id(agency_id), accept)
    commit()
    if accept:
        flash(_("Đã đổi tên cơ quan %(code)s thành “%(name)s”.", code=agency.code, name=agency.name), "ok")
    else:
        flash(_("Giữ tên “%(name)s” cho cơ quan %(code)s.", code=agency.code, name=agency.name), "ok")
    return redirect(url_for("routing_pages.agency_names"))


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
        return back("routing_pages.incoming_list")
    rt, person_id = runtime(), my_id()
    assert person_id is not None
    with rt.readers() as reader:
        checked = inbound.check_imported(reader, rt, person_id, data)
    answer = inbound.receive(db(), rt, checked)
    commit()
    if answer.get("result") == "rejected":
        flash(_("Văn bản bị trả lại: %(reason)s", reason=answer.get("reason", "")), "error")
        return back("routing_pages.incoming_list")
    if answer.get("duplicate"):
        flash(_("Tệp này đã được nhập trước đây."), "ok")
    else:
        flash(_("Đã nhập văn bản đến."), "ok")
    if answer.get("incoming_id"):
        return redirect(url_for("routing_pages.incoming_document", incoming_id=answer["incoming_id"]))
    return back("routing_pages.incoming_list")


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
    return Response(page_images.page_png(data, number, max_pixels=runtime().limits.image_pixels), mimetype="image/png")


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
    step = schemas.parse(routing_schemas.IncomingStep, data)
    found = incoming.act(db(), runtime(), actor(), path_id(incoming_id), action, step)
    commit()
    flash(_("Đã cập nhật: %(status)s.", status=_(incoming.STATE_LABELS[found.state])), "ok")
    return back("routing_pages.incoming_list")


@bp.get("/documents/<doc_id>/certificate.pdf")
@signed_in
def document_certificate(doc_id: str) -> Response:
    """The certificate of issuance of a document, shown in the browser."""
    data, name = certificate.certificate(db(), runtime(), actor(), path_id(doc_id))
    return inline_pdf(data, name)
