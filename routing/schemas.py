"""The shapes of routing's part of the JSON API (deliveries, the dispatch board, incoming documents, webhooks):
requests and answers as pydantic models, like workflow/schemas.py."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from routing.statuses import INCOMING_LABELS
from workflow.schemas import (
    Answer,
    Id,
    OptionalDate,
    OptionalId,
    PageQuery,
    Request,
    Time,
    coded,
    enum,
    one_of,
)

IncomingState = Annotated[str, one_of(INCOMING_LABELS, "invalid_state", "Trạng thái"), enum(INCOMING_LABELS)]


# --- requests -------------------------------------------------------------------------------------------


class StatusIn(Request):
    """A recipient's next status of a delivery (02 with a reason, 03, 04, 05, 06)."""

    status: str = Field(min_length=1, max_length=2, title="mã trạng thái")
    reason: str | None = Field(None, max_length=2000, title="lý do")


class BoardQuery(PageQuery):
    """The dispatch board of the last `days` days."""

    days: int = coded("invalid_days", default=30, ge=1, le=366, title="số ngày")


class UpdateIn(Request):
    """What an update package changes: the deadline, and why."""

    due_date: OptionalDate = Field(None, title="hạn xử lý")
    reason: str = Field("", max_length=2000, title="lý do")


class IncomingQuery(PageQuery):
    """Incoming documents in a state, registered in a year."""

    state: Annotated[IncomingState | None, BeforeValidator(lambda v: v or None)] = coded(
        "invalid_state", default=None, title="trạng thái"
    )
    year: Annotated[int | None, BeforeValidator(lambda v: v or None)] = coded(
        "invalid_year", default=None, ge=2000, le=2100, title="năm"
    )


class RegisterYear(Request):
    """The incoming register of a year (this year when absent)."""

    year: Annotated[int | None, BeforeValidator(lambda v: v or None)] = coded(
        "invalid_year", default=None, ge=2000, le=2100, title="năm"
    )


class IncomingStep(Request):
    """A step on an incoming document: a reason (return, refuse_recall, register without a good signature), or
    the assignment (assign: the lead unit, supporting units, deadline)."""

    reason: Annotated[str, BeforeValidator(lambda v: v or "")] = Field("", max_length=2000, title="lý do")
    lead_unit_id: OptionalId = coded("invalid_unit", default=None, title="đơn vị chủ trì")
    supporting_unit_ids: list[Id] = coded("invalid_unit", default_factory=list, title="đơn vị phối hợp")
    deadline: OptionalDate = Field(None, title="hạn xử lý")


class WebhookIn(Request):
    """A URL subscribed to events (all events when none are named)."""

    url: str = coded("invalid_url", min_length=1, max_length=2000, title="địa chỉ webhook")
    events: list[str] | None = coded("invalid_events", default=None, title="sự kiện")


# --- answers --------------------------------------------------------------------------------------------


class Named(Answer):
    """A unit or an agency named in an answer."""

    id: int
    code: str
    name: str


class Recipient(Answer):
    """Who a delivery goes to."""

    kind: str
    label: str
    unit: Named | None
    agency: Named | None


class DeliveryOut(Answer):
    """A recipient of a document with its receipt status."""

    id: int
    document_id: int
    recipient: Recipient
    purpose: str | None
    channel: str
    transport: str | None
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
    recipients: list[BoardRecipient]
    attention: int


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
