"""The pages of incoming documents: the list, importing a package, a document and its steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from routing.deliveries import statuses
from routing.exchange import inbound
from routing.incoming import answering, assignment, chasing, registers, registration, schemas
from routing.incoming import service as incoming
from routing.models import IncomingDocument
from signing import inspection
from signing.errors import PdfError
from workflow.directory.service import people_of, units_of
from workflow.documents import page_images
from workflow.errors import DomainError, Forbidden, NotFound
from workflow.models import Agency, Document, Person
from workflow.web.context import commit, db, inline_pdf, path_id, runtime
from workflow.web.pages import (
    BULK_MAX,
    PAGE_BLUEPRINTS,
    actor,
    back,
    blueprint,
    me,
    my_id,
    page_arg,
    said,
    signed_in,
    typed_date,
)
from workflow.web.schemas import parse

bp = blueprint("incoming", __name__, template_folder="../templates")


@bp.get("/incoming")
@signed_in
def incoming_list() -> str:
    """Documents received from other agencies."""
    words = request.args.get("q", "")[:200]
    person = actor()
    rows, after = incoming.listing(db(), person, page=page_arg(), words=words)
    today = runtime().now().date()
    instructs = incoming.instructs(db(), person)
    # What may be ticked for one step on several: registered ones by who instructs, one's lead parts to finish.
    tickable = {
        i.id
        for i in rows
        if (instructs and i.state == "registered")
        or (i.state in ("assigned", "in_progress") and assignment.is_lead(person, i))
    }
    return render_template(
        "routing/incoming.html",
        rows=rows,
        labels=incoming.STATE_LABELS,
        next_before=after,
        words=words,
        due_marks=assignment.DUE_MARKS,
        due=lambda i: assignment.due_mark(i.deadline or i.due_date, i.state in ("done", "returned"), today),
        tickable=tickable,
        instructs=instructs and any(i.state == "registered" for i in rows),
        leads=any(i.state != "registered" for i in rows if i.id in tickable),
        units=units_of(db(), person.unit.agency_id),
    )


@bp.post("/incoming/bulk/<action>")
@signed_in
def incoming_bulk(action: str) -> BaseResponse:
    """One step on the ticked documents: the leader's one instruction (a lead unit, supporting units, a deadline)
    or finishing one's lead parts; each document done or refused on its own."""
    if action not in ("assign", "finish"):
        raise NotFound("unknown_action", "Thao tác không tồn tại.")
    form = request.form
    ids = [int(x) for x in form.getlist("ids") if x.isdigit()][:BULK_MAX]
    if not ids:
        flash(_("Hãy chọn ít nhất một văn bản."), "error")
        return back("incoming.incoming_list")
    step = incoming.NO_INPUT
    if action == "assign":
        deadline = typed_date(form.get("deadline")) or None
        named = [{"unit_id": form.get("lead_unit_id"), "role": "lead", "deadline": deadline}]
        named += [
            {"unit_id": unit, "role": "support", "deadline": deadline}
            for unit in form.getlist("supporting_unit_ids")
            if unit != form.get("lead_unit_id")
        ]
        step = parse(schemas.IncomingStep, {"instruction": form.get("instruction", ""), "assignees": named})
    done, refused = incoming.bulk(db(), runtime(), actor(), ids, action, step)
    commit()
    verb = _("Đã phân công") if action == "assign" else _("Đã hoàn thành")
    flash(_("%(verb)s %(count)s văn bản.", verb=verb, count=len(done)), "ok")
    for item in refused:
        flash(_("Văn bản số %(id)s chưa thực hiện được: %(reason)s", id=item["id"], reason=item["message"]), "error")
    return back("incoming.incoming_list")


@bp.route("/incoming/new", methods=["GET", "POST"])
@signed_in
def incoming_new() -> BaseResponse | tuple[str, int]:
    """The clerk's "Vào sổ văn bản đến": a document that came on paper, by e-mail or by hand."""
    person = actor()
    if not person.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư vào sổ văn bản đến.")
    rt = runtime()
    now = rt.now()
    if request.method == "POST":
        form = request.form
        upload = request.files.get("file")
        data = upload.read() if upload is not None and upload.filename else b""
        when = typed_date(form.get("received_on"))
        fields: dict[str, str | None] = {n: form.get(n, "") for n in ("sender", "number", "summary", "doc_type")}
        fields |= {n: form.get(n, "") for n in ("received_via", "urgency", "confidentiality", "signer_name")}
        fields |= {"issued_on": typed_date(form.get("issued_on")), "deadline": typed_date(form.get("deadline"))}
        fields["received_at"] = f"{when}T{(form.get('received_time') or '00:00').strip()}" if when else None
        try:
            body = parse(schemas.Registration, fields, rt.settings)
            staged = registration.stage(rt, person.id, body, data)
            found = registration.register(db(), rt, person, body, staged)
        except DomainError as exc:
            db().rollback()
            flash(said(exc), "error")
            return _new_form(now, form, exc.detail.get("field"), exc.detail.get("existing_id")), exc.status
        commit()
        flash(_("Đã vào sổ văn bản đến số %(number)s.", number=found.incoming_number), "ok")
        return redirect(url_for("incoming.incoming_document", incoming_id=found.id))
    return _new_form(now, {}, None, None), 200


def _new_form(now: dt.datetime, form: Any, invalid: str | None, existing: int | None) -> str:
    agencies = db().scalars(select(Agency).where(Agency.is_self.is_(False)).order_by(Agency.name).limit(3000))
    return render_template(
        "routing/incoming_new.html",
        form=form,
        invalid=invalid,
        existing=existing,
        agencies=list(agencies),
        via=statuses.RECEIVED_VIA,
        year=now.year,
        today=f"{now:%d/%m/%Y}",
        now=f"{now:%H:%M}",
    )


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
    """An incoming document: its pages, fields, signatures' verdict, who handles it, history and my steps."""
    person, session = actor(), db()
    found = incoming.get(session, person, path_id(incoming_id))
    if incoming.opened(runtime(), person, found):
        commit()
    mine = assignment.mine(person, found)
    unit_part = next((r for r in mine if r.person_id is None), None)
    extensions = chasing.extensions(session, found)
    return render_template(
        "routing/incoming_document.html",
        doc=found,
        events=incoming.events(session, found),
        allowed=incoming.allowed_actions(person, found),
        labels=INCOMING_LABELS,
        state_labels=incoming.STATE_LABELS,
        units=units_of(session, person.unit.agency_id),
        people=people_of(session, person.unit.agency_id, active_only=True),
        pages=_pages(found),
        parts=[r for r in found.assignees if r.active],
        mine=mine,
        handling=found.state in ("assigned", "in_progress"),
        forward_to=[
            p for p in people_of(session, person.unit.agency_id, active_only=True) if p.unit_id == person.unit_id
        ]
        if unit_part is not None and person.has_role("unit_head")
        else [],
        extensions=extensions,
        decides={e.id: chasing.may_decide(session, person, e) for e in extensions if e.state == "requested"},
        roles=assignment.ROLES,
        progress=assignment.PROGRESS,
        due_marks=assignment.DUE_MARKS,
        due=lambda row: assignment.due_mark(row.deadline, row.progress == "done", runtime().now().date()),
        may_remind=person.has_role("leader") or person.has_role("clerk"),
        via=statuses.ARRIVED_VIA,
        # A specialist or head who holds a part drafts the answer (a leader may too).
        may_answer=found.state in ("registered", "assigned", "in_progress")
        and (bool(mine) or person.has_role("leader")),
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


@bp.get("/incoming/register.pdf")
@signed_in
def incoming_register_pdf() -> Response:
    """The printable incoming register of a year (?year=, this year by default)."""
    query = parse(schemas.RegisterYear, request.args.to_dict())
    data, name = registers.register_pdf(db(), runtime(), actor(), query.year or runtime().now().year)
    return inline_pdf(data, name)


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


@bp.get("/incoming/<incoming_id>/ocr.pdf")
@signed_in
def incoming_text_layer(incoming_id: str) -> Response:
    """The scan with its words as a text layer."""
    found = incoming.get(db(), actor(), path_id(incoming_id))
    return inline_pdf(incoming.text_layer_pdf(runtime(), found), f"van-ban-den-{found.id}-ocr.pdf")


@bp.post("/incoming/<incoming_id>/act/<action>")
@signed_in
def incoming_act(incoming_id: str, action: str) -> BaseResponse:
    """Take a step on an incoming document from its page."""
    data: dict[str, Any] = {"reason": request.form.get("reason", "")}
    if action == "assign":
        data["instruction"] = request.form.get("instruction", "")
        data["assignees"] = _assignees(request.form)
    step = parse(schemas.IncomingStep, data)
    found = incoming.act(db(), runtime(), actor(), path_id(incoming_id), action, step)
    commit()
    flash(_("Đã cập nhật: %(status)s.", status=_(incoming.STATE_LABELS[found.state])), "ok")
    return back("incoming.incoming_list")


def _assignees(form: Any) -> list[dict[str, Any]]:
    """The instruction form's rows: each unit's and person's chosen role (none: not named) and deadline."""
    named = []
    for key, role in form.items():
        kind, _sep, ident = key.removeprefix("role_").partition("_")
        if not key.startswith("role_") or kind not in ("unit", "person") or not role:
            continue
        deadline = typed_date(form.get(f"deadline_{kind}_{ident}")) or None
        named.append({f"{kind}_id": ident, "role": role, "deadline": deadline})
    return named


@bp.post("/incoming/<incoming_id>/forward")
@signed_in
def incoming_forward(incoming_id: str) -> BaseResponse:
    """The unit head passes the unit's part to one of its people."""
    form = request.form
    body = parse(
        schemas.Forward,
        {
            "person_id": form.get("person_id"),
            "deadline": typed_date(form.get("deadline")) or None,
            "note": form.get("note"),
        },
    )
    incoming.forward(db(), runtime(), actor(), path_id(incoming_id), body)
    commit()
    flash(_("Đã chuyển văn bản cho người xử lý."), "ok")
    return back("incoming.incoming_list")


@bp.post("/incoming/<incoming_id>/progress")
@signed_in
def incoming_progress(incoming_id: str) -> BaseResponse:
    """My part moves on, with a note and files."""
    body = parse(schemas.Progress, {"progress": request.form.get("progress"), "note": request.form.get("note")})
    files = incoming.keep_files(runtime(), [f for f in request.files.getlist("file") if f.filename])
    found = incoming.report(db(), runtime(), actor(), path_id(incoming_id), body, files)
    commit()
    flash(_("Đã cập nhật tiến độ: %(status)s.", status=_(incoming.STATE_LABELS[found.state])), "ok")
    return back("incoming.incoming_list")


@bp.post("/incoming/<incoming_id>/extend")
@signed_in
def incoming_extend(incoming_id: str) -> BaseResponse:
    """Ask for more time."""
    body = parse(
        schemas.ExtensionAsk, {"wanted": typed_date(request.form.get("wanted")), "reason": request.form.get("reason")}
    )
    incoming.ask_more_time(db(), actor(), path_id(incoming_id), body)
    commit()
    flash(_("Đã gửi đề nghị gia hạn."), "ok")
    return back("incoming.incoming_list")


@bp.post("/incoming/<incoming_id>/extensions/<extension_id>/<decision>")
@signed_in
def incoming_extension_answer(incoming_id: str, extension_id: str, decision: str) -> BaseResponse:
    """Grant or refuse a request for more time."""
    if decision not in ("grant", "refuse"):
        raise NotFound("unknown_action", "Thao tác không tồn tại.")
    body = parse(schemas.ExtensionAnswer, {"answer": request.form.get("answer")})
    incoming.answer_more_time(
        db(), runtime(), actor(), path_id(incoming_id), path_id(extension_id), decision == "grant", body
    )
    commit()
    flash(_("Đã đồng ý gia hạn.") if decision == "grant" else _("Đã từ chối gia hạn."), "ok")
    return back("incoming.incoming_list")


@bp.post("/incoming/<incoming_id>/remind")
@signed_in
def incoming_remind(incoming_id: str) -> BaseResponse:
    """Remind one assignee."""
    body = parse(schemas.Reminder, {"assignee_id": request.form.get("assignee_id"), "note": request.form.get("note")})
    incoming.remind(db(), actor(), path_id(incoming_id), body)
    commit()
    flash(_("Đã nhắc xử lý."), "ok")
    return back("incoming.incoming_list")


@bp.get("/incoming/mine")
@signed_in
def incoming_mine() -> str:
    """ "Việc của tôi" for incoming documents: my parts (and my unit's, for its head), nearest deadline first."""
    done = request.args.get("done") == "1"
    rows = incoming.my_work(db(), actor(), done)
    today = runtime().now().date()
    return render_template(
        "routing/incoming_mine.html",
        rows=rows,
        done=done,
        roles=assignment.ROLES,
        progress=assignment.PROGRESS,
        due_marks=assignment.DUE_MARKS,
        due=lambda row: assignment.due_mark(row.deadline, row.progress == "done", today),
    )


@bp.app_context_processor
def _work_counter() -> dict[str, Any]:
    person = me() if request.blueprint in PAGE_BLUEPRINTS and request.endpoint == "pages.home" else None
    if person is None:
        return {}
    return {"incoming_work": incoming.work_count(db(), person)}


def answers_panel(_sender: Any, *, person: Person, document: Document) -> Markup | None:
    """On one of our documents' page: the documents other agencies answered it with ("Đã được trả lời bằng văn bản
    số …"), for whoever may see them."""
    found = [i for i in answering.answers_to(db(), [document.id]).values() if incoming.can_see(person, i)]
    if not found:
        return None
    return Markup(render_template("routing/_answers_panel.html", answers=found))  # noqa: S704 - Jinja-escaped
