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
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from workflow import catalog, paging
from workflow.accounts import service as auth
from workflow.documents import render
from workflow.documents import service as documents
from workflow.errors import DomainError, Invalid, Unauthenticated
from workflow.models import Person
from workflow.notifications import service as notifications
from workflow.states import ACTION_LABELS, BATCH_LABELS, EVENT_LABELS, ITEM_LABELS, STATE_LABELS
from workflow.web.context import commit, db, runtime

bp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static", static_url_path="/assets")
F = TypeVar("F", bound=Callable[..., Any])
TRANSLATIONS = Path(__file__).parents[1] / "translations"

VERSION_LABELS = {
    "uploaded": "Tệp PDF tải lên",
    "rendered": "Bản hệ thống trình bày theo Nghị định 30",
    "prepared": "Bản trình ký (có ô số, ngày và chữ ký)",
    "leader_signed": "Bản lãnh đạo đã ký",
    "issued": "Bản đã phát hành (có chữ ký cơ quan)",
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


def said(exc: DomainError) -> str:
    """A refusal as a page says it: the API's message without the field's name in English (the field itself is
    marked on the form), and dates asked for as people type them."""
    if exc.code == "invalid_date":
        return "Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2026."
    return _FIELD_NAME.sub("", exc.message)


# " (summary)", " (signer_id)": the API's name of a field at the end of a message.
_FIELD_NAME = re.compile(r" \([a-z_][a-z_0-9.]*\)(?=\.?$)")
# 31/12/2026 or 1/2/2026: a date as typed on the pages, whatever the browser's language.
_TYPED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def typed_date(value: str | None) -> str | None:
    """A date typed as dd/mm/yyyy, as the services read it (yyyy-mm-dd); anything else as it is, to be refused
    by the services with a clear message."""
    found = _TYPED_DATE.fullmatch((value or "").strip())
    return f"{found[3]}-{int(found[2]):02d}-{int(found[1]):02d}" if found else value


@bp.errorhandler(DomainError)
def refused(exc: DomainError) -> BaseResponse | tuple[str, int]:
    """A refused step: its Vietnamese message on the page the person came from."""
    if request.method == "POST":
        db().rollback()
        flash(said(exc), "error")
        if exc.detail.get("field"):
            flash(str(exc.detail["field"]), "field")  # the form marks the field on the page it goes back to
        return back()
    return render_template("workflow/error.html", message=said(exc)), exc.status


@bp.app_template_global()
def page_url(before: int | None) -> str:
    """This page's address with another `before` (None: the first page), keeping its filters."""
    args: dict[str, Any] = request.args.to_dict() | {"before": before}
    return url_for(
        str(request.endpoint), **(request.view_args or {}), **{k: v for k, v in args.items() if v is not None}
    )


@bp.get("/favicon.ico")
def favicon() -> BaseResponse:
    """Browsers ask for /favicon.ico whatever the page names: the site's icon, not a 404 on every page."""
    return redirect(url_for("pages.static", filename="favicon.svg"), 301)


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


@bp.app_template_filter("recipient_lines")
def recipient_lines(value: str | None) -> list[str]:
    """The lines of a Kính gửi or Nơi nhận block as names, without the dashes and closing ; , . clerks type,
    so a page can list them with one separator of its own."""
    return render.bare_lines((value or "").splitlines())


@bp.app_context_processor
def _common() -> dict[str, Any]:
    person = me() if request.blueprint in ("pages", "routing_pages") else None
    return {
        "page_language": locale(),
        "me": person,
        "waiting": documents.waiting_counts(db(), person) if person else {},
        "unread": notifications.unread_count(db(), person) if person else 0,
        "STATE_LABELS": STATE_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "EVENT_LABELS": EVENT_LABELS,
        "VERSION_LABELS": VERSION_LABELS,
        "ROLE_LABELS": catalog.ROLES,
        "URGENCY": catalog.URGENCY,
        "CONFIDENTIALITY": catalog.CONFIDENTIALITY,
        "DOC_TYPES": catalog.DOC_TYPES,
        "BATCH_LABELS": BATCH_LABELS,
        "ITEM_LABELS": ITEM_LABELS,
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


def page_arg() -> paging.Page:
    """The page of a list the request asks for (?before=); a bad one shows the first page."""
    try:
        return paging.page_of(request.args.get("limit"), request.args.get("before"))
    except Invalid:
        return paging.Page()
