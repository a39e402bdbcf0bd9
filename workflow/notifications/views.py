"""JSON API of a person's notifications."""

from __future__ import annotations

from flask import Blueprint

from workflow.notifications import answers, schemas
from workflow.notifications import service as notifications
from workflow.web.context import Answered, commit, db, ok, path_id, person
from workflow.web.openapi import described

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")


@bp.get("/notifications", endpoint="notifications")
@described(query=schemas.UnreadQuery, answers={200: answers.Notifications})
def notification_list(query: schemas.UnreadQuery) -> Answered:
    """The person's notifications, newest first (?unread=1 for unread only)."""
    rows = notifications.notifications(db(), person(), unread_only=query.unread)
    return ok(
        answers.Notifications(
            notifications=[answers.NotificationOut.of(n) for n in rows],
            unread=sum(1 for n in rows if n.read_at is None),
        )
    )


@bp.post("/notifications/<notification_id>/read")
@described(answers={200: answers.Read})
def notification_read(notification_id: str) -> Answered:
    """Mark a notification as read."""
    found = notifications.mark_read(db(), person(), path_id(notification_id))
    commit()
    return ok(answers.Read(id=found.id, read=True))
