"""Services of the hub. Each takes a session, checks, changes, writes an audit event; never commits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pyotp
from blinker import Namespace
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from signing import appearance, validation
from signing import pdf as signing_pdf
from signing.errors import PdfError, SigningError
from signing.pdf import Pades
from workflow import access, catalog, outbox, render
from workflow import limits as limits_module
from workflow.errors import Conflict, Forbidden, Invalid, NotFound, Throttled, Unauthenticated, Unprocessable
from workflow.limits import Limits
from workflow.models import (
    Agency,
    ApiToken,
    Appendix,
    AuditAnchor,
    AuditEvent,
    Comment,
    Document,
    DocumentVersion,
    LoginAttempt,
    Notification,
    Person,
    Register,
    RegisterCounter,
    RegisterEntry,
    SigningBatch,
    SigningBatchItem,
    Unit,
    WebSession,
)
from workflow.runtime import Runtime
from workflow.states import ACTION_LABELS, NEEDS_REASON, STATE_LABELS, Transition, next_state

T = TypeVar("T")

signals = Namespace()
# Sent inside the issuing transaction; receivers (routing) add their rows to the same session.
document_issued = signals.signal("document-issued")
document_recalled = signals.signal("document-recalled")


# --- people and tokens -------------------------------------------------------------------


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
    window = dt.timedelta(minutes=float(rt.config["LOGIN_WINDOW_MINUTES"]))

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
    if count >= int(rt.config["LOGIN_MAX_PAIR_FAILURES"]):
        raise refuse(oldest)
    count, oldest = failures(LoginAttempt.address == address)
    if count >= int(rt.config["LOGIN_MAX_ADDRESS_FAILURES"]):
        raise refuse(oldest)
    count, oldest = failures(LoginAttempt.username == name)
    if count >= int(rt.config["LOGIN_MAX_ACCOUNT_FAILURES"]):
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
    idle = dt.timedelta(minutes=float(rt.config["SESSION_IDLE_MINUTES"]))
    if now - row.last_seen_at > idle or now - row.created_at > dt.timedelta(
        hours=float(rt.config["SESSION_MAX_HOURS"])
    ):
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


# --- audit -------------------------------------------------------------------------------


def audit(
    session: Session,
    actor: Person | None,
    action: str,
    document: Document | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Write an audit event in the caller's transaction."""
    event = AuditEvent(
        document_id=document.id if document else None,
        actor_id=actor.id if actor else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )
    session.add(event)
    return event


# --- notifications -----------------------------------------------------------------------


def notify_role(
    session: Session, agency_id: int, role: str, kind: str, message: str, document: Document | None, **detail: Any
) -> int:
    """Notify every active person of the agency who holds the role; returns how many were notified."""
    people = session.scalars(
        select(Person).join(Unit).where(Unit.agency_id == agency_id, Person.active.is_(True))
    ).all()
    chosen = [p for p in people if p.has_role(role)]
    for person in chosen:
        session.add(
            Notification(
                person_id=person.id,
                kind=kind,
                message=message,
                document_id=document.id if document else None,
                detail=detail,
            )
        )
    return len(chosen)


def notifications(session: Session, actor: Person, unread_only: bool = False) -> list[Notification]:
    """The person's notifications, newest first."""
    query = select(Notification).where(Notification.person_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(200)))


def mark_read(session: Session, actor: Person, notification_id: int) -> Notification:
    """Mark one of the person's notifications as read."""
    found = session.get(Notification, notification_id)
    if found is None or found.person_id != actor.id:
        raise NotFound("notification_not_found", "Không tìm thấy thông báo.")
    found.read_at = found.read_at or dt.datetime.now(dt.UTC)
    return found


# --- documents ---------------------------------------------------------------------------

FIELDS = ("doc_type", "summary", "urgency", "confidentiality", "signer_id", "kinh_gui", "noi_nhan", "due_date")


@dataclass(frozen=True)
class DraftInput:
    """Validated fields of a draft."""

    doc_type: str
    summary: str
    urgency: str
    confidentiality: str
    signer_id: int
    kinh_gui: str
    noi_nhan: str
    due_date: dt.date | None
    body: str | None
    replaces_id: int | None = None


def parse_draft(data: dict[str, Any], *, need_body: bool, limits: Limits) -> DraftInput:
    """Check the fields of a draft and return them typed, or raise Invalid in Vietnamese."""
    doc_type = str(data.get("doc_type") or "")
    if doc_type not in catalog.DOC_TYPES:
        raise Invalid("invalid_doc_type", "Loại văn bản không hợp lệ.", field="doc_type")
    summary = str(data.get("summary") or "").strip()
    if not summary:
        raise Invalid("missing_field", "Thiếu trích yếu (summary).", field="summary")
    if len(summary) > 1000:
        raise Invalid("field_too_long", "Trích yếu quá dài (tối đa 1000 ký tự).", field="summary")
    urgency = str(data.get("urgency") or "thuong")
    if urgency not in catalog.URGENCY:
        raise Invalid("invalid_urgency", "Độ khẩn không hợp lệ.", field="urgency")
    confidentiality = str(data.get("confidentiality") or "thuong")
    if confidentiality not in catalog.CONFIDENTIALITY:
        raise Invalid("invalid_confidentiality", "Độ mật không hợp lệ.", field="confidentiality")
    try:
        signer_id = int(data.get("signer_id") or 0)
    except (TypeError, ValueError):
        signer_id = 0
    if not signer_id:
        raise Invalid("missing_field", "Thiếu người ký (signer_id).", field="signer_id")
    due = optional_date(data.get("due_date"), "due_date")
    replaces = data.get("replaces_id")
    if replaces is not None and (not isinstance(replaces, int) or isinstance(replaces, bool) or replaces <= 0):
        raise Invalid(
            "invalid_replaces", "Văn bản được thay thế (replaces_id) phải là mã số văn bản.", field="replaces_id"
        )
    body = data.get("body")
    if need_body and not (isinstance(body, str) and body.strip()):
        raise Invalid("missing_field", "Thiếu nội dung văn bản (body) hoặc tệp PDF (file).", field="body")
    if isinstance(body, str):
        limits_module.check_body(body, limits)
    kinh_gui, noi_nhan = _lines(data.get("kinh_gui")), _lines(data.get("noi_nhan"))
    limits_module.check_lines(kinh_gui, limits.kinh_gui_lines, limits.line_chars, "kinh_gui", "Kính gửi")
    limits_module.check_lines(noi_nhan, limits.noi_nhan_lines, limits.line_chars, "noi_nhan", "Nơi nhận")
    return DraftInput(
        doc_type=doc_type,
        summary=summary,
        urgency=urgency,
        confidentiality=confidentiality,
        signer_id=signer_id,
        kinh_gui="\n".join(kinh_gui),
        noi_nhan="\n".join(noi_nhan),
        due_date=due,
        body=body if isinstance(body, str) else None,
        replaces_id=replaces,
    )


def optional_date(value: Any, field: str, label: str = "Hạn xử lý") -> dt.date | None:
    """A date given as YYYY-MM-DD, None when absent; anything else is a 400 in Vietnamese."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise Invalid("invalid_date", f"{label} phải có dạng YYYY-MM-DD.", field=field) from exc


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def _check_pdf(rt: Runtime, data: bytes, signer_name: str | None = None) -> validation.Inspected:
    """Check an uploaded PDF in a child process with memory and CPU limits (and find its layout by the
    signer's name): never in the web process, never inside a write transaction."""
    if len(data) > int(rt.config["MAX_UPLOAD_BYTES"]):
        raise Invalid("file_too_large", "Tệp quá lớn.")
    limits = rt.limits
    try:
        found = validation.inspect_isolated(
            data,
            signer_name=signer_name,
            page_points=limits.page_points,
            page_content_bytes=limits.page_content_bytes,
        )
    except PdfError as exc:
        raise Invalid(exc.code, exc.message) from exc
    except SigningError as exc:
        raise Invalid("pdf_too_complex", exc.message) from exc
    if found.info.pages > int(rt.config["MAX_PAGES"]):
        raise Invalid("too_many_pages", "Tệp PDF có quá nhiều trang.")
    return found


def _render_basis(agency: Agency, signer: Person, fields: DraftInput) -> render.Draft:
    """What the renderer draws for a draft's fields."""
    type_name, _ = catalog.DOC_TYPES[fields.doc_type]
    marks = []
    if fields.confidentiality != "thuong":
        marks.append(catalog.CONFIDENTIALITY[fields.confidentiality])
    if fields.urgency != "thuong":
        marks.append(catalog.URGENCY[fields.urgency][0])
    noi_nhan = fields.noi_nhan.splitlines() or ["Như trên;", "Lưu: VT."]
    return render.Draft(
        superior=agency.superior,
        agency=agency.name,
        place=agency.place,
        type_name=None if fields.doc_type == "cong_van" else type_name,
        summary=fields.summary,
        body=fields.body or "",
        kinh_gui=fields.kinh_gui.splitlines(),  # công văn, tờ trình and others that address someone
        noi_nhan=noi_nhan,
        authority=signer.authority or signer.position,
        position=signer.position if signer.authority else "",
        signer_name=signer.full_name,
        marks=marks,
    )


def _add_version(
    session: Session,
    rt: Runtime,
    document: Document,
    data: bytes,
    kind: str,
    actor: Person | None,
    layout: signing_pdf.Layout | None = None,
    *,
    flush: bool = True,
    stored: bool = False,
) -> DocumentVersion:
    # `stored`: the bytes were put in the store before the transaction (content-addressed, so harmless if
    # the transaction then fails), keeping slow storage out of it.
    digest = hashlib.sha256(data).hexdigest() if stored else rt.store.put(data)
    version = DocumentVersion(
        document=document,
        seq=len(document.versions) + 1,
        kind=kind,
        sha256=digest,
        size=len(data),
        created_by_id=actor.id if actor else None,
        layout=dataclasses.asdict(layout) if layout else None,
    )
    session.add(version)
    if flush:  # a batch records many versions in one transaction and flushes once, at commit
        session.flush()
    return version


def _layout(version: DocumentVersion) -> signing_pdf.Layout:
    raw = version.layout or {}
    return signing_pdf.Layout(**{k: signing_pdf.Box(**v) for k, v in raw.items()})


def _check_signer(session: Session, agency: Agency, signer_id: int) -> Person:
    signer = session.get(Person, signer_id)
    if signer is None or not signer.has_role("leader") or signer.unit.agency_id != agency.id:
        raise Invalid("invalid_signer", "Người ký phải là lãnh đạo của cơ quan.", field="signer_id")
    return signer


@dataclass(frozen=True)
class Content:
    """A draft's PDF, made before the transaction that stores it: rendered from the fields, or uploaded and
    inspected. `basis` is what it was made from, checked again when it is stored."""

    pdf: bytes
    kind: str  # "rendered" or "uploaded"
    layout: signing_pdf.Layout
    basis: render.Draft | str  # the drawn fields, or the signer's name the upload's layout was found by


@dataclass(frozen=True)
class _Plan:
    fields: DraftInput
    signer: Person
    agency: Agency
    document: Document | None  # the draft being revised

    def basis(self, uploaded: bool) -> render.Draft | str:
        return self.signer.full_name if uploaded else _render_basis(self.agency, self.signer, self.fields)


def _plan(
    session: Session, rt: Runtime, actor: Person, data: dict[str, Any], *, uploaded: bool, document_id: int | None
) -> _Plan:
    """Check a new draft's (or a revision's) fields, signer and replaced document; change nothing."""
    if document_id is None:
        if not actor.has_role("specialist") and not actor.has_role("unit_head"):
            raise Forbidden("forbidden", "Chỉ chuyên viên hoặc lãnh đạo phòng được soạn văn bản.")
        fields = parse_draft(data, need_body=not uploaded, limits=rt.limits)
        agency = actor.unit.agency
        if fields.replaces_id is not None:
            replaced = session.scalar(select(Document).where(Document.id == fields.replaces_id, access.visible(actor)))
            if replaced is None or replaced.number is None:
                # The same answer whether it is missing, unseen or not issued: ids tell nothing.
                raise NotFound(
                    "replaced_not_found",
                    "Không tìm thấy văn bản được thay thế trong các văn bản đã phát hành mà bạn được xem.",
                    field="replaces_id",
                )
        return _Plan(fields, _check_signer(session, agency, fields.signer_id), agency, None)
    document = get_document(session, actor, document_id)
    if document.state != "drafting":
        raise Conflict("invalid_state", "Chỉ sửa được văn bản đang soạn thảo.", state=document.state)
    if actor.id != document.drafter_id:
        raise Forbidden("forbidden", "Chỉ người soạn thảo được sửa văn bản.")
    merged = {k: getattr(document, k) for k in FIELDS} | {"body": document.body} | data
    if merged.get("due_date") is not None:
        merged["due_date"] = str(merged["due_date"])
    merged["replaces_id"] = None  # fixed when the draft was created
    fields = parse_draft(merged, need_body=not uploaded, limits=rt.limits)
    fields = dataclasses.replace(fields, replaces_id=document.replaces_id)
    return _Plan(fields, _check_signer(session, document.agency, fields.signer_id), document.agency, document)


def _signed_in(session: Session, actor_id: int) -> Person:
    """The person a request was authenticated as, read again on the snapshot the slow part works on."""
    actor = session.get(Person, actor_id)
    if actor is None or not actor.active:
        raise Unauthenticated("login_required", "Cần đăng nhập.")
    return actor


def make_content(
    rt: Runtime, actor_id: int, data: dict[str, Any], pdf: bytes | None, document_id: int | None = None
) -> Content:
    """Render a draft's fields, or inspect its uploaded PDF, reading a snapshot and writing nothing: the slow
    part of saving a draft, done before the short transaction that stores it (SQLite has one writer)."""
    with rt.readers() as session:
        actor = _signed_in(session, actor_id)
        plan = _plan(session, rt, actor, data, uploaded=pdf is not None, document_id=document_id)
        basis = plan.basis(uploaded=pdf is not None)
    if pdf is not None:
        assert isinstance(basis, str)
        found = _check_pdf(rt, pdf, basis)
        assert found.layout is not None
        rt.store.put(pdf)
        return Content(pdf, "uploaded", found.layout, basis)
    assert isinstance(basis, render.Draft)
    rendered, layout = render.render(basis)
    rt.store.put(rendered)
    return Content(rendered, "rendered", layout, basis)


def _store_content(session: Session, rt: Runtime, actor: Person, plan: _Plan, content: Content) -> DocumentVersion:
    if plan.basis(uploaded=content.kind == "uploaded") != content.basis:
        raise Conflict(
            "changed_meanwhile", "Thông tin người ký hoặc cơ quan vừa được thay đổi; hãy lưu lại văn bản một lần nữa."
        )
    assert plan.document is not None
    return _add_version(session, rt, plan.document, content.pdf, content.kind, actor, content.layout, stored=True)


def create_document(session: Session, rt: Runtime, actor: Person, data: dict[str, Any], content: Content) -> Document:
    """Create a draft from its fields and its content (made by make_content before the transaction)."""
    plan = _plan(session, rt, actor, data, uploaded=content.kind == "uploaded", document_id=None)
    document = _document_from(
        plan.agency,
        plan.fields,
        drafting_unit_id=actor.unit_id,
        drafter=actor,
        signer_id=plan.fields.signer_id,
        state="drafting",
    )
    session.add(document)
    session.flush()
    session.refresh(document, ["signer", "agency", "versions"])
    version = _store_content(session, rt, actor, dataclasses.replace(plan, document=document), content)
    audit(session, actor, "create", document, None, "drafting", sha256=version.sha256)
    return document


def _document_from(agency: Agency, fields: DraftInput, **more: Any) -> Document:
    return Document(
        agency=agency,
        doc_type=fields.doc_type,
        summary=fields.summary,
        body=fields.body,
        urgency=fields.urgency,
        confidentiality=fields.confidentiality,
        kinh_gui=fields.kinh_gui,
        noi_nhan=fields.noi_nhan,
        due_date=fields.due_date,
        replaces_id=fields.replaces_id,
        **more,
    )


def preview(rt: Runtime, actor_id: int, data: dict[str, Any]) -> bytes:
    """The PDF a draft's fields and body would render to, without storing anything (and outside any
    transaction)."""
    with rt.readers() as session:
        actor = _signed_in(session, actor_id)
        fields = parse_draft(data, need_body=True, limits=rt.limits)
        agency = actor.unit.agency
        draft = _render_basis(agency, _check_signer(session, agency, fields.signer_id), fields)
    pdf, _ = render.render(draft)
    return pdf


def add_version(
    session: Session, rt: Runtime, actor: Person, document_id: int, data: dict[str, Any], content: Content
) -> DocumentVersion:
    """Store a new draft version (new PDF, or fields/body re-rendered by make_content); only while drafting."""
    plan = _plan(session, rt, actor, data, uploaded=content.kind == "uploaded", document_id=document_id)
    document = plan.document
    assert document is not None
    if data:
        for name in FIELDS:
            setattr(document, name, getattr(plan.fields, name))
        document.body = plan.fields.body
        session.flush()
        session.refresh(document, ["signer"])
    version = _store_content(session, rt, actor, plan, content)
    audit(session, actor, "new_version", document, sha256=version.sha256, seq=version.seq)
    return version


def add_comment(session: Session, actor: Person, document_id: int, body: str) -> Comment:
    """Add a comment to a document the person works on."""
    document = get_document(session, actor, document_id, need=access.WORK)
    if not body.strip():
        raise Invalid("missing_field", "Nội dung ý kiến không được để trống.", field="body")
    comment = Comment(document_id=document.id, author_id=actor.id, body=body.strip())
    session.add(comment)
    audit(session, actor, "comment", document)
    return comment


def events_of(session: Session, actor: Person, document_id: int) -> list[AuditEvent]:
    """The audit trail of a document the person works on, in order."""
    document = get_document(session, actor, document_id, need=access.WORK)
    query = select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.id)
    return list(session.scalars(query.options(joinedload(AuditEvent.actor))))


def comments_of(session: Session, actor: Person, document_id: int) -> list[Comment]:
    """The comments on a document the person works on, in order."""
    document = get_document(session, actor, document_id, need=access.WORK)
    query = select(Comment).where(Comment.document_id == document.id).order_by(Comment.id)
    return list(session.scalars(query.options(joinedload(Comment.author))))


def signers_for(session: Session, person_id: int) -> list[Person]:
    """The leaders of a person's own agency, who may sign what they draft."""
    agency_id = session.scalar(
        select(Unit.agency_id).join(Person, Person.unit_id == Unit.id).where(Person.id == person_id)
    )
    people = session.scalars(
        select(Person)
        .join(Unit, Person.unit_id == Unit.id)
        .where(Person.active.is_(True), Unit.agency_id == agency_id)
        .order_by(Person.id)
    )
    return [p for p in people if p.has_role("leader")]


def colleague(session: Session, actor: Person, person_id: int | None) -> Person:
    """A person of the actor's agency (404 for anyone else: nobody acts on another agency's people)."""
    found = session.get(Person, person_id) if person_id is not None else None
    if found is None or found.unit.agency_id != actor.unit.agency_id:
        raise NotFound("person_not_found", "Không tìm thấy người dùng.")
    return found


def get_document(
    session: Session, actor: Person, document_id: int, *, lock: bool = False, need: str = access.READ
) -> Document:
    """Load a document the actor may see (404 otherwise, as if it did not exist), optionally locking its row;
    `need` WORK asks for the drafting agency's own file (versions, history, comments), not just the document."""
    query = select(Document).where(Document.id == document_id, access.visible(actor))
    # A locked row is read alone (FOR UPDATE and outer joins do not mix); otherwise in one round trip.
    query = query.with_for_update() if lock else query.options(*DOCUMENT_LOADS)
    document = session.scalar(query)
    if document is None:
        raise NotFound("document_not_found", "Không tìm thấy văn bản.")
    if need != access.READ and not access.allows(actor, document, need):
        raise Forbidden("recipient_only", "Đơn vị nhận chỉ xem văn bản đã phát hành, không xem hồ sơ soạn thảo.")
    return document


def waiting_counts(session: Session, person: Person) -> dict[str, int]:
    """What waits for the person in the workflow, by kind (the counters of the menu)."""
    agency = Document.agency_id == person.unit.agency_id
    counts: dict[str, int] = {}

    def count(*where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(Document).where(agency, *where)) or 0)

    if person.has_role("specialist"):
        counts["returned"] = count(
            Document.drafter_id == person.id, Document.state == "drafting", Document.return_reason.is_not(None)
        )
    if person.has_role("unit_head"):
        counts["review"] = count(Document.state == "in_review", Document.drafting_unit_id == person.unit_id)
    if person.has_role("leader"):
        counts["signing"] = count(Document.state == "awaiting_signature", Document.signer_id == person.id)
    if person.has_role("clerk"):
        counts["issue"] = count(Document.state == "signed")
    return counts


@dataclass(frozen=True)
class Page:
    """One page of a newest-first list: at most `limit` rows whose id is below `before` (keyset paging)."""

    limit: int = 20
    before: int | None = None


FIRST_PAGE = Page()
MAX_PAGE = 200

# What a document's JSON or table row reads, loaded with the list instead of one query per row.
DOCUMENT_LOADS = (
    joinedload(Document.drafting_unit),
    joinedload(Document.drafter),
    joinedload(Document.signer),
    selectinload(Document.versions),
    selectinload(Document.appendices),
)


def page_of(limit: str | None, before: str | None) -> Page:
    """The page a request asks for (?limit=&before=), checked."""
    if limit is not None and (not limit.isdigit() or not 0 < int(limit) <= MAX_PAGE):
        raise Invalid("invalid_limit", f"Số dòng mỗi trang (limit) phải từ 1 đến {MAX_PAGE}.", field="limit")
    if before is not None and (not before.isdigit() or len(before) > 12):
        raise Invalid("invalid_before", "Vị trí trang (before) phải là một số.", field="before")
    return Page(int(limit) if limit else Page.limit, int(before) if before else None)


def paged(session: Session, query: Any, column: Any, page: Page) -> tuple[list[Any], int | None]:
    """Run a query newest first one page at a time; return its rows and the `before` of the next page."""
    if page.before is not None:
        query = query.where(column < page.before)
    rows = list(session.scalars(query.order_by(column.desc()).limit(page.limit + 1)))
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, int(rows[-1].id)


def visible_page(
    session: Session, actor: Person, where: list[Any], page: Page = FIRST_PAGE
) -> tuple[list[Document], int | None]:
    """A page of the documents the actor may see that meet `where`, newest first (each rule by its index)."""
    ids = access.newest_ids(actor, where, page.before, page.limit + 1)
    query = select(Document).where(Document.id.in_(ids)).options(*DOCUMENT_LOADS)
    return paged(session, query, Document.id, Page(page.limit))


def list_documents(
    session: Session, actor: Person, state: str | None = None, page: Page = FIRST_PAGE, *, mine: bool = False
) -> tuple[list[Document], int | None]:
    """Documents the actor may see, newest first, optionally in one state or drafted by the actor."""
    where = [Document.state == state] if state else []
    if mine:
        where.append(Document.drafter_id == actor.id)
    return visible_page(session, actor, where, page)


def check_signatures(rt: Runtime, document: Document) -> validation.Report:
    """Validate the signatures of a document's current PDF against the trusted roots (our own file)."""
    try:
        return validation.report(read_pdf(rt, document.current_version), rt.keyring.trust_roots)
    except PdfError as exc:
        raise Unprocessable(exc.code, exc.message) from exc


def validate_upload(rt: Runtime, data: bytes) -> dict[str, Any]:
    """Validate any signed PDF from outside, in an isolated process, against the configured trust list."""
    if not data:
        raise Invalid("missing_file", "Thiếu tệp PDF cần kiểm tra.", field="file")
    if len(data) > int(rt.config["MAX_UPLOAD_BYTES"]):
        raise Invalid("file_too_large", "Tệp quá lớn.")
    roots = rt.keyring.trust_roots
    try:
        answer = validation.report_isolated(data, b"".join(validation.cert_pem(c) for c in roots))
    except PdfError as exc:
        raise Invalid(exc.code, exc.message) from exc
    except SigningError as exc:  # past the checker's limits: the same answer as an upload's
        raise Invalid("pdf_too_complex", exc.message) from exc
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        **answer,
        "trust_list": [c.subject.human_friendly for c in roots],
    }


def read_pdf(rt: Runtime, version: DocumentVersion) -> bytes:
    """The bytes of a version, checked against its recorded SHA-256."""
    return rt.store.get(version.sha256)


# --- appendices, signature and seal images ------------------------------------------------

MAX_APPENDICES = 20


@dataclass(frozen=True)
class Staged:
    """An uploaded file checked and stored before the transaction that records it."""

    sha256: str
    size: int


def stage_appendix(rt: Runtime, actor_id: int, document_id: int, pdf: bytes) -> Staged:
    """Check an appendix PDF (in the isolated checker) and store its bytes, outside any transaction, once a
    read-only snapshot shows the person may add it."""
    with rt.readers() as session:
        actor = _signed_in(session, actor_id)
        _appendix_allowed(actor, get_document(session, actor, document_id))
    _check_pdf(rt, pdf)
    return Staged(rt.store.put(pdf), len(pdf))


def _appendix_allowed(actor: Person, document: Document) -> None:
    if document.state != "drafting":
        raise Conflict("invalid_state", "Chỉ thêm phụ lục khi văn bản đang soạn thảo.", state=document.state)
    if actor.id != document.drafter_id:
        raise Forbidden("forbidden", "Chỉ người soạn thảo được thêm phụ lục.")
    if len(document.appendices) >= MAX_APPENDICES:
        raise Conflict("too_many_appendices", f"Mỗi văn bản có tối đa {MAX_APPENDICES} phụ lục.")


def add_appendix(session: Session, actor: Person, document_id: int, filename: str, staged: Staged) -> Appendix:
    """Attach an appendix PDF (staged by stage_appendix) to a draft; it is signed by the agency at issuance."""
    document = get_document(session, actor, document_id, lock=True)
    _appendix_allowed(actor, document)
    name = " ".join(filename.replace("\\", "/").rsplit("/", 1)[-1].split())[:200] or "phu-luc.pdf"
    appendix = Appendix(
        document_id=document.id,
        seq=max((a.seq for a in document.appendices), default=0) + 1,
        filename=name,
        sha256=staged.sha256,
        size=staged.size,
        created_by_id=actor.id,
    )
    session.add(appendix)
    session.flush()
    audit(session, actor, "appendix_added", document, seq=appendix.seq, sha256=appendix.sha256, filename=name)
    return appendix


def get_appendix(session: Session, actor: Person, document_id: int, seq: int) -> Appendix:
    """One appendix of a document the actor may see."""
    document = get_document(session, actor, document_id)
    for appendix in document.appendices:
        if appendix.seq == seq:
            return appendix
    raise NotFound("appendix_not_found", "Không tìm thấy phụ lục.")


def remove_appendix(session: Session, actor: Person, document_id: int, seq: int) -> None:
    """Remove an appendix from a draft."""
    appendix = get_appendix(session, actor, document_id, seq)
    document = get_document(session, actor, document_id, lock=True)
    if document.state != "drafting" or actor.id != document.drafter_id:
        raise Conflict("invalid_state", "Chỉ người soạn thảo bỏ được phụ lục khi văn bản đang soạn thảo.")
    session.delete(appendix)
    audit(session, actor, "appendix_removed", document, seq=seq, sha256=appendix.sha256)


def _check_image(png: bytes) -> None:
    try:
        appearance.check_image(png)
    except SigningError as exc:
        raise Invalid(exc.code, exc.message) from exc


def set_signature_image(session: Session, rt: Runtime, actor: Person, person_id: int, png: bytes) -> Person:
    """An admin sets a leader's handwritten signature image (transparent PNG)."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được cập nhật ảnh chữ ký.")
    target = colleague(session, actor, person_id)
    _check_image(png)
    target.signature_image = rt.store.put(png, ".png")
    audit(session, actor, "signature_image_set", None, person_id=target.id, sha256=target.signature_image)
    return target


def set_seal_image(session: Session, rt: Runtime, actor: Person, png: bytes) -> Agency:
    """An admin sets the red seal image (transparent PNG) of their own agency."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được cập nhật ảnh con dấu.")
    _check_image(png)
    agency = actor.unit.agency
    agency.seal_image = rt.store.put(png, ".png")
    audit(session, actor, "seal_image_set", None, agency_id=agency.id, sha256=agency.seal_image)
    return agency


def set_signer(session: Session, actor: Person, person_id: int, kind: Any, ref: Any) -> Person:
    """An admin chooses where a leader's signing key lives: PKCS#12 file, PKCS#11 token, or remote (CSC)."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được cấu hình khóa ký số.")
    target = colleague(session, actor, person_id)
    if kind not in catalog.SIGNER_KINDS:
        raise Invalid("invalid_signer_kind", "Loại khóa ký không hợp lệ (pkcs12, pkcs11, csc).", field="kind")
    ref = str(ref or "").strip()
    if kind != "pkcs12" and not ref:
        raise Invalid("missing_field", "Cần nhãn khóa trên thiết bị hoặc mã chứng thư của dịch vụ ký.", field="ref")
    if len(ref) > 255:
        raise Invalid("invalid_field", "Nhãn khóa quá dài.", field="ref")
    target.signer_kind, target.signer_ref = kind, ref if kind != "pkcs12" else ""
    audit(session, actor, "signer_set", None, person_id=target.id, kind=kind, ref=target.signer_ref)
    return target


# --- the directory (admin) ----------------------------------------------------------------


def _admin(actor: Person) -> None:
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được thực hiện thao tác này.")


def _text(data: dict[str, Any], name: str, label: str, *, required: bool = True, longest: int = 255) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise Invalid("missing_field", f"Thiếu {label}.", field=name)
    if len(value) > longest:
        raise Invalid("field_too_long", f"{label.capitalize()} quá dài (tối đa {longest} ký tự).", field=name)
    return value


def save_person(session: Session, actor: Person, person_id: int | None, data: dict[str, Any]) -> Person:
    """An admin adds a person or changes one: name, unit, position, authority line, roles, active, password."""
    _admin(actor)
    agency_id = actor.unit.agency_id
    if person_id is None:
        username = _text(data, "username", "tên đăng nhập", longest=64)
        if not re.fullmatch(r"[a-z0-9_.]+", username):
            raise Invalid(
                "invalid_username", "Tên đăng nhập chỉ gồm chữ thường không dấu, số, '_' và '.'.", field="username"
            )
        if session.scalar(select(Person).where(Person.username == username)) is not None:
            raise Conflict("username_taken", "Tên đăng nhập đã có người dùng.")
        target = Person(username=username, password_hash="")
    else:
        target = colleague(session, actor, person_id)
    unit = session.get(Unit, int(data.get("unit_id") or 0))
    if unit is None or unit.agency_id != agency_id:
        raise Invalid("invalid_unit", "Đơn vị không hợp lệ.", field="unit_id")
    roles = data.get("roles") or []
    if not isinstance(roles, list) or not roles or any(r not in catalog.ROLES for r in roles):
        raise Invalid("invalid_roles", "Chọn ít nhất một vai trò hợp lệ.", field="roles")
    password = str(data.get("password") or "")
    if person_id is None or password:
        if len(password) < 10:
            raise Invalid("weak_password", "Mật khẩu cần ít nhất 10 ký tự.", field="password")
        target.password_hash = generate_password_hash(password)
    if target.id == actor.id and ("admin" not in roles or not data.get("active", True)):
        raise Conflict("self_lockout", "Không thể tự bỏ quyền quản trị hay khóa chính mình.")
    target.full_name = _text(data, "full_name", "họ và tên")
    target.unit_id = unit.id
    target.position = _text(data, "position", "chức vụ", required=False, longest=128)
    target.authority = _text(data, "authority", "dòng thẩm quyền", required=False, longest=128)
    target.roles = " ".join(r for r in catalog.ROLES if r in roles)
    target.active = bool(data.get("active", True))
    if target.id is not None and (not target.active or password):
        end_everything_of(session, target.id)  # disabled, or a new password: every session ends now
    session.add(target)
    session.flush()
    audit(session, actor, "person_saved", None, person_id=target.id, roles=target.roles, active=target.active)
    return target


def save_unit(session: Session, actor: Person, unit_id: int | None, data: dict[str, Any]) -> Unit:
    """An admin adds a unit or renames one (code, name, other names used in Nơi nhận)."""
    _admin(actor)
    code = _text(data, "code", "mã đơn vị", longest=32)
    if unit_id is None:
        target = Unit(agency_id=actor.unit.agency_id, code=code, name="")
    else:
        found = session.get(Unit, unit_id)
        if found is None or found.agency_id != actor.unit.agency_id:
            raise NotFound("unit_not_found", "Không tìm thấy đơn vị.")
        target = found
    clash = session.scalar(select(Unit).where(Unit.agency_id == actor.unit.agency_id, Unit.code == code))
    if clash is not None and clash is not target:
        raise Conflict("unit_code_taken", "Mã đơn vị đã có.")
    target.code, target.name = code, _text(data, "name", "tên đơn vị")
    target.aliases = _text(data, "aliases", "tên gọi khác", required=False, longest=4000)
    session.add(target)
    session.flush()
    audit(session, actor, "unit_saved", None, unit_id=target.id, code=target.code)
    return target


def save_register(session: Session, actor: Person, register_id: int, data: dict[str, Any]) -> Register:
    """An admin renames a register or changes its symbol patterns ({type}, {agency}, {unit})."""
    _admin(actor)
    target = session.get(Register, register_id)
    if target is None or target.agency_id != actor.unit.agency_id:
        raise NotFound("register_not_found", "Không tìm thấy sổ đăng ký.")
    patterns = {}
    for name in ("typed_pattern", "cong_van_pattern"):
        value = _text(data, name, "mẫu ký hiệu", longest=64)
        if not SYMBOL_PATTERN.fullmatch(value):
            raise Invalid(
                "invalid_pattern",
                "Mẫu ký hiệu chỉ gồm {type}, {agency}, {unit}, chữ, số và các dấu - / . & (không có khoảng trắng).",
                field=name,
            )
        patterns[name] = value
    target.name = _text(data, "name", "tên sổ")
    target.typed_pattern, target.cong_van_pattern = patterns["typed_pattern"], patterns["cong_van_pattern"]
    audit(session, actor, "register_saved", None, register_id=target.id, **patterns)
    return target


def image(rt: Runtime, sha256: str | None) -> bytes | None:
    """A stored signature or seal image, checked against its SHA-256; None when not set."""
    return rt.store.get(sha256, ".png") if sha256 else None


# --- transitions -------------------------------------------------------------------------


def may_act(person: Person, document: Document, actor_kind: str) -> bool:
    """Whether a person is the kind of actor a transition needs, for this document (the rules of access.py)."""
    return actor_kind in access.relations(person, document)


def check(actor: Person | None, document: Document, action: str) -> Transition:
    """The transition an action would take, or 409 if not allowed now, 403 if not this person."""
    step = next_state(document.state, action)
    if step is None:
        raise Conflict(
            "invalid_transition",
            f"Không thể {ACTION_LABELS.get(action, action)} khi văn bản đang ở trạng thái "
            f"“{STATE_LABELS[document.state]}”.",
            state=document.state,
            action=action,
        )
    if actor is not None and not may_act(actor, document, step.actor):
        raise Forbidden("forbidden_action", "Bạn không có quyền thực hiện thao tác này với văn bản.")
    return step


def transition(
    session: Session,
    actor: Person | None,
    document: Document,
    action: str,
    reason: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Apply (state, action) from the table: 409 if not allowed now, 403 if not this person."""
    step = check(actor, document, action)
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise Invalid("reason_required", "Cần nêu lý do.", field="reason")
    before = document.state
    document.state = step.target
    if action == "return":
        document.return_reason = reason
    if reason:
        detail["reason"] = reason
    return audit(session, actor, action, document, before, step.target, **detail)


def act(
    session: Session, rt: Runtime, actor: Person, document_id: int, action: str, reason: str | None = None
) -> dict[str, Any]:
    """Take a lifecycle action on a document through the API; returns what happened."""
    document = get_document(session, actor, document_id, lock=True)
    if action == "approve":
        return approve(session, rt, actor, document)
    if action == "sign":
        if document.signer.signer_kind == "csc":
            return sign_remotely(session, actor, document)
        sign_now(session, rt, actor, document)
        return {}
    if action == "issue":
        return issue(session, rt, actor, document)
    if action in ("submit", "withdraw", "return", "recall"):
        transition(session, actor, document, action, reason)
        if action == "recall":
            document_recalled.send(session, document=document, actor=actor, reason=reason)
        return {}
    if action == "dispatch":
        check(actor, document, "dispatch")
        return dispatch(session, actor, document)
    raise NotFound("unknown_action", "Thao tác không tồn tại.")


def approve(session: Session, rt: Runtime, actor: Person, document: Document) -> dict[str, Any]:
    """Approve a draft: add the empty number/date fields and the leader's signature field."""
    version = document.current_version
    transition(session, actor, document, "approve", sha256_reviewed=version.sha256)
    try:
        prepared = signing_pdf.prepare(read_pdf(rt, version), _layout(version))
    except PdfError as exc:
        raise Unprocessable(exc.code, exc.message) from exc
    new = _add_version(session, rt, document, prepared, "prepared", actor, _layout(version))
    return {"sha256": new.sha256}


def at_pades_level(rt: Runtime, make: Callable[[Pades], T]) -> tuple[T, bool]:
    """Sign at the configured PAdES level; if the TSA is down, raise, or (TSA_FAILURE=defer) sign B-B.

    Returns the result and whether it was deferred, so the caller flags the documents: never
    silently weaker.
    """
    try:
        return make(rt.pades), False
    except SigningError as exc:
        if exc.code != "tsa_unavailable" or rt.config["TSA_FAILURE"] != "defer":
            raise
    return make(signing_pdf.B_B), True


def with_tsa_policy(
    session: Session, rt: Runtime, actor: Person | None, document: Document, make: Callable[[Pades], bytes]
) -> bytes:
    """Sign one document under the TSA policy; a deferred one carries timestamp_due and an audit event."""
    data, deferred = at_pades_level(rt, make)
    if deferred:
        document.timestamp_due = True
        audit(session, actor, "timestamp_deferred", document, level=rt.pades.level)
    return data


def _sign_pdf(session: Session, rt: Runtime, document: Document) -> DocumentVersion:
    signer = document.signer
    key = rt.keyring.person(signer)
    data = read_pdf(rt, document.current_version)
    signed = with_tsa_policy(
        session,
        rt,
        signer,
        document,
        lambda pades: signing_pdf.sign_leader(
            data,
            key,
            signer_name=signer.full_name,
            position=", ".join(x for x in (signer.authority, signer.position) if x),
            agency=document.agency.name,
            moment=rt.now(),
            font=rt.font,
            image=image(rt, signer.signature_image),
            pades=pades,
        ),
    )
    document.signed_at = dt.datetime.now(dt.UTC)
    return _add_version(session, rt, document, signed, "leader_signed", signer)


def sign_now(session: Session, rt: Runtime, actor: Person | None, document: Document, **detail: Any) -> DocumentVersion:
    """Sign one document with the designated leader's key (urgent ones, or one at a time)."""
    seen = document.current_version.sha256
    transition(session, actor, document, "sign", **detail)
    try:
        version = _sign_pdf(session, rt, document)
    except SigningError as exc:
        raise Unprocessable(exc.code, exc.message) from exc
    session.flush()
    audit(session, actor, "signature_applied", document, sha256_signed=seen, sha256=version.sha256)
    return version


def sign_remotely(session: Session, actor: Person, document: Document) -> dict[str, Any]:
    """Sign one document (an urgent one) with a remote key: a batch of one, confirmed at once.

    The leader approves on their phone; the document is signed when the job gets the approval.
    """
    check(actor, document, "sign")
    batch = SigningBatch(leader_id=document.signer_id, created_by_id=actor.id, state="signing")
    batch.confirmed_at = dt.datetime.now(dt.UTC)
    batch.items.append(SigningBatchItem(document_id=document.id, sha256=document.current_version.sha256))
    session.add(batch)
    session.flush()
    audit(session, actor, "batch_confirmed", document, batch_id=batch.id, count=1, remote=True)
    outbox.add(session, "signing", "workflow.jobs.sign_batch", batch_id=batch.id)
    return {"batch_id": batch.id, "awaiting_approval": True}


# --- signing batches ---------------------------------------------------------------------


def signing_book(session: Session, leader: Person) -> list[Document]:
    """Documents waiting for this leader's signature."""
    query = select(Document).where(Document.signer_id == leader.id, Document.state == "awaiting_signature")
    return list(session.scalars(query.order_by(Document.id)))


def signing_book_of(session: Session, actor: Person, leader_id: int | None) -> tuple[Person, list[Document]]:
    """A leader's signing book as the actor may see it: their own, or a leader of the agency's for a clerk."""
    if leader_id is None:
        if not actor.has_role("leader"):
            raise Forbidden("forbidden", "Chỉ lãnh đạo có sổ trình ký; văn thư chọn lãnh đạo (leader_id).")
        return actor, signing_book(session, actor)
    leader = session.get(Person, leader_id)
    mine = leader is not None and leader.unit.agency_id == actor.unit.agency_id
    if leader is None or not leader.has_role("leader") or not actor.has_role("clerk") or not mine:
        raise NotFound("leader_not_found", "Không tìm thấy sổ trình ký của lãnh đạo này.")
    return leader, signing_book(session, leader)


def create_batch(
    session: Session,
    actor: Person | None,
    leader_id: int,
    document_ids: list[int] | None = None,
    *,
    prepare_ahead: bool = False,
) -> SigningBatch:
    """Collect a leader's approved non-urgent documents into a batch to confirm once.

    With prepare_ahead, a job prepares the signatures while the batch waits for the leader.
    """
    leader = session.get(Person, leader_id)
    theirs = actor is not None and leader is not None and leader.unit.agency_id != actor.unit.agency_id
    if leader is None or not leader.has_role("leader") or theirs:
        raise Invalid("invalid_leader", "Người ký không phải là lãnh đạo.", field="leader_id")
    if actor is not None and not (actor.has_role("clerk") or actor.id == leader.id):
        raise Forbidden("forbidden", "Chỉ văn thư hoặc chính lãnh đạo được lập lô trình ký.")
    busy = set(
        session.scalars(
            select(SigningBatchItem.document_id)
            .join(SigningBatch)
            .where(SigningBatch.state.in_(("open", "signing")), SigningBatchItem.status == "pending")
        )
    )
    candidates = [d for d in signing_book(session, leader) if not catalog.is_urgent(d.urgency) and d.id not in busy]
    if document_ids is not None:
        wanted = set(document_ids)
        candidates = [d for d in candidates if d.id in wanted]
        missing = wanted - {d.id for d in candidates}
        if missing:
            raise Conflict(
                "not_in_signing_book",
                "Có văn bản không ở trong sổ trình ký của lãnh đạo này (hoặc đã thuộc lô khác).",
                document_ids=sorted(missing),
            )
    if not candidates:
        raise Conflict("nothing_to_sign", "Không có văn bản nào chờ ký trong sổ trình ký.")
    batch = SigningBatch(leader_id=leader.id, created_by_id=actor.id if actor else None)
    session.add(batch)
    for document in candidates:
        batch.items.append(SigningBatchItem(document_id=document.id, sha256=document.current_version.sha256))
    session.flush()
    audit(session, actor, "batch_created", None, batch_id=batch.id, documents=[d.id for d in candidates])
    if prepare_ahead:
        outbox.add(session, "signing", "workflow.jobs.prepare_batch", batch_id=batch.id)
    return batch


def get_batch(session: Session, actor: Person, batch_id: int, *, lock: bool = False) -> SigningBatch:
    """A batch visible to the actor (its leader, or a clerk of the agency)."""
    query = select(SigningBatch).where(SigningBatch.id == batch_id)
    if lock:
        query = query.with_for_update()
    batch = session.scalar(query)
    if batch is None or not (
        actor.id == batch.leader_id or (actor.has_role("clerk") and batch.leader.unit.agency_id == actor.unit.agency_id)
    ):
        raise NotFound("batch_not_found", "Không tìm thấy lô trình ký.")
    return batch


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
    _clear_totp(session, actor, actor)


def reset_totp(session: Session, actor: Person, person_id: int) -> Person:
    """An admin turns a person's second factor off (a lost phone); they sign in and confirm with the password."""
    _admin(actor)
    target = colleague(session, actor, person_id)
    _clear_totp(session, actor, target)
    return target


def _clear_totp(session: Session, actor: Person, target: Person) -> None:
    target.totp_secret, target.totp_enabled, target.totp_last_step = None, False, None
    audit(session, actor, "totp_disabled", None, person_id=target.id)


def confirm_batch(session: Session, actor: Person, batch_id: int, proof: Reauthenticated) -> SigningBatch:
    """The leader confirms the whole batch once, having re-authenticated; signing runs in the background."""
    batch = get_batch(session, actor, batch_id, lock=True)
    if actor.id != batch.leader_id or proof.person_id != actor.id:
        raise Forbidden("forbidden_action", "Chỉ lãnh đạo ký mới được xác nhận lô trình ký.")
    if batch.state != "open":
        return batch  # confirming twice signs nothing twice
    batch.state = "signing"
    batch.confirmed_at = dt.datetime.now(dt.UTC)
    items = session.scalars(  # the documents and their versions in two queries, not two per document
        select(SigningBatchItem)
        .where(SigningBatchItem.batch_id == batch.id)
        .options(selectinload(SigningBatchItem.document).selectinload(Document.versions))
        .execution_options(populate_existing=True)
    ).all()
    for item in items:
        if item.document.current_version.sha256 != item.sha256 or item.document.state != "awaiting_signature":
            item.status = "failed"
            item.error = "Văn bản đã thay đổi sau khi lập lô; cần lập lô mới."
    audit(session, actor, "batch_confirmed", None, batch_id=batch.id, count=len(batch.items))
    outbox.add(session, "signing", "workflow.jobs.sign_batch", batch_id=batch.id)
    return batch


def retry_batch(session: Session, actor: Person, batch_id: int) -> SigningBatch:
    """Put the failed documents of a batch back to pending and sign them again (only them)."""
    batch = get_batch(session, actor, batch_id, lock=True)
    if actor.id != batch.leader_id:
        raise Forbidden("forbidden_action", "Chỉ lãnh đạo ký mới được ký lại.")
    failed = [i for i in batch.items if i.status == "failed" and i.document.state == "awaiting_signature"]
    if batch.state == "open" or not failed:
        raise Conflict("nothing_to_retry", "Không có văn bản lỗi nào để ký lại.")
    for item in failed:
        item.status, item.error, item.sha256 = "pending", None, item.document.current_version.sha256
    batch.state = "signing"
    audit(session, actor, "batch_retry", None, batch_id=batch.id, documents=[i.document_id for i in failed])
    outbox.add(session, "signing", "workflow.jobs.sign_batch", batch_id=batch.id)
    return batch


def lock_items(session: Session, item_ids: list[int]) -> list[SigningBatchItem]:
    """Lock batch items and their documents (documents first, as every signing path does), loaded eagerly."""
    document_ids = select(SigningBatchItem.document_id).where(SigningBatchItem.id.in_(item_ids))
    session.scalars(select(Document.id).where(Document.id.in_(document_ids)).with_for_update()).all()
    query = (
        select(SigningBatchItem)
        .where(SigningBatchItem.id.in_(item_ids))
        .options(
            joinedload(SigningBatchItem.batch).joinedload(SigningBatch.leader),
            selectinload(SigningBatchItem.document).selectinload(Document.versions),
        )
        .with_for_update(of=SigningBatchItem)
        .order_by(SigningBatchItem.id)
    )
    return list(session.scalars(query).unique())


def _claim_item(item: SigningBatchItem) -> bool:
    """Re-check a locked item and its document: True when it is still to be signed.

    Also records the batch's heartbeat, which the reconciler reads to find a batch whose job died.
    """
    if item.status != "pending" or item.batch.state != "signing":
        return False
    item.batch.heartbeat_at = dt.datetime.now(dt.UTC)
    document = item.document
    if document.state != "awaiting_signature":
        # Signed meanwhile (e.g. a previous run that died after its commit, or signed singly).
        item.status = "signed" if document.signed_at else "failed"
        item.error = None if document.signed_at else "Văn bản không còn chờ ký."
        return False
    if document.current_version.sha256 != item.sha256:
        item.status, item.error = "failed", "Văn bản đã thay đổi sau khi lãnh đạo xác nhận."
        return False
    return True


def sign_batch_item(session: Session, rt: Runtime, item_id: int) -> str:
    """Sign one pending item of a signing batch in the caller's transaction, one-shot; idempotent."""
    items = lock_items(session, [item_id])
    if not items:
        return "missing"
    item = items[0]
    if not _claim_item(item):
        return item.status
    sign_now(session, rt, item.batch.leader, item.document, batch_id=item.batch_id)
    item.status = "signed"
    item.signed_at = dt.datetime.now(dt.UTC)
    return item.status


def record_signature(session: Session, rt: Runtime, item: SigningBatchItem, signed: bytes, *, deferred: bool) -> str:
    """Record a signature made by the batch job (two-phase) for an item locked with lock_items."""
    if not _claim_item(item):
        return item.status
    document, leader = item.document, item.batch.leader
    transition(session, leader, document, "sign", batch_id=item.batch_id)
    document.signed_at = dt.datetime.now(dt.UTC)
    version = _add_version(session, rt, document, signed, "leader_signed", document.signer, flush=False)
    if deferred:
        document.timestamp_due = True
        audit(session, leader, "timestamp_deferred", document, level=rt.pades.level)
    audit(session, leader, "signature_applied", document, sha256_signed=item.sha256, sha256=version.sha256)
    item.status, item.signed_at = "signed", document.signed_at
    return item.status


def fail_items(session: Session, item_ids: list[int], message: str) -> None:
    """Mark still-pending items of a batch failed with the reason the leader will see."""
    for item in session.scalars(
        select(SigningBatchItem).where(SigningBatchItem.id.in_(item_ids), SigningBatchItem.status == "pending")
    ):
        item.status, item.error = "failed", message


def leader_stamp(document: Document) -> dict[str, str]:
    """What the leader's stamp says besides the time: name, capacity (KT. …) and position, agency."""
    signer = document.signer
    return {
        "signer_name": signer.full_name,
        "position": ", ".join(x for x in (signer.authority, signer.position) if x),
        "agency": document.agency.name,
    }


def store_prepared(
    session: Session, rt: Runtime, item_id: int, prepared: signing_pdf.Prepared, day: dt.date, cert: str
) -> bool:
    """Keep phase 1 of an item's signature, made ahead while it waits for the leader's confirmation."""
    item = session.scalar(select(SigningBatchItem).where(SigningBatchItem.id == item_id).with_for_update())
    if item is None or item.status != "pending" or item.document.current_version.sha256 != item.sha256:
        return False
    item.prepared_sha256 = rt.store.put(prepared.data)
    item.prepared_digest = prepared.digest.hex()
    item.prepared_start, item.prepared_end = prepared.start, prepared.end
    item.prepared_day, item.prepared_cert = day, cert
    return True


def prepared_of(
    rt: Runtime, item: SigningBatchItem, day: dt.date, cert: str, reserved: int
) -> signing_pdf.Prepared | None:
    """An item's phase 1 made ahead, if it still holds: same day, same certificate, room enough."""
    if (
        item.prepared_sha256 is None
        or item.prepared_digest is None
        or item.prepared_start is None
        or item.prepared_end is None
        or item.prepared_day != day
        or item.prepared_cert != cert
        or item.prepared_end - item.prepared_start < reserved  # the region holds the hex CMS: bytes_reserved chars
    ):
        return None
    return signing_pdf.Prepared(
        rt.store.get(item.prepared_sha256), bytes.fromhex(item.prepared_digest), item.prepared_start, item.prepared_end
    )


def finish_batch(session: Session, batch_id: int) -> SigningBatch:
    """Close a batch when no item is pending: done, or partial if some failed."""
    batch = session.get(SigningBatch, batch_id)
    assert batch is not None
    statuses = {i.status for i in batch.items}
    if "pending" not in statuses and batch.state == "signing":
        batch.state = "partial" if "failed" in statuses else "done"
        batch.finished_at = dt.datetime.now(dt.UTC)
        audit(session, None, "batch_finished", None, batch_id=batch.id, state=batch.state)
    return batch


def add_due_timestamp(session: Session, rt: Runtime, document_id: int) -> bool:
    """Add the owed document timestamp to a document signed while the TSA was down; idempotent."""
    document = session.scalar(select(Document).where(Document.id == document_id).with_for_update())
    if document is None or not document.timestamp_due:
        return False
    if rt.pades.timestamper is None:
        raise SigningError("tsa_not_configured", "Chưa cấu hình máy chủ cấp dấu thời gian (TSA_URL).")
    stamped = signing_pdf.add_document_timestamp(read_pdf(rt, document.current_version), rt.pades.timestamper)
    version = _add_version(session, rt, document, stamped, "timestamped", None)
    document.timestamp_due = False
    audit(session, None, "timestamp_added", document, sha256=version.sha256)
    return True


# --- issuance ----------------------------------------------------------------------------


def choose_register(session: Session, document: Document) -> Register:
    """Confidential documents have their own series; công văn and typed documents theirs."""
    if catalog.is_secret(document.confidentiality):
        scope = "confidential"
    else:
        scope = "cong_van" if document.doc_type == "cong_van" else "typed"
    register = session.scalar(select(Register).where(Register.agency_id == document.agency_id, Register.scope == scope))
    if register is None:
        raise Conflict("no_register", "Chưa cấu hình sổ đăng ký cho loại văn bản này.")
    return register


def take_number(session: Session, register_id: int, year: int) -> int:
    """Next number of (register, year): one atomic, row-locking UPDATE ... RETURNING."""
    values = {"register_id": register_id, "year": year, "last_number": 0}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(RegisterCounter).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(RegisterCounter).values(values).on_conflict_do_nothing())
    number = session.scalar(
        update(RegisterCounter)
        .where(RegisterCounter.register_id == register_id, RegisterCounter.year == year)
        .values(last_number=RegisterCounter.last_number + 1)
        .returning(RegisterCounter.last_number)
    )
    assert number is not None
    return int(number)


# A register's symbol pattern: the documented placeholders and the characters of a Decree-30 symbol.
SYMBOL_PATTERN = re.compile(r"(?:\{(?:type|agency|unit)\}|[^\W_]|[-/.&])+")


def make_symbol(register: Register, document: Document, number: int) -> str:
    """Number and symbol per Decree 30: 07/STNMT-VP for a công văn, 03/TB-STNMT otherwise."""
    _, abbreviation = catalog.DOC_TYPES[document.doc_type]
    pattern = register.cong_van_pattern if abbreviation is None else register.typed_pattern
    values = {"type": abbreviation or "", "agency": document.agency.abbreviation, "unit": document.drafting_unit.code}
    # Placeholders replaced one by one (never str.format on an admin's text), anything else dropped.
    tail = "".join(
        values[part.group(1)] if part.group(1) else part.group()
        for part in re.finditer(r"\{(type|agency|unit)\}|[^\W_]|[-/.&]", pattern)
    )
    return f"{number:02d}/{tail}"


def date_line(place: str, day: dt.date) -> str:
    """The place and date line: 'Tuyên Quang, ngày 05 tháng 01 năm 2026' (leading zeros per Decree 30)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def issue(session: Session, rt: Runtime, actor: Person, document: Document) -> dict[str, Any]:
    """Give the next number, fill number and date, add the agency signature, then dispatch."""
    check(actor, document, "issue")  # before a number is taken
    register = choose_register(session, document)
    now = rt.now()
    number = take_number(session, register.id, now.year)
    symbol = make_symbol(register, document, number)
    entry = RegisterEntry(
        register_id=register.id,
        year=now.year,
        number=number,
        symbol=symbol,
        status="issued",
        document_id=document.id,
        issued_at=now,
        doc_type=document.doc_type,
        summary=document.summary,
        signer_name=document.signer.full_name,
        recipients=document.noi_nhan,
        copies=len([line for line in document.noi_nhan.splitlines() if line.strip()]),
        issued_by_id=actor.id,
    )
    try:
        agency_key = rt.keyring.agency(document.agency.code)
        data = read_pdf(rt, document.current_version)
        issued = with_tsa_policy(
            session,
            rt,
            actor,
            document,
            lambda pades: signing_pdf.issue(
                data,
                agency_key,
                number_text=symbol,
                date_text=date_line(document.agency.place, now.date()),
                agency=document.agency.name,
                moment=now,
                font=rt.font,
                seal=image(rt, document.agency.seal_image),
                pades=pades,
            ),
        )
        signed_appendices = [
            signing_pdf.sign_appendix(
                rt.store.get(a.sha256),
                agency_key,
                symbol=symbol,
                moment=now,
                font=rt.font,
                pades=signing_pdf.B_B if document.timestamp_due else rt.pades,
            )
            for a in document.appendices
        ]
    except SigningError as exc:
        # The number is taken: keep it in the register as voided, with the reason.
        entry.status = "voided"
        entry.document_id = document.id
        entry.void_reason = f"{exc.code}: {exc.message}"
        session.add(entry)
        audit(session, actor, "issue_failed", document, number=number, symbol=symbol, error=exc.code)
        return {
            "ok": False,
            "error": {"code": "issue_failed", "message": f"Phát hành thất bại: {exc.message}"},
            "voided": {"number": number, "symbol": symbol},
        }
    warnings = []
    duplicate = session.scalar(
        select(func.count())
        .select_from(RegisterEntry)
        .join(Register)
        .where(
            Register.agency_id == document.agency_id,
            RegisterEntry.year == now.year,
            RegisterEntry.symbol == symbol,
            RegisterEntry.status == "issued",
        )
    )
    if duplicate:
        warnings.append({"code": "duplicate_symbol", "message": f"Số, ký hiệu {symbol} đã có trong năm."})
    session.add(entry)
    version = _add_version(session, rt, document, issued, "issued", actor)
    for appendix, signed in zip(document.appendices, signed_appendices, strict=True):
        appendix.issued_sha256 = rt.store.put(signed)
    document.number, document.symbol, document.issued_at = number, symbol, now
    transition(
        session, actor, document, "issue", number=number, symbol=symbol, sha256=version.sha256, register=register.code
    )
    dispatched = dispatch(session, actor, document)
    return {
        "ok": True,
        "number": number,
        "symbol": symbol,
        "sha256": version.sha256,
        "appendices": [{"seq": a.seq, "sha256": a.issued_sha256} for a in document.appendices],
        "warnings": warnings,
        "dispatch": dispatched,
    }


def dispatch(session: Session, actor: Person | None, document: Document) -> dict[str, Any]:
    """Hand the issued document to routing; secret documents are never sent over the network."""
    if catalog.is_secret(document.confidentiality):
        audit(session, actor, "dispatch_refused", document, reason="confidential")
        return {
            "ok": False,
            "error": {
                "code": "confidential_no_electronic_dispatch",
                "message": "Văn bản có nội dung bí mật nhà nước (Mật, Tối mật, Tuyệt mật) không được gửi qua mạng.",
            },
        }
    results = document_issued.send(session, document=document, actor=actor)
    transition(session, actor, document, "dispatch")
    deliveries = sum(int(r or 0) for _, r in results)
    return {"ok": True, "deliveries": deliveries}


# --- registers ---------------------------------------------------------------------------


def register_entries(session: Session, actor: Person, register_id: int, year: int) -> list[RegisterEntry]:
    """The outgoing register of a year, in number order, voided numbers included (the clerk's book)."""
    register = session.get(Register, register_id)
    if register is None or register.agency_id != actor.unit.agency_id:
        raise NotFound("register_not_found", "Không tìm thấy sổ đăng ký.")
    if not actor.has_role("clerk"):
        raise Forbidden("forbidden", "Chỉ văn thư xem sổ đăng ký văn bản đi.")
    query = select(RegisterEntry).where(RegisterEntry.register_id == register_id, RegisterEntry.year == year)
    return list(session.scalars(query.order_by(RegisterEntry.number)))


def register_pdf(session: Session, rt: Runtime, actor: Person, register_id: int, year: int) -> tuple[bytes, str]:
    """The register of a year as a printable PDF, with its file name."""
    entries = register_entries(session, actor, register_id, year)
    register = session.get(Register, register_id)
    assert register is not None
    lines = [
        render.RegisterLine(
            symbol=e.symbol,
            date=e.issued_at.astimezone(rt.tz).strftime("%d/%m/%Y"),
            type_and_summary=f"{catalog.DOC_TYPES[e.doc_type][0]}: {e.summary}",
            signer=e.signer_name,
            recipients=e.recipients,
            copies=e.copies,
            note=f"Số hủy: {e.void_reason}" if e.status == "voided" else "",
        )
        for e in entries
    ]
    agency = actor.unit.agency
    anchor = session.scalar(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1))
    footer = ""
    if anchor is not None:
        # The audit trail's daily anchor: whoever holds this printout can check the chain against it.
        stamped = "có dấu thời gian TSA" if anchor.token else "chưa có dấu thời gian TSA"
        footer = (
            f"Mốc nhật ký kiểm tra: liên kết số {anchor.seq}, SHA-256 {anchor.hash}, "
            f"lập lúc {anchor.created_at.astimezone(rt.tz):%d/%m/%Y %H:%M} ({stamped})."
        )
    data = render.render_register(agency.name, agency.superior, register.name, year, lines, footer)
    return data, f"so-{register.code}-{year}.pdf"
