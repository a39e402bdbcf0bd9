"""The answers of the notifications' API."""

from __future__ import annotations

from typing import Any

from workflow.models import (
    Notification,
)
from workflow.web.answers import Answer, Time, moment


class NotificationOut(Answer):
    """A notification."""

    id: int
    kind: str
    message: str
    document_id: int | None
    detail: dict[str, Any] | None
    created_at: Time | None
    read: bool

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        """A notification and whether it was read."""
        return cls(
            id=n.id,
            kind=n.kind,
            message=n.message,
            document_id=n.document_id,
            detail=n.detail,
            created_at=moment(n.created_at),
            read=n.read_at is not None,
        )


class Notifications(Answer):
    """A person's notifications, newest first, and how many are unread."""

    notifications: list[NotificationOut]
    unread: int


class Read(Answer):
    """A notification marked read."""

    id: int
    read: bool
