"""What each answer of routing's part of the JSON API holds, as pydantic models built from the objects they show,
like workflow/web/answers.py; webhook payloads are models too."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from routing.deliveries.service import sending
from routing.deliveries.statuses import INCOMING_LABELS, LABELS
from routing.models import Delivery, DistributionList, IncomingDocument, IncomingEvent, WebhookDelivery, WebhookEndpoint
from routing.recipients.addressing import Resolved, Target
from workflow.models import Agency, Document, Person, Unit
from workflow.web.answers import Answer, Time, moment


class Named(Answer):
    """A unit or an agency named in an answer."""

    id: int
    code: str
    name: str

    @classmethod
    def of(cls, named: Unit | Agency) -> Named:
        """A unit or an agency by its id, code and name."""
        return cls(id=named.id, code=named.code, name=named.name)


class PersonRef(Answer):
    """One of our people a delivery is addressed to."""

    id: int
    full_name: str
    position: str

    @classmethod
    def of(cls, p: Person) -> PersonRef:
        """One of our people by name and position."""
        return cls(id=p.id, full_name=p.full_name, position=p.position)


class Recipient(Answer):
    """Who a delivery goes to: a unit, a person of a unit, another agency, or nobody found (unresolved)."""

    kind: str = Field(description="unit | person | agency | unresolved")
    label: str
    unit: Named | None
    person: PersonRef | None
    agency: Named | None

    @classmethod
    def of(cls, d: Delivery) -> Recipient:
        """Who a delivery goes to."""
        return cls(
            kind=d.kind,
            label=d.label,
            unit=Named.of(d.unit) if d.unit else None,
            person=PersonRef.of(d.person) if d.person else None,
            agency=Named.of(d.agency) if d.agency else None,
        )


class DeliveryOut(Answer):
    """A recipient of a document with its receipt status."""

    id: int
    document_id: int
    recipient: Recipient
    purpose: str | None
    channel: str
    transport: str | None
    sending: Literal["sent", "paper", "sending", "not_sent", "failed"] = Field(
        description="how the document went: sent, on paper, being sent, not sent yet (no way), failed"
    )
    sending_label: str
    paper_note: str | None
    status: str | None
    status_label: str
    status_reason: str | None
    last_error: str | None
    updated_at: Time | None

    @classmethod
    def fields_of(cls, d: Delivery) -> dict[str, Any]:
        """The fields of a delivery as every answer about it shows them (the inbox and the board add theirs)."""
        went, label = sending(d)
        return {
            "id": d.id,
            "document_id": d.document_id,
            "recipient": Recipient.of(d),
            "purpose": d.purpose,
            "channel": d.channel,
            "transport": d.transport,
            "sending": went,
            "sending_label": label,
            "paper_note": d.paper_note,
            "status": d.status_code,
            "status_label": LABELS.get(d.status_code or "", "Chưa đến"),
            "status_reason": d.status_reason,
            "last_error": d.last_error,
            "updated_at": moment(d.updated_at),
        }

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        """A recipient of a document with its receipt status."""
        return cls(**cls.fields_of(d))


class Deliveries(Answer):
    """Every recipient of a document."""

    deliveries: list[DeliveryOut]


class InboxDocument(Answer):
    """The document an inbox item delivers."""

    id: int
    symbol: str | None
    summary: str
    urgency: str
    issued_at: Time | None

    @classmethod
    def of(cls, d: Document) -> InboxDocument:
        """The document an inbox item delivers."""
        return cls(id=d.id, symbol=d.symbol, summary=d.summary, urgency=d.urgency, issued_at=moment(d.issued_at))


class InboxItem(DeliveryOut):
    """A document delivered to the person's unit."""

    document: InboxDocument

    @classmethod
    def of(cls, d: Delivery) -> InboxItem:
        """A delivery in the unit's inbox, with its document."""
        return cls(**DeliveryOut.fields_of(d), document=InboxDocument.of(d.document))


class Inbox(Answer):
    """A page of the unit's inbox."""

    deliveries: list[InboxItem]
    next_before: int | None


class HistoryStep(Answer):
    """One status of a delivery's history."""

    status: str
    label: str
    reason: str | None
    at: Time | None


class BoardRecipient(DeliveryOut):
    """A recipient on the clerk's board: attempts, overdue flags and history."""

    attempts: int
    overdue: list[str]
    done: bool = Field(description="reached, with a final status, nothing flagged: nothing more to follow")
    needs_admin: bool = Field(description="Lỗi do thiếu cấu hình của quản trị viên: gửi lại chưa có tác dụng")
    history: list[HistoryStep]


class BoardDocument(Answer):
    """An issued document on the board."""

    id: int
    symbol: str | None
    summary: str
    state: str
    issued_at: Time | None


class BoardRow(Answer):
    """A document with every recipient, and how many need the clerk."""

    document: BoardDocument
    recipients: list[BoardRecipient] = Field(description="those the filter shows")
    attention: int = Field(description="of all its recipients, how many need the clerk")
    done: int = Field(description="of all its recipients, how many need nothing more")


class Board(Answer):
    """The clerk's board: a page of recent documents."""

    documents: list[BoardRow]
    attention: int
    next_before: int | None


class Resent(Answer):
    """How many recipient agencies an update package goes to."""

    recipients: int


class Sender(Answer):
    """The agency an incoming document came from."""

    code: str
    name: str


class SignerName(Answer):
    """Who signed an incoming document."""

    name: str | None
    position: str | None


class IncomingOut(Answer):
    """An incoming document."""

    id: int
    sender: Sender
    document_key: str
    symbol: str | None
    number: int | None
    promulgation_date: str
    type_name: str | None
    subject: str
    signer: SignerName
    priority: int | None
    due_date: str | None
    state: str
    state_label: str
    revision: int
    signatures: dict[str, Any]
    attachments: list[dict[str, Any]]
    recall_request: str | None
    return_reason: str | None
    incoming_number: int | None
    incoming_year: int | None
    registered_at: Time | None
    lead_unit_id: int | None
    supporting_unit_ids: list[int] | None
    deadline: str | None
    replaces_id: int | None
    received_at: Time | None

    @classmethod
    def fields_of(cls, i: IncomingDocument) -> dict[str, Any]:
        """The fields of an incoming document (its detail adds the history)."""
        return {
            "id": i.id,
            "sender": Sender(code=i.sender_code, name=i.sender_name),
            "document_key": i.document_key,
            "symbol": i.symbol,
            "number": i.number,
            "promulgation_date": i.promulgation_date.isoformat(),
            "type_name": i.type_name,
            "subject": i.subject,
            "signer": SignerName(name=i.signer_name, position=i.signer_position),
            "priority": i.priority,
            "due_date": moment(i.due_date),
            "state": i.state,
            "state_label": INCOMING_LABELS[i.state],
            "revision": i.revision,
            "signatures": i.signatures,
            "attachments": i.attachments,
            "recall_request": i.recall_reason,
            "return_reason": i.return_reason,
            "incoming_number": i.incoming_number,
            "incoming_year": i.incoming_year,
            "registered_at": moment(i.registered_at),
            "lead_unit_id": i.lead_unit_id,
            "supporting_unit_ids": i.supporting_unit_ids,
            "deadline": moment(i.deadline),
            "replaces_id": i.replaces_id,
            "received_at": moment(i.received_at),
        }

    @classmethod
    def of(cls, i: IncomingDocument) -> IncomingOut:
        """An incoming document as the API shows it."""
        return cls(**cls.fields_of(i))


class HistoryOut(Answer):
    """One step of an incoming document's history."""

    action: str
    code: str | None
    actor: str | None
    detail: dict[str, Any] | None
    at: Time | None

    @classmethod
    def of(cls, e: IncomingEvent) -> HistoryOut:
        """One step of an incoming document's history."""
        return cls(
            action=e.action,
            code=e.code,
            actor=e.actor.full_name if e.actor else None,
            detail=e.detail,
            at=moment(e.created_at),
        )


class IncomingDetail(IncomingOut):
    """An incoming document with its history."""

    history: list[HistoryOut]

    @classmethod
    def with_history(cls, i: IncomingDocument, events: list[IncomingEvent]) -> IncomingDetail:
        """An incoming document with its history."""
        return cls(**IncomingOut.fields_of(i), history=[HistoryOut.of(e) for e in events])


class IncomingPage(Answer):
    """A page of incoming documents."""

    incoming: list[IncomingOut]
    next_before: int | None


class IncomingRegister(Answer):
    """The incoming register of a year."""

    year: int
    entries: list[IncomingOut]


class Imported(Answer):
    """What became of an imported package."""

    message_id: str
    result: str
    duplicate: bool
    status: str | None = None
    incoming_id: int | None = None


class WebhookOut(Answer):
    """A webhook endpoint (the secret only in the answer that creates it)."""

    id: int
    url: str
    events: list[str]
    active: bool
    secret: str | None = None

    @classmethod
    def of(cls, e: WebhookEndpoint, *, with_secret: bool = False) -> WebhookOut:
        """An endpoint (its secret only when it is created)."""
        secret = {"secret": e.secret} if with_secret else {}  # left out of the answer, not shown as null
        return cls(id=e.id, url=e.url, events=e.events.split(), active=e.active, **secret)


class Webhooks(Answer):
    """Every webhook endpoint."""

    webhooks: list[WebhookOut]


class WebhookDeliveryOut(Answer):
    """One delivery of the webhook log."""

    id: int
    webhook_id: str
    event: str
    state: str
    attempts: int
    response_status: int | None
    last_error: str | None
    created_at: Time | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, row: WebhookDelivery) -> WebhookDeliveryOut:
        """One delivery of the log."""
        return cls(
            id=row.id,
            webhook_id=row.message_id,
            event=row.event,
            state=row.state,
            attempts=row.attempts,
            response_status=row.response_status,
            last_error=row.last_error,
            created_at=moment(row.created_at),
            payload=row.payload,
        )


class WebhookLog(Answer):
    """The delivery log of an endpoint."""

    deliveries: list[WebhookDeliveryOut]


class RecipientTarget(Answer):
    """Where a recipient line goes."""

    kind: str = Field(description="unit | person | agency | unresolved; list for a suggestion")
    id: int | None
    name: str

    @classmethod
    def of(cls, t: Target) -> RecipientTarget:
        """Where a line goes."""
        return cls(kind=t.kind, id=t.id, name=t.name)


class ResolvedLine(Answer):
    """A recipient line as written, its purpose, and where it goes before issuance."""

    label: str
    purpose: str
    names: str = Field(description="organisation | people | reference (Như Điều 4)")
    via: str | None = Field(description="the distribution list the line named")
    targets: list[RecipientTarget]
    suggestions: list[RecipientTarget] = Field(
        description="the closest units, agencies and lists of the directory, for an unknown line"
    )

    @classmethod
    def of(cls, r: Resolved) -> ResolvedLine:
        """One line and where it goes."""
        return cls(
            label=r.line.label,
            purpose=r.line.purpose,
            names=r.line.kind,
            via=r.via,
            targets=[RecipientTarget.of(t) for t in r.targets],
            suggestions=[RecipientTarget.of(t) for t in r.suggestions],
        )


class RecipientsPreview(Answer):
    """Every recipient of a document and where it goes, what stays unknown, and the drafter's warnings."""

    recipients: list[ResolvedLine]
    unresolved: int
    warnings: list[str]


class Remembered(Answer):
    """A name remembered for a unit, agency or distribution list."""

    label: str
    target: str


class DistributionListOut(Answer):
    """A distribution list of the agency."""

    id: int
    name: str
    aliases: list[str]
    members: list[str]

    @classmethod
    def of(cls, group: DistributionList) -> DistributionListOut:
        """A distribution list with its other names and members."""
        return cls(id=group.id, name=group.name, aliases=group.aliases.splitlines(), members=group.members.splitlines())


class DistributionLists(Answer):
    """The agency's distribution lists."""

    lists: list[DistributionListOut]


class AgencyName(Answer):
    """An agency of the directory with the name the national exchange lists for it, if that waits for a decision."""

    id: int
    code: str
    name: str
    listed_name: str | None

    @classmethod
    def of(cls, agency: Agency) -> AgencyName:
        """The answer for one agency."""
        return cls(id=agency.id, code=agency.code, name=agency.name, listed_name=agency.listed_name)


class AgencyNames(Answer):
    """The agencies whose name on the national exchange differs from the directory's."""

    agencies: list[AgencyName]


class Deleted(Answer):
    """What was removed."""

    deleted: int
