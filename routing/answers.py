"""What each answer of routing's part of the JSON API holds, as pydantic models, like workflow/answers.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from workflow.web.answers import Answer, Time

if TYPE_CHECKING:
    from workflow.models import Agency


class Named(Answer):
    """A unit or an agency named in an answer."""

    id: int
    code: str
    name: str


class PersonRef(Answer):
    """One of our people a delivery is addressed to."""

    id: int
    full_name: str
    position: str


class Recipient(Answer):
    """Who a delivery goes to: a unit, a person of a unit, another agency, or nobody found (unresolved)."""

    kind: str = Field(description="unit | person | agency | unresolved")
    label: str
    unit: Named | None
    person: PersonRef | None
    agency: Named | None


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


class InboxItem(DeliveryOut):
    """A document delivered to the person's unit."""

    document: InboxDocument


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


class HistoryOut(Answer):
    """One step of an incoming document's history."""

    action: str
    code: str | None
    actor: str | None
    detail: dict[str, Any] | None
    at: Time | None


class IncomingDetail(IncomingOut):
    """An incoming document with its history."""

    history: list[HistoryOut]


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


class WebhookLog(Answer):
    """The delivery log of an endpoint."""

    deliveries: list[WebhookDeliveryOut]


class RecipientTarget(Answer):
    """Where a recipient line goes."""

    kind: str = Field(description="unit | person | agency | unresolved; list for a suggestion")
    id: int | None
    name: str


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
