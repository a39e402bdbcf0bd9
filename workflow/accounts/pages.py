"""The pages of a person's account: signing in and out, the language, the second factor."""

from __future__ import annotations

import time

from flask import (
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from workflow.accounts import service as auth
from workflow.errors import DomainError, Unauthenticated
from workflow.models import Person
from workflow.web.context import commit, db, runtime
from workflow.web.pages import actor, back, blueprint, same_site_path, signed_in

bp = blueprint("accounts", __name__)


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
    return redirect(url_for("accounts.login"))


@bp.post("/language")
def language() -> BaseResponse:
    """Switch the pages between Vietnamese (the default) and English."""
    session["lang"] = "en" if request.form.get("lang") == "en" else "vi"
    return back()


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
            return redirect(url_for("accounts.account"))
        commit()
        return redirect(url_for("accounts.account"))
    pending = bool(person.totp_secret) and not person.totp_enabled
    uri = auth.totp_uri(person) if pending else None
    return render_template("workflow/account.html", pending=pending, uri=uri)
