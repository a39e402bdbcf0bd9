"""The answers of the incoming documents' API."""

from __future__ import annotations

from typing import Any

from routing.deliveries.statuses import INCOMING_LABELS
from routing.models import IncomingDocument, IncomingEvent
from workflow.web.answers import Answer, Time, moment


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
