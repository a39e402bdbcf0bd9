"""How far a delivery got on its way to its recipient, as named values and the sets the code asks about."""

from __future__ import annotations

from enum import StrEnum


class Transport(StrEnum):
    """A delivery's transport: not yet delivered, delivered, failed (the clerk sees it), nobody found in the
    directory for its line, or sent on paper by the clerk instead."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNRESOLVED = "unresolved"
    PAPER = "paper"


# The recipient has the document (electronically or on paper); it never got it and the clerk can act.
REACHED = frozenset({Transport.DELIVERED, Transport.PAPER})
NOT_SENT = frozenset({Transport.FAILED, Transport.UNRESOLVED})
