"""Web pages of the hub for people in a browser: sign-in, drafts, review, the signing book, issuance.

Server-rendered (Jinja); a cookie session identifies the person and every form carries a CSRF
token. Pages call the same services as the JSON API; a refused step comes back as a Vietnamese
message on the page it came from.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from signing import inspection
from workflow import (
    access,
    actions,
    auth,
    batches,
    catalog,
    directory,
    documents,
    drafting,
    lifecycle,
    paging,
    registers,
    render,
    search,
)
from workflow.errors import DomainError, Forbidden, Invalid, NotFound, Unauthenticated
from workflow.models import Document, Person, SigningBatch
from workflow.states import ACTION_LABELS, ACTIONS, EVENT_LABELS, NEEDS_REASON, STATE_LABELS
from workflow.web import commit, db, inline_pdf, path_id, runtime

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")
F = TypeVar("F", bound=Callable[..., Any])
TRANSLATIONS = Path(__file__).with_name("translations")

VERSION_LABELS = {
    "uploaded": "tệp tải lên",
    "rendered": "dàn trang",
    "prepared": "chuẩn bị trình ký",
    "leader_signed": "lãnh đạo đã ký",
    "issued": "đã phát hành",
}


# --- session and plumbing ----------------------------------------------------------------------


def my_id() -> int | None:
    """The id of the active person signed in with this browser, or None: checked on a read-only snapshot, so
    a request can do its slow part (rendering, inspecting a file) before its write transaction begins."""
    if "my_id" not in g:
        sid = session.get("sid")
        person_id = None
        if isinstance(sid, str):
            with runtime().readers() as reading:
                row, verdict = auth.session_verdict(reading, runtime(), sid)
                person_id = row.person_id if row is not None and verdict == "alive" else None
            if verdict in ("end", "touch"):
                # A write only when there is one (SQLite has a single writer), in its own short transaction,
                # so an expired session is ended even if the request fails later.
                with runtime().sessions() as bookkeeping, bookkeeping.begin():
                    person_id = auth.live_session(bookkeeping, runtime(), sid)
            if person_id is not None:
                with runtime().readers() as reading:
                    found = reading.get(Person, person_id)
                    person_id = person_id if found is not None and found.active else None
            if person_id is None:
                session.clear()
                flash(_("Phiên làm việc đã kết thúc; hãy đăng nhập lại."), "error")
        g.my_id = person_id
    found_id: int | None = g.my_id
    return found_id


def me() -> Person | None:
    """The person signed in with this browser, or None."""
    if "me" not in g:
        person_id = my_id()
        found = db().get(Person, person_id) if person_id is not None else None
        g.me = found if found is not None and found.active else None
    person: Person | None = g.me
    return person


def signed_in(view: F) -> F:
    """Send people who are not signed in to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if my_id() is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def actor() -> Person:
    """The signed-in person (views are wrapped in signed_in)."""
    person = me()
    if person is None:
        raise Unauthenticated("login_required", "Cần đăng nhập.")
    return person


# A path of this site: one slash, then no slash or backslash; no whitespace or control characters anywhere
# (browsers drop tabs and newlines, so "/\t/host" would become "//host", another site).
_SAME_SITE_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f]*")


def same_site_path(target: str) -> str | None:
    """The target if it is a path of this site (for ?next= after sign-in), else None."""
    return target if _SAME_SITE_PATH.fullmatch(target) else None


def back(default: str = "pages.home") -> BaseResponse:
    """Redirect to the page the form was on (same site only), or to a default page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return redirect(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return redirect(url_for(default))


@bp.errorhandler(DomainError)
def refused(exc: DomainError) -> BaseResponse | tuple[str, int]:
    """A refused step: its Vietnamese message on the page the person came from."""
    if request.method == "POST":
        db().rollback()
        flash(exc.message, "error")
        return back()
    return render_template("workflow/error.html", message=exc.message), exc.status


@bp.app_template_global()
def page_url(before: int | None) -> str:
    """This page's address with another `before` (None: the first page), keeping its filters."""
    args: dict[str, Any] = request.args.to_dict() | {"before": before}
    return url_for(
        str(request.endpoint), **(request.view_args or {}), **{k: v for k, v in args.items() if v is not None}
    )


@bp.app_template_filter("ngay")
def ngay(value: dt.date | dt.datetime | None) -> str:
    """A date as Vietnamese people write it: dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(runtime().tz)
    return value.strftime("%d/%m/%Y")


@bp.app_template_filter("gio")
def gio(value: dt.datetime | None) -> str:
    """A moment as dd/mm/yyyy hh:mm in the agency's time zone (+07:00)."""
    return value.astimezone(runtime().tz).strftime("%d/%m/%Y %H:%M") if value else ""


@bp.app_context_processor
def _common() -> dict[str, Any]:
    person = me() if request.blueprint in ("pages", "routing_pages") else None
    return {
        "page_language": locale(),
        "me": person,
        "waiting": documents.waiting_counts(db(), person) if person else {},
        "STATE_LABELS": STATE_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "EVENT_LABELS": EVENT_LABELS,
        "VERSION_LABELS": VERSION_LABELS,
        "ROLE_LABELS": catalog.ROLES,
        "URGENCY": catalog.URGENCY,
        "CONFIDENTIALITY": catalog.CONFIDENTIALITY,
        "DOC_TYPES": catalog.DOC_TYPES,
    }


# --- sign-in -----------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str:
    """The sign-in form; then, for someone who turned the second factor on, the code form."""
    if request.method == "POST":
        username, address = request.form.get("username", ""), request.remote_addr or ""
        try:
            if request.form.get("step") == "code":
                person = _half_signed_in()
                auth.second_factor(db(), runtime(), person, request.form.get("code", "").strip(), address)
            else:
                person = auth.authenticate(db(), runtime(), username, request.form.get("password", ""), address)
                if person.totp_enabled:
                    commit()
                    session.clear()
                    # The password was right: a signed note of it, good for a few minutes, until the code.
                    session["half"] = {"person_id": person.id, "at": time.time()}
                    return render_template("workflow/login.html", username=username, code_step=True)
        except DomainError as exc:
            commit()  # a failed attempt counts towards throttling
            flash(exc.message, "error")
            again = request.form.get("step") == "code" and exc.code == "bad_code"
            return render_template("workflow/login.html", username=username, code_step=again), exc.status  # type: ignore[return-value]
        sid = auth.start_web_session(db(), person, address)
        commit()
        session.clear()  # a new session at every sign-in
        session["sid"] = sid
        return redirect(same_site_path(request.args.get("next", "")) or url_for("pages.home"))
    return render_template("workflow/login.html", username="")


# How long the code form waits after the password.
HALF_SIGN_IN_SECONDS = 300


def _half_signed_in() -> Person:
    """The person whose password was right a moment ago in this browser (the code form's first half)."""
    half = session.get("half") or {}
    person = (
        db().get(Person, half.get("person_id", 0)) if time.time() - half.get("at", 0) < HALF_SIGN_IN_SECONDS else None
    )
    if person is None or not person.active:
        session.pop("half", None)
        raise Unauthenticated("code_expired", "Đã quá thời gian nhập mã; hãy đăng nhập lại.")
    return person


@bp.post("/logout")
def logout() -> BaseResponse:
    """Sign out: the session ends on the server too."""
    sid = session.get("sid")
    if isinstance(sid, str):
        auth.end_web_session(db(), sid)
        commit()
    session.clear()
    return redirect(url_for("pages.login"))


@bp.post("/language")
def language() -> BaseResponse:
    """Switch the pages between Vietnamese (the default) and English."""
    session["lang"] = "en" if request.form.get("lang") == "en" else "vi"
    return back()


def locale() -> str:
    """The language of the pages for this browser."""
    return "en" if session.get("lang") == "en" else "vi"


@functools.cache
def compiled_translations() -> str:
    """The translations of the pages compiled for gettext, once per process, in a private folder."""
    import atexit
    import shutil
    import tempfile

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = Path(tempfile.mkdtemp(prefix="congvan-i18n-"))
    atexit.register(shutil.rmtree, target, True)
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(TRANSLATIONS).with_suffix(".mo")
        mo.parent.mkdir(parents=True)
        with po.open("rb") as source, mo.open("wb") as out:
            write_mo(out, read_po(source))
    return str(target)


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account() -> BaseResponse | str:
    """My account: the second factor (TOTP) for confirming signing batches, turned on and off."""
    person, step = actor(), request.form.get("step")
    if request.method == "POST":
        password, code, address = (
            request.form.get("password", ""),
            request.form.get("code", ""),
            request.remote_addr or "",
        )
        try:
            if step == "start":
                auth.start_totp(db(), runtime(), person, password, address)
            elif step == "confirm":
                auth.confirm_totp(db(), runtime(), person, code.strip(), address)
                flash(_("Đã bật xác thực hai lớp."), "ok")
            elif step == "stop":
                auth.stop_totp(db(), runtime(), person, password, address)
                flash(_("Đã tắt xác thực hai lớp."), "ok")
        except Unauthenticated as exc:
            commit()  # the failed attempt counts towards throttling
            flash(exc.message, "error")
            return redirect(url_for("pages.account"))
        commit()
        return redirect(url_for("pages.account"))
    pending = bool(person.totp_secret) and not person.totp_enabled
    uri = auth.totp_uri(person) if pending else None
    return render_template("workflow/account.html", pending=pending, uri=uri)


@bp.get("/")
@signed_in
def home() -> str:
    """What waits for me, by role."""
    return render_template("workflow/home.html")


# --- documents ---------------------------------------------------------------------------------


@bp.get("/documents", endpoint="documents")
@signed_in
def document_list() -> str:
    """Documents of the agency; for a specialist, the ones they drafted first."""
    person = actor()
    state = request.args.get("state") or None
    mine = request.args.get("mine", "1" if person.has_role("specialist") else "0") == "1"
    rows, after = documents.list_documents(
        db(), person, state if state in STATE_LABELS else None, page_arg(), mine=mine
    )
    return render_template("workflow/documents.html", documents=rows, state=state, mine=mine, next_before=after)


@bp.get("/search")
@signed_in
def find() -> str:
    """Search by number/symbol, summary and body words, accent-insensitive, with filters and a date range."""
    words = request.args.get("q", "").strip()
    try:
        filters = search.filters_of(request.args)
    except Invalid as exc:
        flash(exc.message, "error")
        filters = search.NO_FILTERS
    rows, after = (
        search.search(db(), actor(), words, filters, page_arg())
        if words or filters != search.NO_FILTERS
        else ([], None)
    )
    units = sorted(directory.units_of(db(), actor().unit.agency_id), key=lambda u: u.code)
    return render_template(
        "workflow/search.html",
        documents=rows,
        q=words,
        filters=filters,
        EMPTY_FILTERS=search.NO_FILTERS,
        units=units,
        next_before=after,
    )


def page_arg() -> paging.Page:
    """The page of a list the request asks for (?before=); a bad one shows the first page."""
    try:
        return paging.page_of(request.args.get("limit"), request.args.get("before"))
    except Invalid:
        return paging.Page()


def _draft_form() -> dict[str, Any]:
    """The draft form's fields as the services take them (recipients one a line, the signer's id)."""
    data: dict[str, Any] = request.form.to_dict()
    for field in ("kinh_gui", "noi_nhan"):
        data[field] = [line for line in data.get(field, "").splitlines() if line.strip()]
    data["signer_id"] = int(data["signer_id"]) if str(data.get("signer_id", "")).isdigit() else 0
    return data


@bp.route("/documents/new", methods=["GET", "POST"])
@signed_in
def new_document() -> BaseResponse | str:
    """The Decree-30 draft form: write the body (rendered to PDF) or upload a PDF."""
    person_id = my_id()
    assert person_id is not None
    with runtime().readers() as reading:
        leaders = drafting.signers_for(reading, person_id)
    if request.method == "POST":
        data = _draft_form()
        upload = request.files.get("file")
        pdf = upload.read() if upload is not None and upload.filename else None
        if pdf is None and not str(data.get("body", "")).strip():
            data.pop("body", None)
        try:
            # Rendered or inspected first; the write transaction only stores the result.
            content = drafting.make_content(runtime(), person_id, data, pdf)
            document = drafting.create_document(db(), runtime(), actor(), data, content)
        except DomainError as exc:
            db().rollback()
            flash(exc.message, "error")
            return render_template("workflow/new_document.html", leaders=leaders, form=request.form), exc.status  # type: ignore[return-value]
        commit()
        flash(_("Đã tạo dự thảo."), "ok")
        return redirect(url_for("pages.document", doc_id=document.id))
    return render_template("workflow/new_document.html", leaders=leaders, form={})


@bp.post("/documents/preview")
@signed_in
def preview() -> Response:
    """The draft as it would be rendered, opened in a new tab before it is created."""
    person_id = my_id()
    assert person_id is not None
    return inline_pdf(drafting.preview(runtime(), person_id, _draft_form()), "xem-truoc.pdf")


def _allowed(person: Person, document: Document) -> list[str]:
    allowed = []
    for action in ACTIONS:
        try:
            lifecycle.check(person, document, action)
        except DomainError:
            continue
        allowed.append(action)
    return allowed


@bp.get("/documents/<doc_id>")
@signed_in
def document(doc_id: str) -> str:
    """A document: its PDF, fields, versions, comments, history and what I may do with it."""
    person = actor()
    found = documents.get_document(db(), person, path_id(doc_id))
    # A receiving unit reads the issued document; its drafting file (history, comments) stays with the drafters.
    works = access.allows(person, found, access.WORK)
    return render_template(
        "workflow/document.html",
        doc=found,
        works=works,
        why=access.labels(person, found),
        events=drafting.events_of(db(), person, found.id) if works else [],
        comments=drafting.comments_of(db(), person, found.id) if works else [],
        allowed=_allowed(person, found),
        needs_reason=NEEDS_REASON,
        pages=inspection.inspect(documents.read_pdf(runtime(), found.current_version)).pages,
    )


@bp.get("/documents/<doc_id>/pdf")
@signed_in
def document_pdf(doc_id: str) -> Response:
    """The current PDF, shown in the page."""
    found = documents.get_document(db(), actor(), path_id(doc_id))
    return inline_pdf(documents.read_pdf(runtime(), found.current_version), f"van-ban-{found.id}.pdf")


@bp.get("/documents/<doc_id>/versions/<seq>/pages/<page>.png")
@signed_in
def document_page(doc_id: str, seq: str, page: str) -> Response:
    """One page of a version of the PDF as an image (the PDF read in the page, on any phone). The version is
    in the address, so what a person sees is the version they act on, never an older one kept by a cache."""
    person = actor()
    found = documents.get_document(db(), person, path_id(doc_id))
    version = found.current_version
    if path_id(seq) != version.seq:
        # Earlier versions are the drafting side's file, as their PDFs are.
        found = documents.get_document(db(), person, found.id, need=access.WORK)
        match = [v for v in found.versions if v.seq == path_id(seq)]
        if not match:
            raise NotFound("version_not_found", "Không tìm thấy phiên bản.")
        version = match[0]
    number = path_id(page)
    data = documents.read_pdf(runtime(), version)
    if not 1 <= number <= inspection.inspect(data).pages:
        raise NotFound("page_not_found", "Không có trang này.")
    image = render.page_png(data, number, max_pixels=runtime().limits.image_pixels)
    response = Response(image, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"  # a version never changes
    return response


@bp.post("/documents/<doc_id>/act/<action>")
@signed_in
def document_act(doc_id: str, action: str) -> BaseResponse:
    """Take a lifecycle step from the document's page."""
    if action not in ACTIONS:
        flash(_("Thao tác không tồn tại."), "error")
        return back()
    reason = request.form.get("reason", "").strip() or None
    result = actions.act(db(), runtime(), actor(), path_id(doc_id), action, reason)
    commit()
    if result.get("ok") is False:
        flash(result["error"]["message"], "error")
    elif action == "issue":
        flash(_("Đã phát hành: số, ký hiệu %(symbol)s.", symbol=result["symbol"]), "ok")
    else:
        flash(_("Đã %(action)s.", action=_(ACTION_LABELS[action])), "ok")
    return back()


@bp.post("/documents/<doc_id>/versions")
@signed_in
def document_version(doc_id: str) -> BaseResponse:
    """The drafter revises a draft: new summary and body (rendered again) or a new PDF."""
    data = {k: request.form[k] for k in ("summary", "body") if request.form.get(k, "").strip()}
    upload = request.files.get("file")
    pdf = upload.read() if upload is not None and upload.filename else None
    if pdf is not None:
        data.pop("body", None)
    person_id = my_id()
    assert person_id is not None
    content = drafting.make_content(runtime(), person_id, data, pdf, path_id(doc_id))
    version = drafting.add_version(db(), runtime(), actor(), path_id(doc_id), data, content)
    commit()
    flash(_("Đã lưu phiên bản %(seq)s.", seq=version.seq), "ok")
    return back()


@bp.post("/documents/<doc_id>/comments")
@signed_in
def document_comment(doc_id: str) -> BaseResponse:
    """Add a comment to a document."""
    drafting.add_comment(db(), actor(), path_id(doc_id), request.form.get("body", ""))
    commit()
    return back()


# --- review, signing, issuance -----------------------------------------------------------------


@bp.get("/review")
@signed_in
def review() -> str:
    """Drafts of my unit waiting for my review."""
    person = actor()
    filters = search.Filters(unit_id=person.unit_id, state="in_review")
    rows, after = search.search(db(), person, "", filters, page_arg())
    return render_template("workflow/review.html", documents=rows, next_before=after)


@bp.get("/signing")
@signed_in
def signing() -> str:
    """The leader's signing book: urgent documents first (signed one by one), the rest signed all at once."""
    person = actor()
    book = batches.signing_book(db(), person) if person.has_role("leader") else []
    urgent = [d for d in book if catalog.is_urgent(d.urgency)]
    others = [d for d in book if not catalog.is_urgent(d.urgency)]
    recent = db().scalars(
        select(SigningBatch).where(SigningBatch.leader_id == person.id).order_by(SigningBatch.id.desc()).limit(5)
    )
    return render_template("workflow/signing.html", urgent=urgent, others=others, batches=list(recent))


@bp.post("/signing/sign-all")
@signed_in
def sign_all() -> BaseResponse:
    """ "Ký tất cả": the leader's one confirmation makes the batch and starts signing it."""
    person = actor()
    password, code = request.form.get("password", ""), request.form.get("code", "").strip()
    try:
        proof = auth.reauthenticate(db(), runtime(), person, request.remote_addr or "", password=password, code=code)
    except Unauthenticated as exc:
        commit()  # the failed attempt counts towards throttling; no batch is made
        flash(exc.message, "error")
        return back("pages.signing")
    ids = [int(i) for i in request.form.getlist("document_id") if i.isdigit()]
    batch = batches.create_batch(db(), person, person.id, ids or None)
    batches.confirm_batch(db(), person, batch.id, proof)
    commit()
    return redirect(url_for("pages.batch", batch_id=batch.id))


@bp.get("/signing/batches/<batch_id>")
@signed_in
def batch(batch_id: str) -> str:
    """A batch being signed: the progress bar, then each document's result."""
    found = batches.get_batch(db(), actor(), path_id(batch_id))
    return render_template("workflow/batch.html", batch=found)


@bp.get("/signing/batches/<batch_id>/progress")
@signed_in
def batch_progress(batch_id: str) -> tuple[Response, int]:
    """How far the batch is (polled by the progress bar)."""
    found = batches.get_batch(db(), actor(), path_id(batch_id))
    counts = {"pending": 0, "signed": 0, "failed": 0}
    for item in found.items:
        counts[item.status] = counts.get(item.status, 0) + 1
    return jsonify({"state": found.state, "total": len(found.items), **counts}), 200


@bp.post("/signing/batches/<batch_id>/retry")
@signed_in
def batch_retry(batch_id: str) -> BaseResponse:
    """Sign the failed documents of the batch again."""
    batches.retry_batch(db(), actor(), path_id(batch_id))
    commit()
    return redirect(url_for("pages.batch", batch_id=batch_id))


@bp.get("/issue")
@signed_in
def issuance() -> str:
    """Signed documents waiting for the clerk to issue them."""
    rows, after = documents.list_documents(db(), actor(), "signed", page_arg())
    return render_template("workflow/issue.html", documents=rows, next_before=after)


@bp.get("/registers", endpoint="registers")
@signed_in
def register_list() -> str:
    """The outgoing registers of the year, each printable."""
    person = actor()
    year = request.args.get("year", "")
    chosen = int(year) if year.isdigit() else runtime().now().year
    books = list(registers.registers_of(db(), person.unit.agency_id))
    entries = {r.id: registers.register_entries(db(), person, r.id, chosen) for r in books}
    return render_template("workflow/registers.html", registers=books, entries=entries, year=chosen)


@bp.get("/registers/<register_id>.pdf")
@signed_in
def register_pdf(register_id: str) -> Response:
    """A register of a year, printable."""
    year = request.args.get("year", "")
    data, name = registers.register_pdf(
        db(), runtime(), actor(), path_id(register_id), int(year) if year.isdigit() else runtime().now().year
    )
    return inline_pdf(data, name)


# --- administration ----------------------------------------------------------------------------


def _admin_only() -> Person:
    person = actor()
    if not person.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được vào trang quản trị.")
    return person


@bp.get("/admin")
@signed_in
def admin() -> str:
    """People, units, registers, the agency's seal."""
    person = _admin_only()
    agency_id = person.unit.agency_id
    people = directory.people_of(db(), agency_id)
    units = directory.units_of(db(), agency_id)
    books = registers.registers_of(db(), agency_id)
    return render_template("workflow/admin.html", people=people, units=units, registers=books)


def _person_form() -> dict[str, Any]:
    data: dict[str, Any] = request.form.to_dict()
    data["roles"] = request.form.getlist("roles")
    data["active"] = request.form.get("active") == "1"
    return data


@bp.route("/admin/people/new", methods=["GET", "POST"])
@signed_in
def admin_new_person() -> BaseResponse | str:
    """Add a person."""
    person = _admin_only()
    units = directory.units_of(db(), person.unit.agency_id)
    if request.method == "POST":
        created = directory.save_person(db(), person, None, _person_form())
        commit()
        flash(_("Đã thêm người dùng %(username)s.", username=created.username), "ok")
        return redirect(url_for("pages.admin_person", person_id=created.id))
    return render_template("workflow/admin_person.html", target=None, units=units, kinds=catalog.SIGNER_KINDS)


@bp.route("/admin/people/<person_id>", methods=["GET", "POST"])
@signed_in
def admin_person(person_id: str) -> BaseResponse | str:
    """Change a person; a leader's signature image and where their signing key lives."""
    person = _admin_only()
    target = directory.colleague(db(), person, path_id(person_id))
    if request.method == "POST":
        form = request.form.get("form")
        if form == "signature":
            upload = request.files.get("file")
            directory.set_signature_image(db(), runtime(), person, target.id, upload.read() if upload else b"")
            message = _("Đã cập nhật ảnh chữ ký.")
        elif form == "signer":
            directory.set_signer(db(), person, target.id, request.form.get("kind"), request.form.get("ref"))
            message = _("Đã cập nhật nơi giữ khóa ký số.")
        elif form == "totp":
            directory.reset_totp(db(), person, target.id)
            message = _("Đã tắt xác thực hai lớp của người dùng.")
        else:
            directory.save_person(db(), person, target.id, _person_form())
            message = _("Đã lưu.")
        commit()
        flash(message, "ok")
        return redirect(url_for("pages.admin_person", person_id=target.id))
    units = directory.units_of(db(), person.unit.agency_id)
    return render_template("workflow/admin_person.html", target=target, units=units, kinds=catalog.SIGNER_KINDS)


@bp.get("/admin/people/<person_id>/signature.png")
@signed_in
def admin_signature(person_id: str) -> Response:
    """A leader's signature image (admin)."""
    target = directory.colleague(db(), _admin_only(), path_id(person_id))
    image = directory.image(runtime(), target.signature_image)
    if image is None:
        raise NotFound("image_not_found", "Chưa có ảnh chữ ký.")
    return Response(image, mimetype="image/png")


@bp.post("/admin/units")
@signed_in
def admin_unit() -> BaseResponse:
    """Add a unit or change one."""
    unit_id = request.form.get("unit_id", "")
    directory.save_unit(db(), _admin_only(), int(unit_id) if unit_id.isdigit() else None, request.form.to_dict())
    commit()
    flash(_("Đã lưu đơn vị."), "ok")
    return redirect(url_for("pages.admin"))


@bp.post("/admin/registers/<register_id>")
@signed_in
def admin_register(register_id: str) -> BaseResponse:
    """Rename a register or change its symbol patterns."""
    directory.save_register(db(), _admin_only(), path_id(register_id), request.form.to_dict())
    commit()
    flash(_("Đã lưu sổ đăng ký."), "ok")
    return redirect(url_for("pages.admin"))


@bp.post("/admin/seal")
@signed_in
def admin_seal() -> BaseResponse:
    """Upload the agency's seal image."""
    upload = request.files.get("file")
    directory.set_seal_image(db(), runtime(), _admin_only(), upload.read() if upload else b"")
    commit()
    flash(_("Đã cập nhật ảnh con dấu."), "ok")
    return redirect(url_for("pages.admin"))


@bp.get("/admin/seal.png")
@signed_in
def admin_seal_image() -> Response:
    """The agency's seal image (admin)."""
    image = directory.image(runtime(), _admin_only().unit.agency.seal_image)
    if image is None:
        raise NotFound("image_not_found", "Chưa có ảnh con dấu.")
    return Response(image, mimetype="image/png")
