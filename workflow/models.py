"""Tables of the hub: directory, documents and versions, audit, registers, signing batches, outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from workflow.encryption import Encrypted
from workflow.states import BatchState, DocumentState, ItemStatus


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment stored in UTC and read back aware on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, _dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)

    def process_result_value(self, value: dt.datetime | None, _dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """A CHECK that a column holds one of the values of its StrEnum (migration 0020)."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


class Base(DeclarativeBase):
    """Declarative base of every congvan table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime(), dict[str, Any]: JSON}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Agency(Base):
    """An agency: our own (is_self) or another one we send documents to."""

    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # national id, e.g. 000.00.00.H41
    name: Mapped[str] = mapped_column(String(255))
    superior: Mapped[str] = mapped_column(String(255), default="")
    abbreviation: Mapped[str] = mapped_column(String(32), default="")  # for symbols, e.g. STNMT
    place: Mapped[str] = mapped_column(String(64), default="")  # for the date line, e.g. Tuyên Quang
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    aliases: Mapped[str] = mapped_column(Text, default="")  # other names in Nơi nhận, one per line
    seal_image: Mapped[str | None] = mapped_column(String(64), default=None)  # SHA-256 of the red seal PNG
    seal_mm: Mapped[float | None] = mapped_column(Float, default=None)  # the seal's real diameter
    # The name the national exchange lists for this agency when it differs from ours: the administrator decides
    # (accepted, it becomes the name; dismissed, that listed name is not proposed again).
    listed_name: Mapped[str | None] = mapped_column(String(255), default=None)
    dismissed_name: Mapped[str | None] = mapped_column(String(255), default=None)
    units: Mapped[list[Unit]] = relationship(back_populates="agency")


class Unit(Base):
    """A unit (phòng, văn phòng, đơn vị trực thuộc) of an agency."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    aliases: Mapped[str] = mapped_column(Text, default="")
    agency: Mapped[Agency] = relationship(back_populates="units")


class Person(Base):
    """A user of the system with a unit, a position and roles."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    position: Mapped[str] = mapped_column(String(128), default="")  # e.g. Phó Giám đốc
    roles: Mapped[str] = mapped_column(String(255), default="")  # space-separated role names
    # Where notifications also go by e-mail when an SMTP server is configured (empty: only in the pages).
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    signature_image: Mapped[str | None] = mapped_column(String(64), default=None)  # SHA-256 of the blue PNG
    # Where the person's signing key lives: "pkcs12" (file), "pkcs11" (token/HSM), "csc" (remote service).
    signer_kind: Mapped[str] = mapped_column(String(16), default="pkcs12")
    # For pkcs11 the key label on the token; for csc the credential id; empty for pkcs12.
    signer_ref: Mapped[str] = mapped_column(String(255), default="")
    # An optional second factor (RFC 6238): the seed, encrypted; on once confirmed with a first code; the last
    # time step used, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(Encrypted, default=None)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)
    unit: Mapped[Unit] = relationship()

    def has_role(self, role: str) -> bool:
        """True if the person holds the role, or holds it for this request by a delegation running now."""
        return role in self.roles.split() or role in self.__dict__.get("_lent_roles", ())

    def lend(self, roles: frozenset[str], scopes: frozenset[str]) -> None:
        """For as long as this object lives (one request): the roles and delegated scopes a running delegation hands
        this person (workflow.directory.delegations.lend), looked up once."""
        self.__dict__["_lent_roles"], self.__dict__["_lent_scopes"] = roles, scopes

    def lent_scopes(self) -> frozenset[str] | None:
        """The delegated scopes looked up for this request, or None when they were not."""
        found: frozenset[str] | None = self.__dict__.get("_lent_scopes")
        return found


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    label: Mapped[str] = mapped_column(String(128), default="", server_default="")


class WebSession(Base):
    """A browser's signed-in session, kept on the server so it can expire and be ended (logout, disabling)."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    sid_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the cookie holds the secret itself
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=_now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class LoginAttempt(Base):
    """A sign-in attempt (password), kept for throttling: who, from where, whether it succeeded."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # as typed, lower-cased (may name nobody)
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(default=_now)


class Document(Base):
    """An outgoing document (văn bản đi) and its Decree-30 metadata."""

    __tablename__ = "documents"
    # Newest-first pages (keyset on id) per agency, per state and per drafter (migration 0006).
    __table_args__ = (
        one_of("state", DocumentState, "ck_documents_state"),
        Index("ix_documents_agency_id_id", "agency_id", "id"),
        Index("ix_documents_agency_id_state_id", "agency_id", "state", "id"),
        Index("ix_documents_drafter_id_id", "drafter_id", "id"),
        # The newest documents of a signer and of a drafting unit (access rules, migration 0011).
        Index("ix_documents_signer_id_id", "signer_id", "id"),
        Index("ix_documents_drafting_unit_id_id", "drafting_unit_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    doc_type: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text, default=None)
    urgency: Mapped[str] = mapped_column(String(16), default="thuong")
    confidentiality: Mapped[str] = mapped_column(String(16), default="thuong")
    drafting_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    drafter_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    signer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # The authority the signer signs under (workflow.directory.models) and its two printed lines, kept with the
    # document: "KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC".
    authority_kind: Mapped[str] = mapped_column(String(8), default="own", server_default="own")
    authority_line: Mapped[str] = mapped_column(String(160), default="", server_default="")
    authority_title: Mapped[str] = mapped_column(String(128), default="", server_default="")
    # The delegation (workflow.directory.models) that handed it to its signer, handed back when it ends; a plain
    # id, as adding a foreign key would copy this table on SQLite.
    delegation_id: Mapped[int | None] = mapped_column(Integer, default=None)
    kinh_gui: Mapped[str] = mapped_column(Text, default="")
    noi_nhan: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    state: Mapped[str] = mapped_column(String(32), default=DocumentState.DRAFTING, index=True)
    return_reason: Mapped[str | None] = mapped_column(Text, default=None)
    number: Mapped[int | None] = mapped_column(Integer, default=None)
    symbol: Mapped[str | None] = mapped_column(String(64), default=None)
    issued_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    signed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Number/symbol, type and summary without accents, for search (kept by workflow.search).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A document that replaces an issued one (sent to other agencies as a replacement, BussinessDocType 3).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None)
    # The incoming document (routing's) this one answers: when it is issued, that one is finished and the package
    # names it in ResponseFor. Checked by routing when the draft is made (workflow.signals.draft_replies).
    replies_to_incoming_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    # Signed at B-B because the TSA was down (TSA_FAILURE=defer): a document timestamp is owed.
    timestamp_due: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    drafting_unit: Mapped[Unit] = relationship()
    drafter: Mapped[Person] = relationship(foreign_keys=[drafter_id])
    signer: Mapped[Person] = relationship(foreign_keys=[signer_id])
    agency: Mapped[Agency] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(back_populates="document", order_by="DocumentVersion.seq")
    appendices: Mapped[list[Appendix]] = relationship(order_by="Appendix.seq")

    @property
    def current_version(self) -> DocumentVersion:
        """The newest version of the PDF."""
        return self.versions[-1]


class DocumentVersion(Base):
    """One version of a document's PDF, identified by its SHA-256; never changed."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # uploaded, rendered, prepared, leader_signed, issued
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    # Where the number, date and signature go (signing.pdf.Layout as JSON).
    layout: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    document: Mapped[Document] = relationship(back_populates="versions")


class Appendix(Base):
    """An appendix in a separate PDF file; at issuance it gets the agency's signature (Decree 30)."""

    __tablename__ = "appendices"
    __table_args__ = (UniqueConstraint("document_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))  # as uploaded
    size: Mapped[int] = mapped_column(Integer)
    issued_sha256: Mapped[str | None] = mapped_column(String(64), default=None)  # with the agency signature
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class Comment(Base):
    """A comment on a document."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    author: Mapped[Person] = relationship()


class AuditEvent(Base):
    """One audit entry, written in the same transaction as the change it records."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    actor: Mapped[Person | None] = relationship()


class AuditLink(Base):
    """One link of the hash chain over the audit trail (workflow.audit): append-only."""

    __tablename__ = "audit_chain"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # No foreign key: a deleted event must leave its link behind, for `audit verify` to report it.
    audit_id: Mapped[int] = mapped_column(Integer, unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[dt.datetime] = mapped_column(default=_now)


class AuditAnchor(Base):
    """The chain's head as it was at a moment, with the TSA's RFC 3161 token over its hash: append-only."""

    __tablename__ = "audit_anchors"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    token: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # DER; None without a TSA
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class Register(Base):
    """A numbering register (sổ đăng ký văn bản đi) of our agency."""

    __tablename__ = "registers"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    # Which documents it numbers: "cong_van", "typed" (every other type) or "confidential".
    scope: Mapped[str] = mapped_column(String(32))
    # Symbol patterns after "<number>/"; fields: {type}, {agency}, {unit}.
    typed_pattern: Mapped[str] = mapped_column(String(64), default="{type}-{agency}")
    cong_van_pattern: Mapped[str] = mapped_column(String(64), default="{agency}-{unit}")


class RegisterCounter(Base):
    """The last number given by a register in a year; locked for update at issuance."""

    __tablename__ = "register_counters"
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class RegisterEntry(Base):
    """A line of the outgoing register: an issued document, or a number voided with a reason."""

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("register_id", "year", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # issued | voided
    void_reason: Mapped[str | None] = mapped_column(Text, default=None)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None)
    issued_at: Mapped[dt.datetime] = mapped_column(default=_now)
    doc_type: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    signer_name: Mapped[str] = mapped_column(String(255))
    # The lines the document was signed under, "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" (Document.authority_line, _title).
    signer_authority: Mapped[str] = mapped_column(String(300), default="", server_default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    copies: Mapped[int] = mapped_column(Integer, default=0)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)


class SigningBatch(Base):
    """A leader's end-of-day signing batch, confirmed once."""

    __tablename__ = "signing_batches"
    __table_args__ = (one_of("state", BatchState, "ck_signing_batches_state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    state: Mapped[str] = mapped_column(String(16), default=BatchState.OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Last sign of life from the job; the reconciler re-enqueues a batch whose job went silent.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    leader: Mapped[Person] = relationship(foreign_keys=[leader_id])
    items: Mapped[list[SigningBatchItem]] = relationship(back_populates="batch", order_by="SigningBatchItem.id")


class SigningBatchItem(Base):
    """One document of a batch, with the SHA-256 of the version the leader saw."""

    __tablename__ = "signing_batch_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "document_id"),
        one_of("status", ItemStatus, "ck_signing_batch_items_status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("signing_batches.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    signed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Phase 1 done ahead, while the document waited for the leader's confirmation (signing.pdf.Prepared):
    # the file with its placeholder, the digest, the reserved region, the day its stamp shows and the
    # SHA-256 of the certificate it was prepared for. Used only if all still hold at confirmation.
    prepared_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    prepared_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    prepared_start: Mapped[int | None] = mapped_column(Integer, default=None)
    prepared_end: Mapped[int | None] = mapped_column(Integer, default=None)
    prepared_day: Mapped[dt.date | None] = mapped_column(Date, default=None)
    prepared_cert: Mapped[str | None] = mapped_column(String(64), default=None)
    batch: Mapped[SigningBatch] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()


class OutboxMessage(Base):
    """A job to enqueue once the transaction that wrote it has committed."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(32))
    func: Mapped[str] = mapped_column(String(128))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    relayed_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)


class Notification(Base):
    """Something a person must see: a delivery that failed, a recall to answer."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    read_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
