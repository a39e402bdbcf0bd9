"""Tables of routing: deliveries, exchange with other agencies, incoming documents, webhooks, the hub."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from routing.deliveries.statuses import FINAL
from routing.states import Transport
from workflow.documents.search import fold
from workflow.encryption import Encrypted
from workflow.models import Agency, Base, Document, Person, Unit, one_of


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Statuses after which a recipient has nothing left to do (returned, done, recalled, recall accepted).
# A delivery still waiting in its unit's inbox, and one not yet delivered (partial indexes, migration 0006).
OPEN = "transport = 'delivered' AND status_code NOT IN (" + ", ".join(f"'{code}'" for code in FINAL) + ")"
PENDING = "transport = 'pending'"


class Delivery(Base):
    """A document on its way to one recipient: a unit of ours or another agency."""

    __tablename__ = "deliveries"
    # A unit's inbox a page at a time, and the count of what it has not finished (migration 0006).
    __table_args__ = (
        one_of("transport", Transport, "ck_deliveries_transport"),
        Index("ix_deliveries_unit_id_id", "unit_id", "id"),
        Index("ix_deliveries_unit_open", "unit_id", postgresql_where=text(OPEN), sqlite_where=text(OPEN)),
        # What the reconciler looks for every few seconds: deliveries not yet delivered.
        Index("ix_deliveries_pending", "created_at", postgresql_where=text(PENDING), sqlite_where=text(PENDING)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # unit | person | agency | unresolved
    # A person's delivery keeps their unit too: it is in that unit's inbox, seen by that person only.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    label: Mapped[str] = mapped_column(Text)  # the line as written in Kính gửi / Nơi nhận
    purpose: Mapped[str] = mapped_column(String(16))  # action | report | info
    channel: Mapped[str] = mapped_column(String(16))  # internal | edxml | none
    # pending: not yet delivered; delivered; failed (visible to the clerk); unresolved: no directory match.
    # pending, delivered, failed, unresolved (nobody found), paper (the clerk sent it on paper instead)
    transport: Mapped[str] = mapped_column(String(16), default=Transport.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # How, by whom and when the paper copy went, for a recipient not reached electronically.
    paper_note: Mapped[str | None] = mapped_column(Text, default=None)
    status_code: Mapped[str | None] = mapped_column(String(2), default=None)
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # For other agencies: the edXML DocumentId sent, and the receiver's time of the recorded status
    # (a status message older than it is ignored).
    exchange_id: Mapped[str | None] = mapped_column(String(160), default=None, index=True)
    remote_status_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    document: Mapped[Document] = relationship()
    unit: Mapped[Unit | None] = relationship()
    person: Mapped[Person | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


class DistributionList(Base):
    """A group the clerks name in Nơi nhận ("Các Sở, ban, ngành thuộc tỉnh"), kept by the administrator: its
    name, other spellings, and its members written as recipient lines, each resolved like any other."""

    __tablename__ = "distribution_lists"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    aliases: Mapped[str] = mapped_column(Text, default="")  # one per line
    members: Mapped[str] = mapped_column(Text, default="")  # one recipient per line


class DeliveryEvent(Base):
    """One status received for a delivery, in order."""

    __tablename__ = "delivery_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    code: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    # The status's own time as the recipient stated it (other agencies); None for our units.
    remote_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    actor: Mapped[Person | None] = relationship()


class Peer(Base):
    """Another agency in our directory with the certificate its packages are signed with (pinned)."""

    __tablename__ = "exchange_peers"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), unique=True)
    certificate: Mapped[str] = mapped_column(Text, default="")  # PEM of its agency certificate (pinned)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    agency: Mapped[Agency] = relationship()


class ExchangeMessage(Base):
    """An edXML package or status message sent to or received from another agency."""

    __tablename__ = "exchange_messages"
    __table_args__ = (UniqueConstraint("direction", "message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    kind: Mapped[str] = mapped_column(String(8))  # package | status
    organ_id: Mapped[str] = mapped_column(String(32))  # the other agency: recipient (out) or sender (in)
    document_key: Mapped[str] = mapped_column(String(160))  # edXML DocumentId the message is about
    code: Mapped[str | None] = mapped_column(String(2), default=None)  # status code of a status message
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), default=None, index=True)
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), default=None, index=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    # out: pending, sent, failed; in: accepted, rejected, ignored (older than the recorded status).
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    done_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class IncomingDocument(Base):
    """A document received from another agency (văn bản đến) and its handling."""

    __tablename__ = "incoming_documents"
    __table_args__ = (UniqueConstraint("agency_id", "incoming_year", "incoming_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))  # ours
    sender_code: Mapped[str] = mapped_column(String(32))
    sender_name: Mapped[str] = mapped_column(String(255))
    document_key: Mapped[str] = mapped_column(String(160), index=True)
    number: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(64))
    promulgation_date: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(64), default="")
    type_name: Mapped[str] = mapped_column(String(128), default="")
    subject: Mapped[str] = mapped_column(Text)
    signer_name: Mapped[str] = mapped_column(String(255), default="")
    signer_position: Mapped[str] = mapped_column(String(128), default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    signatures: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the validation report's summary
    # received (01), returned (02), registered (03), assigned (04), in_progress (05), done (06),
    # recalled (15), replaced (by a newer package).
    state: Mapped[str] = mapped_column(String(16), default="received", index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # update packages applied
    recall_reason: Mapped[str | None] = mapped_column(Text, default=None)  # an open recall request (13)
    return_reason: Mapped[str | None] = mapped_column(Text, default=None)
    incoming_year: Mapped[int | None] = mapped_column(Integer, default=None)
    incoming_number: Mapped[int | None] = mapped_column(Integer, default=None)
    registered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None, index=True)
    supporting_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), default=None)
    received_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    # How it came: exchange (the national exchange), import (an edXML file), paper, email, hand, other.
    received_via: Mapped[str] = mapped_column(String(16), default="exchange", server_default="exchange")
    confidentiality: Mapped[str] = mapped_column(String(16), default="thuong", server_default="thuong")
    # The same document registered before (same sender, number and date): shown to the clerk, linked.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), default=None)
    # The leader's instruction (bút phê) with the assignment.
    instruction: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Words read off scanned pages (Tesseract): pending, done, failed, or none (the PDF has its own text).
    ocr_state: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    ocr_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The scan with the words read laid over it as an invisible text layer (the file as received is kept as is).
    ocr_pdf_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    # What it is found by, folded without accents (number/symbol, sender, type, summary, OCR text).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Our outgoing document that answered it (issued), and the one of ours it answers (its package's ResponseFor).
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None)
    answers_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None, index=True)
    lead_unit: Mapped[Unit | None] = relationship()
    assignees: Mapped[list[IncomingAssignee]] = relationship(order_by="IncomingAssignee.id", back_populates="incoming")


class IncomingAssignee(Base):
    """One unit or person given an incoming document: its role, deadline and own progress.

    The leader's instruction names units and persons (lead, support, info); the head of an assigned unit passes
    it on to a specialist (a row whose parent is the unit's).
    """

    __tablename__ = "incoming_assignees"
    id: Mapped[int] = mapped_column(primary_key=True)
    incoming_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None, index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead, support, info
    deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_assignees.id"), default=None)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[str] = mapped_column(String(16), default="unseen")  # unseen, working, done
    seen_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    done_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false once a new instruction replaced it
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    incoming: Mapped[IncomingDocument] = relationship(back_populates="assignees")


class IncomingExtension(Base):
    """An assignee's request for more time on an incoming document and its answer."""

    __tablename__ = "incoming_extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("incoming_assignees.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    old_deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    wanted: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="requested")  # requested, granted, refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class IncomingEvent(Base):
    """One step in an incoming document's handling (arrival, registration, assignment, ...)."""

    __tablename__ = "incoming_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    incoming_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    code: Mapped[str | None] = mapped_column(String(2), default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    actor: Mapped[Person | None] = relationship()


class FileList(Base):
    """The agency's list of case files for a year (danh mục hồ sơ, Decree 30 Art. 28), approved by the leader."""

    __tablename__ = "file_lists"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft, approved
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    approved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    entries: Mapped[list[FilePlan]] = relationship(order_by="FilePlan.code", back_populates="file_list")


class FilePlan(Base):
    """One file of the year's list: its code (ký hiệu), title, unit, retention and who keeps it."""

    __tablename__ = "file_plans"
    __table_args__ = (UniqueConstraint("list_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("file_lists.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    retention_years: Mapped[int | None] = mapped_column(Integer, default=None)  # None: permanent (vĩnh viễn)
    keeper_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    file_list: Mapped[FileList] = relationship(back_populates="entries")
    unit: Mapped[Unit] = relationship()
    keeper: Mapped[Person] = relationship()


class CaseFile(Base):
    """A case file (hồ sơ công việc) opened from the year's list by who keeps it, with its documents."""

    __tablename__ = "case_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("file_plans.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, closed, handed_over, accepted
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(default=_now)
    end_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Handed over to the agency's archive, and the archivist's answer (accepted: read-only; returned: why).
    handed_over_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    return_reason: Mapped[str | None] = mapped_column(Text, default=None)
    plan: Mapped[FilePlan] = relationship()
    items: Mapped[list[CaseFileItem]] = relationship(order_by="CaseFileItem.id", back_populates="case_file")


class CaseFileItem(Base):
    """One document in a case file: an outgoing one of ours or an incoming one (a document may be in several)."""

    __tablename__ = "case_file_items"
    __table_args__ = (UniqueConstraint("file_id", "document_id"), UniqueConstraint("file_id", "incoming_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None, index=True)
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), default=None, index=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=_now)
    case_file: Mapped[CaseFile] = relationship(back_populates="items")
    document: Mapped[Document | None] = relationship()
    incoming: Mapped[IncomingDocument | None] = relationship()


class FilingChoice(Base):
    """The case file a drafter chose for a document before it is issued: it goes there at issuance."""

    __tablename__ = "filing_choices"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    case_file_id: Mapped[int | None] = mapped_column(ForeignKey("case_files.id"), default=None)  # None: no file
    chosen_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class WebhookEndpoint(Base):
    """Another system of the agency that wants to hear about events."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(Encrypted)  # whsec_<base64>, shown once at creation (encrypted)
    events: Mapped[str] = mapped_column(Text)  # space-separated event types
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class WebhookDelivery(Base):
    """One event for one endpoint: the delivery log, retried with backoff, replayable."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(64))  # webhook-id: the same on every retry
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    done_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    endpoint: Mapped[WebhookEndpoint] = relationship()


class HubSystem(Base):
    """A system registered at the hub for the VXP protocol: its system id and secret (the national SDK signs
    each request with them) and the agency it speaks for."""

    __tablename__ = "hub_systems"
    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[str] = mapped_column(String(64), unique=True)
    organ_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(Encrypted)  # the HMAC key, as written (encrypted at rest)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class HubAgency(Base):
    """An agency a system registered at the hub's directory (registerAgency), e.g. one of its units."""

    __tablename__ = "hub_agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    parent_code: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(255))
    mail: Mapped[str] = mapped_column(String(255), default="")
    registered_by: Mapped[str] = mapped_column(String(64))  # the system id that registered it
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class HubMessage(Base):
    """A package or status message stored at the hub for one recipient until it is delivered."""

    __tablename__ = "hub_messages"
    __table_args__ = (
        UniqueConstraint("message_id", "to_organ"),
        UniqueConstraint("sent_key", name="uq_hub_messages_sent_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    from_organ: Mapped[str] = mapped_column(String(32))
    to_organ: Mapped[str] = mapped_column(String(32), index=True)
    document_key: Mapped[str] = mapped_column(String(160))
    body_sha256: Mapped[str] = mapped_column(String(64))
    # One file from one agency to one recipient is kept once: a replayed sendEdoc finds the first item by it.
    sent_key: Mapped[str | None] = mapped_column(String(64), default=None)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, delivered, failed
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    done_at: Mapped[dt.datetime | None] = mapped_column(default=None)


def incoming_search_text(incoming: IncomingDocument) -> str:
    """What an incoming document is found by: number/symbol, sender, type, summary and the words read off its
    scanned pages, folded without accents."""
    words = [incoming.symbol, incoming.sender_name, incoming.type_name, incoming.subject, incoming.ocr_text]
    return fold(" ".join(filter(None, words)))


@event.listens_for(IncomingDocument, "before_insert")
@event.listens_for(IncomingDocument, "before_update")
def _index_incoming(_mapper: Any, _connection: Any, incoming: IncomingDocument) -> None:
    incoming.search_text = incoming_search_text(incoming)
