"""Domain errors with a stable code, a Vietnamese message and the HTTP status they map to."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses; views turn it into JSON once, in one error handler."""

    status = 400
    # What the refused work recorded on its way (a voided number, an audit line) is committed before answering.
    recorded = False

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


class Invalid(DomainError):
    """Bad or missing input."""

    status = 400


class Unauthenticated(DomainError):
    """No valid credentials."""

    status = 401


class Forbidden(DomainError):
    """The person may not do this."""

    status = 403


class NotFound(DomainError):
    """No such object (or not visible to this person)."""

    status = 404


class Conflict(DomainError):
    """Not allowed from the current state."""

    status = 409


class Unprocessable(DomainError):
    """Well-formed but refused by a domain rule (e.g. a secret document over the network)."""

    status = 422


class DispatchRefused(Unprocessable):
    """A document that may not go over the network (a secret one); the refusal is in its history."""

    recorded = True


class IssueFailed(DomainError):
    """Issuance failed after taking a number: the number stays in the register as voided (detail.voided)."""

    status = 503
    recorded = True


class Corrupted(DomainError):
    """Stored data no longer matches its recorded hash: a fault of the system, not of the request."""

    status = 500


class Throttled(DomainError):
    """Too many attempts: try again later (429, with detail.retry_after in seconds)."""

    status = 429


class Busy(DomainError):
    """The server is at its bound for this kind of work: try again in a moment (503)."""

    status = 503
