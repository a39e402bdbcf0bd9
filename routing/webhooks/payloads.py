"""What each webhook event tells, as pydantic models built from the objects it is about: the payload posted is the
model's JSON, so it has exactly these fields (the same Answer base as the API's answers)."""

from __future__ import annotations

from routing.models import Delivery, IncomingDocument
from workflow.models import Document
from workflow.web.answers import Answer, Time, moment


class DocumentIssued(Answer):
    """document.issued: a document got its number and went out."""

    document_id: int
    number: int | None
    symbol: str | None
    summary: str
    issued_at: Time | None

    @classmethod
    def of(cls, document: Document) -> DocumentIssued:
        """What document.issued tells."""
        return cls(
            document_id=document.id,
            number=document.number,
            symbol=document.symbol,
            summary=document.summary,
            issued_at=moment(document.issued_at),
        )


class DeliveryStatusChanged(Answer):
    """delivery.status_changed: a recipient's receipt status or transport moved."""

    delivery_id: int
    document_id: int
    recipient: str
    status: str | None
    transport: str

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryStatusChanged:
        """What delivery.status_changed tells."""
        return cls(
            delivery_id=delivery.id,
            document_id=delivery.document_id,
            recipient=delivery.agency.code if delivery.agency else delivery.label,
            status=delivery.status_code,
            transport=delivery.transport,
        )


class IncomingReceived(Answer):
    """incoming.received: a document arrived from another agency."""

    incoming_id: int
    sender: str
    symbol: str | None
    subject: str
    document_key: str

    @classmethod
    def of(cls, incoming: IncomingDocument) -> IncomingReceived:
        """What incoming.received tells."""
        return cls(
            incoming_id=incoming.id,
            sender=incoming.sender_code,
            symbol=incoming.symbol,
            subject=incoming.subject,
            document_key=incoming.document_key,
        )
