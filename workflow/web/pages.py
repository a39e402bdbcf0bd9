"""What every feature's pages share: who is signed in, going back, the templates' filters and labels, bulk actions,
the home page and static files.

Server-rendered (Jinja); a cookie session identifies the person and every form carries a CSRF
token. Pages call the same services as the JSON API; a refused step comes back as a Vietnamese
message on the page it came from.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
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
from workflow.directory import delegations
from workflow.documents import actions, render
from workflow.documents import service as documents
from workflow.errors import DomainError, Invalid, Unauthenticated
from workflow.models import Document, Person
from workflow.notifications import service as notifications
from workflow.paging import Page
from workflow.states import ACTION_LABELS, APPROVAL_LABELS, BATCH_LABELS, EVENT_LABELS, ITEM_LABELS, STATE_LABELS
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
        if g.me is not None:
            delegations.lend(db(), g.me, runtime().now())
    person: Person | None = g.me
    return person


def signed_in(view: F) -> F:
    """Send people who are not signed in to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if my_id() is None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
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


# The names of the blueprints of pages (not the JSON API's): their templates know who is signed in.
PAGE_BLUEPRINTS = {"pages"}


def blueprint(name: str, import_name: str, **options: Any) -> Blueprint:
    """A feature's blueprint of pages: a refused step comes back as its message on the page it came from."""
    pages = Blueprint(name, import_name, **options)
    pages.register_error_handler(DomainError, refused)
    PAGE_BLUEPRINTS.add(name)
    return pages


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
    person = me() if request.blueprint in PAGE_BLUEPRINTS else None
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
        "APPROVAL_LABELS": APPROVAL_LABELS,
    }


# --- sign-in -----------------------------------------------------------------------------------


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


# At most this many documents in one bulk action: each is signed or rendered, within the request's time bound.
BULK_MAX = 50


def bulk_page() -> Page:
    """A page of a list that is acted on in bulk: as many as one bulk action takes."""
    return Page(BULK_MAX, page_arg().before)


@dataclass(frozen=True)
class Done:
    """What one document of a bulk action became."""

    document: Document
    ok: bool
    message: str


def each_ticked(action: str, labels: dict[str, str]) -> list[Done]:
    """Take one action on every ticked document, in the order shown, each in its own transaction: one refused
    or failed document neither stops nor undoes the others (and SQLite's one writer is never held long)."""
    ids = [int(i) for i in request.form.getlist("document_id") if i.isdigit()][:BULK_MAX]
    done = []
    for document_id in ids:
        person = actor()
        try:
            result = actions.act(db(), runtime(), person, document_id, action, None)
            commit()
            message = labels["ok"].format(**result) if result else labels["ok"]
            done.append(Done(documents.get_document(db(), person, document_id), True, message))
        except DomainError as exc:
            if exc.recorded:
                commit()  # a failed issuance keeps its voided number
            else:
                db().rollback()
            found = db().get(Document, document_id)
            if found is not None:
                done.append(Done(found, False, exc.message))
    return done
