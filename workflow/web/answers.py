"""What each answer of the JSON API (/api/v1) holds, as pydantic models: exactly these fields. The description at
/api/v1/openapi.json is generated from them, and the test client checks every answer of the suite against them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Time = Annotated[str, Field(description="Thời điểm ISO 8601, giờ Việt Nam (+07:00)")]


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


class SignerOut(PersonOut):
    """A person with where their key lives."""

    signer_ref: str | None


class UnitRef(Answer):
    """A unit named in an answer."""

    id: int
    code: str
    name: str


class VersionOut(Answer):
    """A PDF version of a document."""

    seq: int
    kind: str
    sha256: str
    size: int
    created_at: Time | None


class AppendixOut(Answer):
    """An appendix file of a document."""

    seq: int
    filename: str
    sha256: str
    size: int
    issued_sha256: str | None
    created_at: Time | None


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
