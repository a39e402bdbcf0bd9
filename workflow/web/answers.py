"""What each answer of the JSON API (/api/v1) holds, as pydantic models: exactly these fields. The description at
/api/v1/openapi.json is generated from them, and the test client checks every answer of the suite against them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from workflow import catalog, runtime
from workflow.models import (
    Appendix,
    Document,
    DocumentVersion,
    Notification,
    Person,
    Register,
    RegisterEntry,
    SigningBatch,
    SigningBatchItem,
    Unit,
)
from workflow.states import STATE_LABELS

Time = Annotated[str, Field(description="Thời điểm ISO 8601, giờ Việt Nam (+07:00)")]


def moment(value: dt.datetime | dt.date | None) -> str | None:
    """The one time format of every answer: a time in the agency's zone (+07:00), a date as it is, or None."""
    if isinstance(value, dt.datetime):
        return value.astimezone(runtime.current().tz).isoformat()
    return value.isoformat() if value else None


class Answer(BaseModel):
    """An answer's shape: exactly these fields, no others."""

    model_config = ConfigDict(extra="forbid")


class PersonOut(Answer):
    """A person as the API shows them."""

    id: int
    username: str
    full_name: str
    position: str
    authority: str | None
    roles: list[str]
    unit_id: int
    signer_kind: str
    has_signature_image: bool

    @classmethod
    def of(cls, p: Person) -> PersonOut:
        """A person as the API shows them."""
        return cls(
            id=p.id,
            username=p.username,
            full_name=p.full_name,
            position=p.position,
            authority=p.authority,
            roles=p.roles.split(),
            unit_id=p.unit_id,
            signer_kind=p.signer_kind,
            has_signature_image=p.signature_image is not None,
        )


class SignerOut(PersonOut):
    """A person with where their key lives."""

    signer_ref: str | None

    @classmethod
    def of(cls, p: Person) -> SignerOut:
        """A person with where their key lives."""
        return cls(**PersonOut.of(p).model_dump(), signer_ref=p.signer_ref)


class UnitRef(Answer):
    """A unit named in an answer."""

    id: int
    code: str
    name: str

    @classmethod
    def of(cls, u: Unit) -> UnitRef:
        """A unit by its id, code and name."""
        return cls(id=u.id, code=u.code, name=u.name)


class VersionOut(Answer):
    """A PDF version of a document."""

    seq: int
    kind: str
    sha256: str
    size: int
    created_at: Time | None

    @classmethod
    def of(cls, v: DocumentVersion) -> VersionOut:
        """A PDF version of a document."""
        return cls(seq=v.seq, kind=v.kind, sha256=v.sha256, size=v.size, created_at=moment(v.created_at))


class AppendixOut(Answer):
    """An appendix file of a document."""

    seq: int
    filename: str
    sha256: str
    size: int
    issued_sha256: str | None
    created_at: Time | None

    @classmethod
    def of(cls, a: Appendix) -> AppendixOut:
        """An appendix file of a document."""
        return cls(
            seq=a.seq,
            filename=a.filename,
            sha256=a.sha256,
            size=a.size,
            issued_sha256=a.issued_sha256,
            created_at=moment(a.created_at),
        )


class DocumentOut(Answer):
    """A document with its metadata and current version."""

    id: int
    doc_type: str
    doc_type_name: str
    abbreviation: str | None
    summary: str
    urgency: str
    confidentiality: str
    state: str
    state_label: str
    return_reason: str | None
    drafting_unit: UnitRef
    drafter: PersonOut
    signer: PersonOut
    kinh_gui: list[str]
    noi_nhan: list[str]
    due_date: str | None
    replaces_id: int | None
    number: int | None
    symbol: str | None
    issued_at: Time | None
    signed_at: Time | None
    timestamp_due: bool
    created_at: Time | None
    current_version: VersionOut | None
    appendices: list[AppendixOut]

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        """A document as the API shows it."""
        type_name, abbreviation = catalog.DOC_TYPES[d.doc_type]
        return cls(
            id=d.id,
            doc_type=d.doc_type,
            doc_type_name=type_name,
            abbreviation=abbreviation,
            summary=d.summary,
            urgency=d.urgency,
            confidentiality=d.confidentiality,
            state=d.state,
            state_label=STATE_LABELS[d.state],
            return_reason=d.return_reason,
            drafting_unit=UnitRef.of(d.drafting_unit),
            drafter=PersonOut.of(d.drafter),
            signer=PersonOut.of(d.signer),
            kinh_gui=d.kinh_gui.splitlines(),
            noi_nhan=d.noi_nhan.splitlines(),
            due_date=moment(d.due_date),
            replaces_id=d.replaces_id,
            number=d.number,
            symbol=d.symbol,
            issued_at=moment(d.issued_at),
            signed_at=moment(d.signed_at),
            timestamp_due=d.timestamp_due,
            created_at=moment(d.created_at),
            current_version=VersionOut.of(d.current_version) if d.versions else None,
            appendices=[AppendixOut.of(a) for a in d.appendices],
        )


class DocumentPage(Answer):
    """A page of documents."""

    documents: list[DocumentOut]
    next_before: int | None


class Versions(Answer):
    """Every version of a document's PDF."""

    versions: list[VersionOut]


class LoginOut(Answer):
    """A bearer token and whose it is."""

    token: str
    person: PersonOut


class Revoked(Answer):
    """The token revoked."""

    revoked: int


class TokenOut(Answer):
    """One of a person's API tokens (never its secret)."""

    id: int
    label: str | None
    created_at: Time | None
    last_used_at: Time | None
    revoked_at: Time | None
    current: bool


class Tokens(Answer):
    """A person's API tokens."""

    tokens: list[TokenOut]


class AgencyOut(Answer):
    """An agency of the directory (our own with its units)."""

    id: int
    code: str
    name: str
    superior: str | None
    abbreviation: str | None
    place: str | None
    is_self: bool
    units: list[UnitRef]


class DocTypeOut(Answer):
    """A Decree-30 type of document."""

    name: str
    abbreviation: str | None


class DirectoryOut(Answer):
    """Agencies, units, people and the Decree-30 vocabularies."""

    agencies: list[AgencyOut]
    people: list[PersonOut]
    doc_types: dict[str, DocTypeOut]
    urgency: dict[str, str]
    confidentiality: dict[str, str]
    roles: dict[str, str]


class SealOut(Answer):
    """The agency's seal image, stored."""

    agency_id: int
    seal_image: str | None
    seal_mm: float | None = Field(title="đường kính thật của con dấu (mm)")


class Done(Answer):
    """Done (nothing else to tell)."""

    ok: bool


class SignatureOut(Answer):
    """One signature of a PDF checked: our verdict on it and what it covers first, then each check and the
    reasons it is not good (in Vietnamese). `value_ok` is only the cryptographic check of its value."""

    verdict: Literal["valid", "invalid"]
    covers: Literal["whole_file", "signed_revision_and_allowed_additions", "not_the_file_as_it_is"]
    field: str
    signer: str
    intact: bool
    value_ok: bool
    trusted: bool
    coverage: str
    modification_level: str | None
    signing_time: str | None
    timestamp: str | None
    timestamp_ok: bool | None
    level: str
    chain: list[str]
    certificate: dict[str, str]
    problems: list[str]
    ok: bool


class TimestampOut(Answer):
    """A document timestamp found in a PDF, with our verdict on it."""

    verdict: Literal["valid", "invalid"]
    field: str
    time: str | None
    intact: bool
    value_ok: bool
    trusted: bool
    tsa: str


class Signatures(Answer):
    """Every signature and document timestamp of a document's current PDF, and the verdict."""

    sha256: str
    verdict: str
    signatures: list[SignatureOut]
    timestamps: list[TimestampOut]


class Validated(Signatures):
    """Any PDF checked against the agency's trust list."""

    trust_list: list[str]


class EventOut(Answer):
    """One step of a document's audit trail."""

    id: int
    action: str
    from_state: str | None
    to_state: str | None
    actor: str | None
    detail: dict[str, Any] | None
    at: Time | None


class Events(Answer):
    """A document's audit trail."""

    events: list[EventOut]


class CommentMade(Answer):
    """A comment, stored."""

    id: int
    body: str


class CommentOut(Answer):
    """A comment on a document."""

    id: int
    author: str
    body: str
    at: Time | None


class Comments(Answer):
    """The comments on a document."""

    comments: list[CommentOut]


class Acted(Answer):
    """A lifecycle action taken: the document as it is now and what the action did."""

    document: DocumentOut
    result: dict[str, Any] = Field(description="Kết quả riêng của thao tác (ví dụ số, ký hiệu khi phát hành)")


class BatchItemOut(Answer):
    """A document of a signing batch and its result."""

    document_id: int
    summary: str
    urgency: str
    drafting_unit: str
    sha256: str | None
    status: str
    error: str | None
    signed_at: Time | None

    @classmethod
    def of(cls, i: SigningBatchItem) -> BatchItemOut:
        """A document of a batch and its result."""
        return cls(
            document_id=i.document_id,
            summary=i.document.summary,
            urgency=i.document.urgency,
            drafting_unit=i.document.drafting_unit.name,
            sha256=i.sha256,
            status=i.status,
            error=i.error,
            signed_at=moment(i.signed_at),
        )


class BatchOut(Answer):
    """A signing batch with its manifest and per-document results."""

    id: int
    leader: PersonOut
    state: str
    count: int
    counts: dict[str, int]
    created_at: Time | None
    confirmed_at: Time | None
    finished_at: Time | None
    items: list[BatchItemOut]

    @classmethod
    def of(cls, b: SigningBatch) -> BatchOut:
        """A signing batch with its manifest."""
        counts: dict[str, int] = {}
        for item in b.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return cls(
            id=b.id,
            leader=PersonOut.of(b.leader),
            state=b.state,
            count=len(b.items),
            counts=counts,
            created_at=moment(b.created_at),
            confirmed_at=moment(b.confirmed_at),
            finished_at=moment(b.finished_at),
            items=[BatchItemOut.of(i) for i in b.items],
        )


class SigningBook(Answer):
    """The documents waiting for a leader's signature."""

    leader: PersonOut
    documents: list[DocumentOut]


class TotpStarted(Answer):
    """The seed of the second factor, shown once, and its otpauth:// address."""

    secret: str
    uri: str


class TotpState(Answer):
    """Whether the second factor is on."""

    totp_enabled: bool


class RegisterOut(Answer):
    """An outgoing register."""

    id: int
    code: str
    name: str
    scope: str

    @classmethod
    def of(cls, r: Register) -> RegisterOut:
        """An outgoing register by its code, name and scope."""
        return cls(id=r.id, code=r.code, name=r.name, scope=r.scope)


class Registers(Answer):
    """The outgoing registers of the agency."""

    registers: list[RegisterOut]


class EntryOut(Answer):
    """A register line, as the printable register shows it."""

    number: int
    symbol: str | None
    status: str
    void_reason: str | None
    issued_at: Time | None
    doc_type: str
    summary: str
    signer: str
    recipients: list[str]
    copies: int | None
    document_id: int | None

    @classmethod
    def of(cls, e: RegisterEntry) -> EntryOut:
        """A register line as the printable outgoing register shows it."""
        return cls(
            number=e.number,
            symbol=e.symbol,
            status=e.status,
            void_reason=e.void_reason,
            issued_at=moment(e.issued_at),
            doc_type=catalog.DOC_TYPES[e.doc_type][0],
            summary=e.summary,
            signer=e.signer_name,
            recipients=e.recipients.splitlines(),
            copies=e.copies,
            document_id=e.document_id,
        )


class Entries(Answer):
    """The lines of a register for a year, voided numbers included."""

    year: int
    entries: list[EntryOut]


class NotificationOut(Answer):
    """A notification."""

    id: int
    kind: str
    message: str
    document_id: int | None
    detail: dict[str, Any] | None
    created_at: Time | None
    read: bool

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        """A notification and whether it was read."""
        return cls(
            id=n.id,
            kind=n.kind,
            message=n.message,
            document_id=n.document_id,
            detail=n.detail,
            created_at=moment(n.created_at),
            read=n.read_at is not None,
        )


class Notifications(Answer):
    """A person's notifications, newest first, and how many are unread."""

    notifications: list[NotificationOut]
    unread: int


class Read(Answer):
    """A notification marked read."""

    id: int
    read: bool


class Described(Answer):
    """An OpenAPI 3.1 description."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


class ErrorBody(Answer):
    """What went wrong."""

    code: str = Field(description="Mã lỗi ổn định, dùng cho máy")
    message: str = Field(description="Thông báo tiếng Việt cho người dùng")
    detail: dict[str, Any] | None = Field(None, description="Chi tiết, ví dụ field: trường bị từ chối")


class Error(Answer):
    """Every refusal of the API (4xx) and every failure (5xx)."""

    error: ErrorBody
