"""JSON API of accounts: sign-in and out, tokens, me, the second factor."""

from __future__ import annotations

from flask import Blueprint, g, request

from workflow.accounts import answers, schemas
from workflow.accounts import service as auth
from workflow.web.answers import PersonOut, moment
from workflow.web.context import Answered, commit, db, failures_counted, ok, path_id, person, runtime
from workflow.web.openapi import described

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


@bp.post("/auth/login")
@described(body=schemas.Login, answers={200: answers.LoginOut}, public=True)
def login(body: schemas.Login) -> Answered:
    """Exchange a username and password (and a TOTP code, for someone who turned it on) for a bearer token."""
    with failures_counted():
        token, who = auth.login(db(), runtime(), body.username, body.password, request.remote_addr or "", body.code)
    commit()
    return ok(answers.LoginOut(token=token, person=PersonOut.of(who)))


@bp.post("/auth/logout")
@described(answers={200: answers.Revoked})
def logout() -> Answered:
    """Revoke the token this request carries."""
    actor = person()
    row = auth.revoke_token(db(), actor, g.token_id)
    commit()
    return ok(answers.Revoked(revoked=row.id))


@bp.get("/tokens")
@described(answers={200: answers.Tokens})
def list_tokens() -> Answered:
    """The person's API tokens (never the secrets): when made, last used, revoked."""
    actor = person()
    current = g.token_id
    return ok(
        answers.Tokens(
            tokens=[
                answers.TokenOut(
                    id=t.id,
                    label=t.label,
                    created_at=moment(t.created_at),
                    last_used_at=moment(t.last_used_at),
                    revoked_at=moment(t.revoked_at),
                    current=t.id == current,
                )
                for t in auth.tokens(db(), actor)
            ]
        )
    )


@bp.delete("/tokens/<token_id>")
@described(answers={200: answers.Revoked})
def revoke_token(token_id: str) -> Answered:
    """Revoke one of the person's tokens (an admin: anyone's)."""
    row = auth.revoke_token(db(), person(), path_id(token_id))
    commit()
    return ok(answers.Revoked(revoked=row.id))


@bp.get("/me")
@described(answers={200: PersonOut})
def me() -> Answered:
    """The person behind the token."""
    return ok(PersonOut.of(person()))


@bp.post("/me/totp")
@described(body=schemas.Proof, answers={201: answers.TotpStarted})
def start_totp(body: schemas.Proof) -> Answered:
    """Begin turning on the second factor: the seed and otpauth:// address for an authenticator app (once)."""
    actor = person()
    with failures_counted():
        secret, uri = auth.start_totp(db(), runtime(), actor, body.password, request.remote_addr or "")
    commit()
    return ok(answers.TotpStarted(secret=secret, uri=uri), 201)


@bp.post("/me/totp/confirm")
@described(body=schemas.Proof, answers={200: answers.TotpState})
def confirm_totp(body: schemas.Proof) -> Answered:
    """Turn the second factor on with the first code the app shows."""
    actor = person()
    with failures_counted():
        auth.confirm_totp(db(), runtime(), actor, body.code, request.remote_addr or "")
    commit()
    return ok(answers.TotpState(totp_enabled=True))


@bp.delete("/me/totp")
@described(body=schemas.Proof, answers={200: answers.TotpState})
def stop_totp(body: schemas.Proof) -> Answered:
    """Turn the second factor off (password again)."""
    actor = person()
    with failures_counted():
        auth.stop_totp(db(), runtime(), actor, body.password, request.remote_addr or "")
    commit()
    return ok(answers.TotpState(totp_enabled=False))
