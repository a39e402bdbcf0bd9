"""Tables of routing: one delivery per (document, recipient) and its status history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.models import Agency, Base, Document, Person, Unit


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Delivery(Base):
    """A document on its way to one recipient: a unit of ours or another agency."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # unit | agency | unresolved
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None, index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    label: Mapped[str] = mapped_column(Text)  # the line as written in Kính gửi / Nơi nhận
    purpose: Mapped[str] = mapped_column(String(16))  # action | report | info
    channel: Mapped[str] = mapped_column(String(16))  # internal | edxml | none
    # pending: not yet delivered; delivered; failed (visible to the clerk); unresolved: no directory match.
    transport: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    status_code: Mapped[str | None] = mapped_column(String(2), default=None)
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    document: Mapped[Document] = relationship()
    unit: Mapped[Unit | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


class DeliveryEvent(Base):
    """One status received for a delivery, in order."""

    __tablename__ = "delivery_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    code: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    actor: Mapped[Person | None] = relationship()
