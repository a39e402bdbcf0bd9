"""Who is speaking: sign-in with throttling, web sessions, API tokens, re-authentication and TOTP."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from workflow.audit import audit
from workflow.errors import Conflict, Invalid, NotFound, Throttled, Unauthenticated
from workflow.models import ApiToken, LoginAttempt, Person, WebSession
from workflow.runtime import Runtime


@functools.cache
def _decoy_hash() -> str:
    return generate_password_hash("congvan: the same work for unknown accounts")


def authenticate(session: Session, rt: Runtime, username: str, password: str, address: str) -> Person:
    """The active person with this username and password; too many failures are throttled (429).

    The attempt is added to the session whether it succeeds or not: callers commit it either way.
    """
    name, address = username.strip().lower()[:64], address[:64]
    throttle(session, rt, name, address)
    person = session.scalar(select(Person).where(Person.username == username))
    # The same work whether or not the account exists, so the answer's timing tells nothing.
    valid = check_password_hash(person.password_hash if person else _decoy_hash(), password)
    ok = person is not None and person.active and valid
    session.add(LoginAttempt(username=name, address=address, ok=ok))
    if person is None or not ok:
        raise Unauthenticated("bad_credentials", "Tên đăng nhập hoặc mật khẩu không đúng.")
    return person


def throttle(session: Session, rt: Runtime, name: str, address: str) -> None:
    """Refuse a sign-in after too many failures: of this account here, from this address, or of this account
    from an address it has never signed in from (so an attacker elsewhere cannot lock its owner out)."""
    now = dt.datetime.now(dt.UTC)
    window = dt.timedelta(minutes=rt.settings.login_window_minutes)

    def failures(*where: Any) -> tuple[int, dt.datetime | None]:
        query = select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.ok.is_(False), LoginAttempt.at > now - window, *where
        )
        count, oldest = session.execute(query).one()
        return int(count), oldest

    def refuse(oldest: dt.datetime | None) -> Throttled:
        wait = max(1, int(((oldest or now) + window - now).total_seconds()) + 1)
        minutes = max(1, round(wait / 60))
        message = f"Đăng nhập sai quá nhiều lần; hãy thử lại sau khoảng {minutes} phút."
        return Throttled("login_throttled", message, retry_after=wait)

    count, oldest = failures(LoginAttempt.username == name, LoginAttempt.address == address)
    if count >= rt.settings.login_max_pair_failures:
        raise refuse(oldest)
    count, oldest = failures(LoginAttempt.address == address)
    if count >= rt.settings.login_max_address_failures:
        raise refuse(oldest)
    count, oldest = failures(LoginAttempt.username == name)
    if count >= rt.settings.login_max_account_failures:
        known = session.scalar(
            select(LoginAttempt.id)
            .where(
                LoginAttempt.username == name,
                LoginAttempt.address == address,
                LoginAttempt.ok.is_(True),
                LoginAttempt.at > now - dt.timedelta(days=90),
            )
            .limit(1)
        )
        if known is None:
            raise refuse(oldest)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_web_session(session: Session, person: Person, address: str) -> str:
    """A new browser session for the person; returns the secret its cookie keeps."""
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(sid_sha256=_sha256(sid), person_id=person.id, address=address[:64]))
    return sid


def session_verdict(session: Session, rt: Runtime, sid: str) -> tuple[WebSession | None, str]:
    """A browser session and what it needs now: "gone", "end" (idle or old too long), "touch" (alive, last
    seen over a minute ago: one write a minute per person, not per request) or "alive"."""
    row = session.scalar(select(WebSession).where(WebSession.sid_sha256 == _sha256(sid)))
    if row is None or row.ended_at is not None:
        return row, "gone"
    now = dt.datetime.now(dt.UTC)
    idle = dt.timedelta(minutes=rt.settings.session_idle_minutes)
    if now - row.last_seen_at > idle or now - row.created_at > dt.timedelta(hours=rt.settings.session_max_hours):
        return row, "end"
    return row, "touch" if now - row.last_seen_at > dt.timedelta(seconds=60) else "alive"


def live_session(session: Session, rt: Runtime, sid: str) -> int | None:
    """The person id of a browser session still alive; one idle or old too long is ended now."""
    row, verdict = session_verdict(session, rt, sid)
    if row is not None and verdict == "end":
        row.ended_at = dt.datetime.now(dt.UTC)
    elif row is not None and verdict == "touch":
        row.last_seen_at = dt.datetime.now(dt.UTC)
    return row.person_id if row is not None and verdict in ("alive", "touch") else None


def end_web_session(session: Session, sid: str) -> None:
    """Sign a browser out: its session ends on the server, whatever its cookie says later."""
    row = session.scalar(select(WebSession).where(WebSession.sid_sha256 == _sha256(sid)))
    if row is not None and row.ended_at is None:
        row.ended_at = dt.datetime.now(dt.UTC)


def end_everything_of(session: Session, person_id: int) -> None:
    """End every browser session and revoke every API token of a person (disabled, new password)."""
    now = dt.datetime.now(dt.UTC)
    session.execute(
        update(WebSession).where(WebSession.person_id == person_id, WebSession.ended_at.is_(None)).values(ended_at=now)
    )
    session.execute(
        update(ApiToken).where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )


def tokens(session: Session, actor: Person) -> list[ApiToken]:
    """The actor's API tokens, newest first, revoked ones included."""
    return list(session.scalars(select(ApiToken).where(ApiToken.person_id == actor.id).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, actor: Person, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (an admin may revoke those of the agency's people)."""
    row = session.get(ApiToken, token_id)
    owner = session.get(Person, row.person_id) if row else None
    mine = row is not None and row.person_id == actor.id
    if owner is None or not (mine or (actor.has_role("admin") and owner.unit.agency_id == actor.unit.agency_id)):
        raise NotFound("token_not_found", "Không tìm thấy mã truy cập.")
    assert row is not None
    if row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)
        audit(session, actor, "token_revoked", None, token_id=row.id, person_id=row.person_id)
    return row


def login(
    session: Session, rt: Runtime, username: str, password: str, address: str, code: str = ""
) -> tuple[str, Person]:
    """Check a password (and the TOTP code of someone who turned the second factor on); a new API token."""
    person = authenticate(session, rt, username, password, address)
    second_factor(session, rt, person, code, address)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(person_id=person.id, token_sha256=_sha256(token)))
    return token, person


def token_row(session: Session, token: str) -> ApiToken | None:
    """The live (not revoked) token row of a bearer token."""
    query = select(ApiToken).where(ApiToken.token_sha256 == _sha256(token), ApiToken.revoked_at.is_(None))
    return session.scalar(query)


def person_for_token(session: Session, token: str) -> tuple[Person, ApiToken]:
    """The active person a bearer token belongs to, and the token's row."""
    row = token_row(session, token)
    person = session.get(Person, row.person_id) if row else None
    if row is None or person is None or not person.active:
        raise Unauthenticated("bad_token", "Phiên làm việc không hợp lệ hoặc đã hết hạn.")
    return person, row


@dataclass(frozen=True)
class Reauthenticated:
    """Proof, within one request, that the person typed their password or a one-time code again."""

    person_id: int


def reauthenticate(
    session: Session, rt: Runtime, actor: Person, address: str, *, password: str = "", code: str = ""
) -> Reauthenticated:
    """The signed-in person proves it is them again before a grave step: their password, or a TOTP code if
    they turned the second factor on; throttled like a sign-in."""
    if code:
        if not actor.totp_enabled:
            raise Invalid("totp_not_enabled", "Tài khoản chưa bật mã xác thực (TOTP).", field="code")
        if not check_code(session, rt, actor, code, address):
            raise Unauthenticated("reauth_failed", "Mã xác thực không đúng hoặc đã dùng; các văn bản chưa được ký.")
        return Reauthenticated(actor.id)
    if not password:
        raise Invalid("missing_field", "Cần nhập lại mật khẩu (hoặc mã xác thực) để xác nhận ký.", field="password")
    try:
        authenticate(session, rt, actor.username, password, address)
    except Unauthenticated as exc:
        raise Unauthenticated("reauth_failed", "Mật khẩu xác nhận không đúng; các văn bản chưa được ký.") from exc
    return Reauthenticated(actor.id)


TOTP_SECONDS = 30


def check_code(session: Session, rt: Runtime, person: Person, code: str, address: str) -> bool:
    """Whether a TOTP code is the person's for now (or the step before or after, for clock drift) and newer
    than the last one accepted, so a code is good once; recorded and throttled like a sign-in."""
    name, address = person.username, address[:64]
    throttle(session, rt, name, address)
    # The row is locked: two requests with the same code cannot both take it.
    locked = session.scalar(
        select(Person).where(Person.id == person.id).with_for_update().execution_options(populate_existing=True)
    )
    assert locked is not None
    accepted = None
    if locked.totp_secret and len(code) == 6 and code.isdigit():
        totp = pyotp.TOTP(locked.totp_secret, interval=TOTP_SECONDS)
        now = int(time.time()) // TOTP_SECONDS
        for step in (now - 1, now, now + 1):
            if step > (locked.totp_last_step or -1) and hmac.compare_digest(totp.generate_otp(step), code):
                accepted = step
                break
    if accepted is not None:
        locked.totp_last_step = accepted
    session.add(LoginAttempt(username=name, address=address, ok=accepted is not None))
    return accepted is not None


def second_factor(session: Session, rt: Runtime, person: Person, code: str, address: str) -> None:
    """After the password, the code of someone who turned the second factor on (nothing for the others)."""
    if not person.totp_enabled:
        return
    if not code:
        raise Unauthenticated("code_required", "Tài khoản đã bật xác thực hai lớp: cần nhập mã xác thực.")
    if not check_code(session, rt, person, code, address):
        raise Unauthenticated("bad_code", "Mã xác thực không đúng hoặc đã dùng.")


def start_totp(session: Session, rt: Runtime, actor: Person, password: str, address: str) -> tuple[str, str]:
    """Begin turning on the second factor (after the password again): a new seed, not yet in force, and the
    otpauth:// address an authenticator app reads; the first good code turns it on (confirm_totp)."""
    if actor.totp_enabled:
        raise Conflict("totp_enabled", "Xác thực hai lớp đang bật; tắt trước khi bật lại với điện thoại khác.")
    reauthenticate(session, rt, actor, address, password=password)
    secret = pyotp.random_base32()
    actor.totp_secret, actor.totp_enabled, actor.totp_last_step = secret, False, None
    audit(session, actor, "totp_started", None)
    return secret, totp_uri(actor)


def totp_uri(person: Person) -> str:
    """The otpauth:// address of a person's seed, for an authenticator app (shown only until it is confirmed)."""
    assert person.totp_secret is not None
    return pyotp.TOTP(person.totp_secret, interval=TOTP_SECONDS).provisioning_uri(
        name=person.username, issuer_name="congvan"
    )


def confirm_totp(session: Session, rt: Runtime, actor: Person, code: str, address: str) -> None:
    """Turn the second factor on with the first code the app shows."""
    if not actor.totp_secret or actor.totp_enabled:
        raise Conflict("totp_not_pending", "Chưa có mã xác thực nào đang chờ xác nhận.")
    if not check_code(session, rt, actor, code, address):
        raise Unauthenticated("bad_code", "Mã xác thực không đúng; hãy nhập mã đang hiện trong ứng dụng.")
    actor.totp_enabled = True
    audit(session, actor, "totp_enabled", None)


def stop_totp(session: Session, rt: Runtime, actor: Person, password: str, address: str) -> None:
    """Turn the second factor off (after the password again)."""
    reauthenticate(session, rt, actor, address, password=password)
    clear_totp(session, actor, actor)


def clear_totp(session: Session, actor: Person, target: Person) -> None:
    target.totp_secret, target.totp_enabled, target.totp_last_step = None, False, None
    audit(session, actor, "totp_disabled", None, person_id=target.id)
