"""JSON API of the hub (/api/v1): parse, call one service, commit once, respond."""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import Blueprint, Response, g, request, send_file

from workflow import (
    access,
    actions,
    auth,
    batches,
    catalog,
    directory,
    documents,
    drafting,
    notifications,
    openapi,
    registers,
    search,
    serializers,
)
from workflow.errors import Invalid, NotFound
from workflow.models import Person, RegisterEntry
from workflow.states import ACTIONS
from workflow.web import body_json, commit, db, failures_counted, ok, page_arg, path_id, person, person_id, runtime

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")


# --- endpoints ---------------------------------------------------------------------------


@bp.post("/auth/login")
def login() -> tuple[Response, int]:
    """Exchange a username and password (and a TOTP code, for someone who turned it on) for a bearer token."""
    data = body_json()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise Invalid("missing_field", "Cần nhập tên đăng nhập và mật khẩu.")
    code = str(data.get("code") or "")
    with failures_counted():
        token, who = auth.login(db(), runtime(), username, password, request.remote_addr or "", code)
    commit()
    return ok({"token": token, "person": serializers.person_json(who)})


@bp.post("/auth/logout")
def logout() -> tuple[Response, int]:
    """Revoke the token this request carries."""
    actor = person()
    row = auth.revoke_token(db(), actor, g.token_id)
    commit()
    return ok({"revoked": row.id})


@bp.get("/tokens")
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
def revoke_token(token_id: str) -> tuple[Response, int]:
    """Revoke one of the person's tokens (an admin: anyone's)."""
    row = auth.revoke_token(db(), person(), path_id(token_id))
    commit()
    return ok({"revoked": row.id})


@bp.get("/me")
def me() -> tuple[Response, int]:
    """The person behind the token."""
    return ok(serializers.person_json(person()))


@bp.get("/openapi.json")
def openapi_spec() -> tuple[Response, int]:
    """The OpenAPI description of this API."""
    return ok(openapi.SPEC)


@bp.get("/directory", endpoint="directory")
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


@bp.post("/documents")
def create_document() -> tuple[Response, int]:
    """Create a draft from JSON fields and body text, or from an uploaded PDF."""
    actor_id = person_id()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        data: dict[str, Any] = request.form.to_dict()
        if upload is None:
            raise Invalid("missing_file", "Thiếu tệp PDF (trường 'file').", field="file")
        pdf: bytes | None = upload.read()
    else:
        data, pdf = body_json(), None
    # Rendered or inspected first; the write transaction only stores the result.
    content = drafting.make_content(runtime(), actor_id, data, pdf)
    document = drafting.create_document(db(), runtime(), person(), data, content)
    commit()
    return ok(serializers.document_json(document), 201)


@bp.get("/documents")
def list_documents() -> tuple[Response, int]:
    """Documents of the person's agency, a page at a time: in one state, or found by words and filters."""
    filters = search.filters_of(request.args)
    rows, after = search.search(db(), person(), request.args.get("q", ""), filters, page_arg())
    return ok({"documents": [serializers.document_json(d) for d in rows], "next_before": after})


@bp.get("/documents/<doc_id>")
def get_document(doc_id: str) -> tuple[Response, int]:
    """One document with its metadata and current version."""
    return ok(serializers.document_json(documents.get_document(db(), person(), path_id(doc_id))))


@bp.post("/documents/<doc_id>/versions")
def add_version(doc_id: str) -> tuple[Response, int]:
    """A new draft version while the document is being drafted."""
    actor_id = person_id()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        data: dict[str, Any] = request.form.to_dict()
        pdf = upload.read() if upload else None
    else:
        data, pdf = body_json(), None
    content = drafting.make_content(runtime(), actor_id, data, pdf, path_id(doc_id))
    version = drafting.add_version(db(), runtime(), person(), path_id(doc_id), data, content)
    commit()
    return ok(serializers.version_json(version), 201)


@bp.get("/documents/<doc_id>/pdf")
def get_pdf(doc_id: str) -> Response:
    """The current PDF (or ?version=N), with its SHA-256 in a header."""
    seq = request.args.get("version")
    # Earlier versions are the drafting side's file; a recipient gets the current (issued) one.
    need = access.READ if seq is None else access.WORK
    document = documents.get_document(db(), person(), path_id(doc_id), need=need)
    version = document.current_version
    if seq is not None:
        match = [v for v in document.versions if str(v.seq) == seq]
        if not match:
            raise NotFound("version_not_found", "Không tìm thấy phiên bản.")
        version = match[0]
    data = documents.read_pdf(runtime(), version)
    name = f"congvan-{document.id}-v{version.seq}.pdf"
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)
    response.headers["X-Content-SHA256"] = version.sha256
    return response


@bp.post("/documents/<doc_id>/appendices")
def add_appendix(doc_id: str) -> tuple[Response, int]:
    """Attach an appendix PDF (multipart field 'file') to a draft."""
    actor_id = person_id()
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    if upload is None:
        raise Invalid("missing_file", "Thiếu tệp PDF phụ lục (trường 'file').", field="file")
    staged = drafting.stage_appendix(runtime(), actor_id, path_id(doc_id), upload.read())
    appendix = drafting.add_appendix(db(), person(), path_id(doc_id), upload.filename or "", staged)
    commit()
    return ok(serializers.appendix_json(appendix), 201)


@bp.get("/documents/<doc_id>/appendices/<seq>/pdf")
def get_appendix_pdf(doc_id: str, seq: str) -> Response:
    """An appendix PDF: the issued one (with the agency signature) once the document is issued."""
    appendix = drafting.get_appendix(db(), person(), path_id(doc_id), path_id(seq))
    sha256 = appendix.issued_sha256 or appendix.sha256
    response = send_file(
        io.BytesIO(runtime().store.get(sha256)),
        mimetype="application/pdf",
        download_name=f"congvan-{appendix.document_id}-phu-luc-{appendix.seq}.pdf",
    )
    response.headers["X-Content-SHA256"] = sha256
    return response


@bp.delete("/documents/<doc_id>/appendices/<seq>")
def remove_appendix(doc_id: str, seq: str) -> tuple[Response, int]:
    """Remove an appendix from a draft."""
    drafting.remove_appendix(db(), person(), path_id(doc_id), path_id(seq))
    commit()
    return ok({"ok": True})


def _png_response(png: bytes | None, name: str) -> Response:
    if png is None:
        raise NotFound("image_not_set", "Chưa có ảnh.")
    return send_file(io.BytesIO(png), mimetype="image/png", download_name=name)


def _png_body() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("missing_file", "Thiếu tệp ảnh PNG (trường 'file').", field="file")
        return upload.read()
    return request.get_data()


@bp.put("/people/<person_id>/signature-image")
def set_signature_image(person_id: str) -> tuple[Response, int]:
    """An admin uploads a leader's handwritten signature (transparent PNG)."""
    target = directory.set_signature_image(db(), runtime(), person(), path_id(person_id), _png_body())
    commit()
    return ok(serializers.person_json(target))


@bp.put("/people/<person_id>/signer")
def set_signer(person_id: str) -> tuple[Response, int]:
    """An admin sets where a leader's key lives (kind pkcs12 / pkcs11 / csc, with the key label or credential)."""
    data = body_json()
    target = directory.set_signer(db(), person(), path_id(person_id), data.get("kind"), data.get("ref"))
    commit()
    return ok(serializers.person_json(target) | {"signer_ref": target.signer_ref})


@bp.get("/people/<person_id>/signature-image")
def get_signature_image(person_id: str) -> Response:
    """A person's signature image."""
    target = directory.colleague(db(), person(), path_id(person_id))
    return _png_response(directory.image(runtime(), target.signature_image), f"chu-ky-{target.id}.png")


@bp.put("/agency/seal-image")
def set_seal_image() -> tuple[Response, int]:
    """An admin uploads the agency's red seal (transparent PNG)."""
    agency = directory.set_seal_image(db(), runtime(), person(), _png_body())
    commit()
    return ok({"agency_id": agency.id, "seal_image": agency.seal_image})


@bp.get("/agency/seal-image")
def get_seal_image() -> Response:
    """The agency's seal image."""
    agency = person().unit.agency
    return _png_response(directory.image(runtime(), agency.seal_image), "con-dau.png")


@bp.get("/documents/<doc_id>/signatures")
def list_signatures(doc_id: str) -> tuple[Response, int]:
    """Validate every signature in the current PDF against the agency's trust roots."""
    document = documents.get_document(db(), person(), path_id(doc_id))
    report = documents.check_signatures(runtime(), document)
    return ok({"sha256": document.current_version.sha256, **report.as_dict()})


@bp.post("/validate")
def validate() -> tuple[Response, int]:
    """Validate any signed PDF (raw body or multipart 'file'): per-signature report and a verdict."""
    person_id()  # writes nothing: no write transaction is held while the file is checked
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
    else:
        data = request.get_data()
    return ok(documents.validate_upload(runtime(), data))


@bp.get("/documents/<doc_id>/versions")
def list_versions(doc_id: str) -> tuple[Response, int]:
    """Every version of the PDF with its SHA-256."""
    document = documents.get_document(db(), person(), path_id(doc_id), need=access.WORK)
    return ok({"versions": [serializers.version_json(v) for v in document.versions]})


@bp.get("/documents/<doc_id>/events")
def list_events(doc_id: str) -> tuple[Response, int]:
    """The audit trail of a document."""
    events = drafting.events_of(db(), person(), path_id(doc_id))
    return ok(
        {
            "events": [
                {
                    "id": e.id,
                    "action": e.action,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "actor": e.actor.username if e.actor else None,
                    "detail": e.detail,
                    "at": serializers.iso(e.created_at),
                }
                for e in events
            ]
        }
    )


@bp.post("/documents/<doc_id>/comments")
def add_comment(doc_id: str) -> tuple[Response, int]:
    """Add a comment to a document."""
    comment = drafting.add_comment(db(), person(), path_id(doc_id), str(body_json().get("body") or ""))
    commit()
    return ok({"id": comment.id, "body": comment.body}, 201)


@bp.get("/documents/<doc_id>/comments")
def list_comments(doc_id: str) -> tuple[Response, int]:
    """The comments on a document."""
    comments = drafting.comments_of(db(), person(), path_id(doc_id))
    return ok(
        {
            "comments": [
                {"id": c.id, "author": c.author.full_name, "body": c.body, "at": serializers.iso(c.created_at)}
                for c in comments
            ]
        }
    )


@bp.post("/documents/<doc_id>/actions/<action>")
def document_action(doc_id: str, action: str) -> tuple[Response, int]:
    """Take a lifecycle action: submit, approve, return, sign, issue, withdraw, dispatch, recall."""
    actor = person()
    if action not in ACTIONS:
        raise NotFound("unknown_action", "Thao tác không tồn tại.")
    reason = body_json().get("reason")
    result = actions.act(db(), runtime(), actor, path_id(doc_id), action, str(reason) if reason else None)
    commit()
    document = documents.get_document(db(), actor, path_id(doc_id))
    payload = {"document": serializers.document_json(document), "result": result}
    if result.get("ok") is False:
        # Issuance that failed after taking a number (the voided entry is committed), or a refused dispatch.
        status = 503 if result["error"]["code"] == "issue_failed" else 422
        return ok({"error": result["error"], **payload}, status)
    return ok(payload)


@bp.get("/signing-book")
def signing_book() -> tuple[Response, int]:
    """The documents waiting for a leader's signature: the one who asks, or ?leader_id= for a clerk."""
    leader_id = request.args.get("leader_id")
    leader, docs = batches.signing_book_of(db(), person(), path_id(leader_id) if leader_id else None)
    return ok({"leader": serializers.person_json(leader), "documents": [serializers.document_json(d) for d in docs]})


@bp.post("/signing-batches")
def create_batch() -> tuple[Response, int]:
    """Collect a leader's waiting documents into a signing batch."""
    actor = person()
    data = body_json()
    leader_id = data.get("leader_id", actor.id if actor.has_role("leader") else None)
    ids = data.get("document_ids")
    if not isinstance(leader_id, int):
        raise Invalid("missing_field", "Cần chọn lãnh đạo ký (leader_id).", field="leader_id")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, int) for i in ids)):
        raise Invalid("invalid_field", "document_ids phải là danh sách số.", field="document_ids")
    batch = batches.create_batch(db(), actor, leader_id, ids, prepare_ahead=runtime().settings.prepare_ahead)
    commit()
    return ok(serializers.batch_json(batch), 201)


@bp.get("/signing-batches/<batch_id>")
def get_batch(batch_id: str) -> tuple[Response, int]:
    """A batch's manifest and per-document results."""
    return ok(serializers.batch_json(batches.get_batch(db(), person(), path_id(batch_id))))


@bp.post("/signing-batches/<batch_id>/confirm")
def confirm_batch(batch_id: str) -> tuple[Response, int]:
    """The leader confirms the whole batch once, with their password (or TOTP code) again; signing runs in
    the background."""
    proof = _reauthenticated(person())
    batch = batches.confirm_batch(db(), person(), path_id(batch_id), proof)
    commit()
    db().refresh(batch)
    return ok(serializers.batch_json(batch), 202)


def _reauthenticated(actor: Person) -> auth.Reauthenticated:
    """The request's password or one-time code checked again; a failure is committed (it counts towards
    throttling) before it is answered."""
    data = body_json()
    with failures_counted():
        return auth.reauthenticate(
            db(),
            runtime(),
            actor,
            request.remote_addr or "",
            password=str(data.get("password") or ""),
            code=str(data.get("code") or ""),
        )


@bp.post("/me/totp")
def start_totp() -> tuple[Response, int]:
    """Begin turning on the second factor: the seed and otpauth:// address for an authenticator app (once)."""
    actor = person()
    with failures_counted():
        secret, uri = auth.start_totp(
            db(), runtime(), actor, str(body_json().get("password") or ""), request.remote_addr or ""
        )
    commit()
    return ok({"secret": secret, "uri": uri}, 201)


@bp.post("/me/totp/confirm")
def confirm_totp() -> tuple[Response, int]:
    """Turn the second factor on with the first code the app shows."""
    actor = person()
    with failures_counted():
        auth.confirm_totp(db(), runtime(), actor, str(body_json().get("code") or ""), request.remote_addr or "")
    commit()
    return ok({"totp_enabled": True})


@bp.delete("/me/totp")
def stop_totp() -> tuple[Response, int]:
    """Turn the second factor off (password again)."""
    actor = person()
    with failures_counted():
        auth.stop_totp(db(), runtime(), actor, str(body_json().get("password") or ""), request.remote_addr or "")
    commit()
    return ok({"totp_enabled": False})


@bp.post("/signing-batches/<batch_id>/retry")
def retry_batch(batch_id: str) -> tuple[Response, int]:
    """Sign the failed documents of a batch again."""
    batch = batches.retry_batch(db(), person(), path_id(batch_id))
    commit()
    db().refresh(batch)
    return ok(serializers.batch_json(batch), 202)


@bp.get("/registers", endpoint="registers")
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


def _year() -> int:
    year_arg = request.args.get("year", str(runtime().now().year))
    if not year_arg.isdigit() or not 1900 < int(year_arg) < 3000:
        raise Invalid("invalid_year", "Năm không hợp lệ.", field="year")
    return int(year_arg)


@bp.get("/registers/<register_id>/entries")
def register_entries(register_id: str) -> tuple[Response, int]:
    """The lines of a register for a year, voided numbers included."""
    year = _year()
    entries = registers.register_entries(db(), person(), path_id(register_id), year)
    return ok({"year": year, "entries": [entry_json(e) for e in entries]})


@bp.get("/registers/<register_id>/entries.pdf")
def register_pdf(register_id: str) -> Response:
    """The register of a year as a printable PDF."""
    data, name = registers.register_pdf(db(), runtime(), person(), path_id(register_id), _year())
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


# --- notifications -----------------------------------------------------------------------------


@bp.get("/notifications", endpoint="notifications")
def notification_list() -> tuple[Response, int]:
    """The person's notifications, newest first (?unread=1 for unread only)."""
    rows = notifications.notifications(db(), person(), unread_only=request.args.get("unread") == "1")
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
def notification_read(notification_id: str) -> tuple[Response, int]:
    """Mark a notification as read."""
    found = notifications.mark_read(db(), person(), path_id(notification_id))
    commit()
    return ok({"id": found.id, "read": True})
