"""The answers of the deliveries' API: recipients and receipts, the inbox, the dispatch board."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from routing.deliveries.service import sending
from routing.deliveries.statuses import LABELS
from routing.models import Delivery, DeliveryEvent
from workflow.models import Agency, Document, Unit
from workflow.web.answers import Answer, PersonRef, Time, moment


class Named(Answer):
    """A unit or an agency named in an answer."""

    id: int
    code: str
    name: str

    @classmethod
    def of(cls, named: Unit | Agency) -> Named:
        """A unit or an agency by its id, code and name."""
        return cls.model_validate(named)


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
        return cls.model_validate(d)


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

    @classmethod
    def of(cls, e: DeliveryEvent) -> HistoryStep:
        """A status of a delivery's history, at the receiver's time when it gave one."""
        return cls(
            status=e.code, label=LABELS.get(e.code, e.code), reason=e.reason, at=moment(e.remote_at or e.created_at)
        )


class AnswerRef(Answer):
    """A document another agency answered ours with."""

    incoming_id: int
    symbol: str
    promulgation_date: str


class BoardRecipient(DeliveryOut):
    """A recipient on the clerk's board: attempts, overdue flags and history."""

    attempts: int
    overdue: list[str]
    done: bool = Field(description="reached, with a final status, nothing flagged: nothing more to follow")
    needs_admin: bool = Field(description="Lỗi do thiếu cấu hình của quản trị viên: gửi lại chưa có tác dụng")
    history: list[HistoryStep]
    answered_by: AnswerRef | None = Field(None, description="the recipient agency's document answering ours")


class BoardDocument(Answer):
    """An issued document on the board."""

    id: int
    symbol: str | None
    summary: str
    state: str
    issued_at: Time | None

    @classmethod
    def of(cls, d: Document) -> BoardDocument:
        """An issued document as the board heads its recipients."""
        return cls.model_validate(d)


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
