"""The request plumbing every blueprint shares (the JSON API, the pages, routing's, the hub's): the app's runtime,
the request's one session and its commit, who is asking, the request's body and page, the answers."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response, current_app, g, request
from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workflow import limits, outbox, paging
from workflow.accounts import service as auth
from workflow.directory import delegations
from workflow.errors import Invalid, NotFound, Unauthenticated
from workflow.models import ApiToken, Person
from workflow.runtime import Runtime

log = logging.getLogger(__name__)


def runtime() -> Runtime:
    """The app's runtime."""
    rt: Runtime = current_app.extensions["congvan"]
    return rt


def db() -> Session:
    """The request's session, opened on first use and closed at teardown (read-only for GET)."""
    if "db" not in g:
        rt = runtime()
        g.db = rt.readers() if request.method in ("GET", "HEAD") else rt.sessions()
    session: Session = g.db
    return session


def commit() -> None:
    """Commit the request's one transaction, then relay the jobs it recorded."""
    db().commit()
    outbox.relay_quietly(runtime())


@contextmanager
def failures_counted() -> Iterator[None]:
    """A refused password or code is committed (it counts towards throttling) before it is answered."""
    try:
        yield
    except Unauthenticated:
        commit()
        raise


def reauthenticated(actor: Person, password: str, code: str) -> auth.Reauthenticated:
    """The request's password or one-time code checked again before a signature; a failure is committed (it
    counts towards throttling) before it is answered."""
    with failures_counted():
        return auth.reauthenticate(db(), runtime(), actor, request.remote_addr or "", password=password, code=code)


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthenticated("login_required", "Cần đăng nhập (Authorization: Bearer <token>).")
    return header.removeprefix("Bearer ").strip()


def public_url() -> str:
    """This service's address as others reach it: PUBLIC_URL, or the one this request came to."""
    return runtime().settings.public_url or request.url_root


def page_origin() -> str:
    """The origin a page of this request's address has (scheme://host[:port]): what a browser on it sends as
    Origin to congvan-agent."""
    return request.host_url.rstrip("/")


def person_id() -> int:
    """The id of the person behind the bearer token, found on a read-only snapshot: for the slow part of a
    request (rendering, inspecting a file), which runs before its write transaction begins."""
    with runtime().readers() as reading:
        found, _ = auth.person_for_token(reading, _bearer())
        return found.id


def person() -> Person:
    """The person behind the request's bearer token."""
    if "person" not in g:
        g.person, row = auth.person_for_token(db(), _bearer())
        # Plain values: the row may be expired by a rollback before the request ends.
        g.token_id, g.token_last_used = row.id, row.last_used_at
        delegations.lend(db(), g.person, runtime().now())
    found: Person = g.person
    return found


def note_token_use() -> None:
    """Record when the request's token was last used: after the request's own transaction has ended
    (SQLite has one writer), in a short one of its own, at most every five minutes."""
    token_id: int | None = g.pop("token_id", None)
    last_used: dt.datetime | None = g.pop("token_last_used", None)
    now = dt.datetime.now(dt.UTC)
    if token_id is not None and (last_used is None or now - last_used > dt.timedelta(minutes=5)):
        try:
            with runtime().sessions() as session, session.begin():
                session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        except SQLAlchemyError:  # bookkeeping only: the request has been answered already
            log.warning("could not record the use of token %s", token_id)


def body_json() -> dict[str, Any]:
    """The JSON object body of the request, or an empty dict."""
    if not request.data:
        return {}
    depth = runtime().settings.max_json_depth
    try:
        data = request.get_json(silent=True)
    except RecursionError as exc:  # nested past the parser's own stack
        raise Invalid("json_too_deep", f"Nội dung JSON lồng quá sâu (tối đa {depth} cấp).") from exc
    if not isinstance(data, dict):
        raise Invalid("invalid_json", "Nội dung yêu cầu phải là một đối tượng JSON hợp lệ.")
    limits.check_json(data, depth)
    return data


def uploaded(missing: str) -> bytes:
    """The file a request carries: the multipart field "file" (Invalid missing_file, with `missing`, when a form
    has none), or else the raw body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("missing_file", missing, field="file")
        return upload.read()
    return request.get_data()


def inline_pdf(data: bytes, filename: str) -> Response:
    """A PDF shown in the browser, under a file name the server chose."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# What a view of the JSON API returns: its answer's model and the status; @described checks that the model is the
# one the endpoint declares for that status, and serves it.
Answered = tuple[BaseModel, int]


def ok(answer: BaseModel, status: int = 200) -> Answered:
    """An answer of the JSON API, built from its declared model."""
    return answer, status


def page_arg() -> paging.Page:
    """The page of a list the request asks for (?limit=&before=)."""
    return paging.page_of(request.args.get("limit"), request.args.get("before"))


def path_id(value: str) -> int:
    """A numeric id from the URL; anything else is an unknown id (404)."""
    if not value.isdigit() or len(value) > 12:
        raise NotFound("not_found", "Không tìm thấy.")
    return int(value)
