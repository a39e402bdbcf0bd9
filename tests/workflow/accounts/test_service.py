"""Accounts called directly, on SQLite and PostgreSQL: sign-in and its throttle, tokens, browser sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from congvan.demo_day import PASSWORD
from tests.support.factories import make_person, person
from workflow import runtime
from workflow.accounts import service as auth
from workflow.errors import NotFound, Throttled, Unauthenticated
from workflow.models import WebSession


def test_a_password_signs_in_and_failures_are_throttled_per_account_and_address(
    db_session: Session, service_runtime: runtime.Runtime
) -> None:
    rt = service_runtime
    token, who = auth.login(db_session, rt, "chuyenvien", PASSWORD, "10.0.0.1")
    assert who.username == "chuyenvien" and auth.person_for_token(db_session, token)[0] is who
    for _ in range(rt.settings.login_max_pair_failures):
        with pytest.raises(Unauthenticated):
            auth.authenticate(db_session, rt, "chuyenvien", "sai mật khẩu", "10.0.0.2")
    with pytest.raises(Throttled) as throttled:
        auth.authenticate(db_session, rt, "chuyenvien", PASSWORD, "10.0.0.2")  # even the right one, from there
    assert throttled.value.code == "login_throttled"
    assert auth.authenticate(db_session, rt, "chuyenvien", PASSWORD, "10.0.0.1") is who  # its owner, elsewhere


def test_an_unknown_or_disabled_account_gets_the_same_answer(
    db_session: Session, service_runtime: runtime.Runtime
) -> None:
    gone = make_person(db_session, active=False, password_hash=person(db_session, "chuyenvien").password_hash)
    answers = set()
    for username in ("khongcoai", gone.username):
        with pytest.raises(Unauthenticated) as refused:
            auth.authenticate(db_session, service_runtime, username, PASSWORD, "10.0.0.3")
        answers.add((refused.value.code, refused.value.message))
    assert len(answers) == 1


def test_a_token_is_revoked_by_its_owner_or_an_admin_and_by_nobody_else(
    db_session: Session, service_runtime: runtime.Runtime
) -> None:
    token, owner = auth.login(db_session, service_runtime, "chuyenvien", PASSWORD, "10.0.0.4")
    row = auth.token_row(db_session, token)
    assert row is not None
    with pytest.raises(NotFound):
        auth.revoke_token(db_session, person(db_session, "vanthu"), row.id)
    auth.revoke_token(db_session, owner, row.id)
    assert auth.token_row(db_session, token) is None
    with pytest.raises(Unauthenticated):
        auth.person_for_token(db_session, token)


def test_a_browser_session_ends_when_idle_too_long(db_session: Session, service_runtime: runtime.Runtime) -> None:
    who = person(db_session, "truongphong")
    sid = auth.start_web_session(db_session, who, "10.0.0.5")
    db_session.flush()
    assert auth.live_session(db_session, service_runtime, sid) == who.id
    row, _ = auth.session_verdict(db_session, service_runtime, sid)
    assert isinstance(row, WebSession)
    row.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=service_runtime.settings.session_idle_minutes + 1)
    assert auth.live_session(db_session, service_runtime, sid) is None
    assert row.ended_at is not None and auth.session_verdict(db_session, service_runtime, sid)[1] == "gone"
