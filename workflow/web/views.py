"""JSON API (/api/v1): the blueprint, and the person's own things: sign-in, tokens, second factor, the
directory, registers, notifications. Documents and signing have their own modules on the same blueprint.

Every endpoint parses (its models, by @described), calls one service, commits once, and answers."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, current_app, g, request, send_file

from workflow import catalog, serializers
from workflow.accounts import service as auth
from workflow.directory import service as directory
from workflow.errors import NotFound
from workflow.issuance import registers
from workflow.models import RegisterEntry
from workflow.notifications import service as notifications
from workflow.web import answers, openapi, schemas
from workflow.web.context import commit, db, failures_counted, ok, path_id, person, runtime, uploaded
from workflow.web.openapi import PDF, PNG, described

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.post("/auth/login")
@described(body=schemas.Login, answers={200: answers.LoginOut}, public=True)
def login(body: schemas.Login) -> tuple[Response, int]:
    """Exchange a username and password (and a TOTP code, for someone who turned it on) for a bearer token."""
    with failures_counted():
        token, who = auth.login(db(), runtime(), body.username, body.password, request.remote_addr or "", body.code)
    commit()
    return ok({"token": token, "person": serializers.person_json(who)})


@bp.post("/auth/logout")
@described(answers={200: answers.Revoked})
def logout() -> tuple[Response, int]:
    """Revoke the token this request carries."""
    actor = person()
    row = auth.revoke_token(db(), actor, g.token_id)
    commit()
    return ok({"revoked": row.id})


@bp.get("/tokens")
@described(answers={200: answers.Tokens})
def list_tokens() -> tuple[Response, int]:
    """The person's API tokens (never the secrets): when made, last used, revoked."""
    actor = person()
    current = g.token_id
    return ok(
        {
            "tokens": [
                {
                    "id": t.id,
                    "label": t.label,
                    "created_at": serializers.iso(t.created_at),
                    "last_used_at": serializers.iso(t.last_used_at),
                    "revoked_at": serializers.iso(t.revoked_at),
                    "current": t.id == current,
                }
                for t in auth.tokens(db(), actor)
            ]
        }
    )


@bp.delete("/tokens/<token_id>")
@described(answers={200: answers.Revoked})
def revoke_token(token_id: str) -> tuple[Response, int]:
    """Revoke one of the person's tokens (an admin: anyone's)."""
    row = auth.revoke_token(db(), person(), path_id(token_id))
    commit()
    return ok({"revoked": row.id})


@bp.get("/me")
@described(answers={200: answers.PersonOut})
def me() -> tuple[Response, int]:
    """The person behind the token."""
    return ok(serializers.person_json(person()))


@bp.post("/me/totp")
@described(body=schemas.Proof, answers={201: answers.TotpStarted})
def start_totp(body: schemas.Proof) -> tuple[Response, int]:
    """Begin turning on the second factor: the seed and otpauth:// address for an authenticator app (once)."""
    actor = person()
    with failures_counted():
        secret, uri = auth.start_totp(db(), runtime(), actor, body.password, request.remote_addr or "")
    commit()
    return ok({"secret": secret, "uri": uri}, 201)


@bp.post("/me/totp/confirm")
@described(body=schemas.Proof, answers={200: answers.TotpState})
def confirm_totp(body: schemas.Proof) -> tuple[Response, int]:
    """Turn the second factor on with the first code the app shows."""
    actor = person()
    with failures_counted():
        auth.confirm_totp(db(), runtime(), actor, body.code, request.remote_addr or "")
    commit()
    return ok({"totp_enabled": True})


@bp.delete("/me/totp")
@described(body=schemas.Proof, answers={200: answers.TotpState})
def stop_totp(body: schemas.Proof) -> tuple[Response, int]:
    """Turn the second factor off (password again)."""
    actor = person()
    with failures_counted():
        auth.stop_totp(db(), runtime(), actor, body.password, request.remote_addr or "")
    commit()
    return ok({"totp_enabled": False})


@bp.get("/openapi.json")
@described(answers={200: answers.Described}, public=True)
def openapi_spec() -> tuple[Response, int]:
    """The OpenAPI description of this API, generated from the endpoints' own models."""
    # Generated once per process: the description is the code's, and the code does not change while it runs.
    described = current_app.extensions.get("openapi") or current_app.extensions.setdefault(
        "openapi", openapi.spec(current_app)
    )
    return ok(described)


@bp.get("/directory", endpoint="directory")
@described(answers={200: answers.DirectoryOut})
def directory_list() -> tuple[Response, int]:
    """Agencies, units, people and the Decree-30 vocabularies."""
    ours = person().unit.agency_id
    session = db()
    # Other agencies are addressees (name and code); their units and people are theirs alone.
    people = directory.people_of(session, ours, active_only=True)
    return ok(
        {
            "agencies": [
                {
                    "id": a.id,
                    "code": a.code,
                    "name": a.name,
                    "superior": a.superior,
                    "abbreviation": a.abbreviation,
                    "place": a.place,
                    "is_self": a.is_self,
                    "units": [{"id": u.id, "code": u.code, "name": u.name} for u in directory.units_of(session, a.id)]
                    if a.id == ours
                    else [],
                }
                for a in directory.agencies(session)
            ],
            "people": [serializers.person_json(p) for p in people],
            "doc_types": {k: {"name": n, "abbreviation": a} for k, (n, a) in catalog.DOC_TYPES.items()},
            "urgency": {k: label for k, (label, _) in catalog.URGENCY.items()},
            "confidentiality": catalog.CONFIDENTIALITY,
            "roles": catalog.ROLES,
        }
    )


def _png_response(png: bytes | None, name: str) -> Response:
    if png is None:
        raise NotFound("image_not_set", "Chưa có ảnh.")
    return send_file(io.BytesIO(png), mimetype="image/png", download_name=name)


@bp.put("/people/<person_id>/signature-image")
@described(upload=(PNG,), answers={200: answers.PersonOut})
def set_signature_image(person_id: str) -> tuple[Response, int]:
    """An admin uploads a leader's handwritten signature (transparent PNG)."""
    png = uploaded("Thiếu tệp ảnh PNG (trường 'file').")
    target = directory.set_signature_image(db(), runtime(), person(), path_id(person_id), png)
    commit()
    return ok(serializers.person_json(target))


@bp.put("/people/<person_id>/signer")
@described(body=schemas.SignerIn, answers={200: answers.SignerOut})
def set_signer(person_id: str, body: schemas.SignerIn) -> tuple[Response, int]:
    """An admin sets where a leader's key lives (kind pkcs12 / pkcs11 / csc, with the key label or credential)."""
    target = directory.set_signer(db(), person(), path_id(person_id), body.kind, body.ref)
    commit()
    return ok(serializers.person_json(target) | {"signer_ref": target.signer_ref})


@bp.get("/people/<person_id>/signature-image")
@described(answers={200: PNG})
def get_signature_image(person_id: str) -> Response:
    """A person's signature image."""
    target = directory.colleague(db(), person(), path_id(person_id))
    return _png_response(directory.image(runtime(), target.signature_image), f"chu-ky-{target.id}.png")


@bp.put("/agency/seal-image")
@described(upload=(PNG,), query=schemas.SealQuery, answers={200: answers.SealOut})
def set_seal_image(query: schemas.SealQuery) -> tuple[Response, int]:
    """An admin uploads the agency's red seal (transparent PNG) and, when the PNG states no resolution,
    its real diameter (?diameter_mm=)."""
    png = uploaded("Thiếu tệp ảnh PNG (trường 'file').")
    agency = directory.set_seal_image(db(), runtime(), person(), png, query.diameter_mm)
    commit()
    return ok({"agency_id": agency.id, "seal_image": agency.seal_image, "seal_mm": agency.seal_mm})


@bp.get("/agency/seal-image")
@described(answers={200: PNG})
def get_seal_image() -> Response:
    """The agency's seal image."""
    agency = person().unit.agency
    return _png_response(directory.image(runtime(), agency.seal_image), "con-dau.png")


@bp.get("/registers", endpoint="registers")
@described(answers={200: answers.Registers})
def register_list() -> tuple[Response, int]:
    """The outgoing registers of the person's agency."""
    actor = person()
    rows = registers.registers_of(db(), actor.unit.agency_id)
    return ok({"registers": [{"id": r.id, "code": r.code, "name": r.name, "scope": r.scope} for r in rows]})


def entry_json(e: RegisterEntry) -> dict[str, Any]:
    """A register line as the printable outgoing register shows it."""
    return {
        "number": e.number,
        "symbol": e.symbol,
        "status": e.status,
        "void_reason": e.void_reason,
        "issued_at": serializers.iso(e.issued_at),
        "doc_type": catalog.DOC_TYPES[e.doc_type][0],
        "summary": e.summary,
        "signer": e.signer_name,
        "recipients": e.recipients.splitlines(),
        "copies": e.copies,
        "document_id": e.document_id,
    }


@bp.get("/registers/<register_id>/entries")
@described(query=schemas.YearQuery, answers={200: answers.Entries})
def register_entries(register_id: str, query: schemas.YearQuery) -> tuple[Response, int]:
    """The lines of a register for a year (this year when absent), voided numbers included."""
    year = query.year or runtime().now().year
    entries = registers.register_entries(db(), person(), path_id(register_id), year)
    return ok({"year": year, "entries": [entry_json(e) for e in entries]})


@bp.get("/registers/<register_id>/entries.pdf")
@described(query=schemas.YearQuery, answers={200: PDF})
def register_pdf(register_id: str, query: schemas.YearQuery) -> Response:
    """The register of a year as a printable PDF."""
    year = query.year or runtime().now().year
    data, name = registers.register_pdf(db(), runtime(), person(), path_id(register_id), year)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@bp.get("/notifications", endpoint="notifications")
@described(query=schemas.UnreadQuery, answers={200: answers.Notifications})
def notification_list(query: schemas.UnreadQuery) -> tuple[Response, int]:
    """The person's notifications, newest first (?unread=1 for unread only)."""
    rows = notifications.notifications(db(), person(), unread_only=query.unread)
    return ok(
        {
            "notifications": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "message": n.message,
                    "document_id": n.document_id,
                    "detail": n.detail,
                    "created_at": serializers.iso(n.created_at),
                    "read": n.read_at is not None,
                }
                for n in rows
            ],
            "unread": sum(1 for n in rows if n.read_at is None),
        }
    )


@bp.post("/notifications/<notification_id>/read")
@described(answers={200: answers.Read})
def notification_read(notification_id: str) -> tuple[Response, int]:
    """Mark a notification as read."""
    found = notifications.mark_read(db(), person(), path_id(notification_id))
    commit()
    return ok({"id": found.id, "read": True})
