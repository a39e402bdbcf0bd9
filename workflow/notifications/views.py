"""JSON API of a person's notifications."""

from __future__ import annotations

from flask import Blueprint, Response

from workflow import serializers
from workflow.notifications import service as notifications
from workflow.web import answers, schemas
from workflow.web.context import commit, db, ok, path_id, person
from workflow.web.openapi import described

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")


@bp.get("/notifications", endpoint="notifications")
@described(query=schemas.UnreadQuery, answers={200: answers.Notifications})
def notification_list(query: schemas.UnreadQuery) -> tuple[Response, int]:
    """The person's notifications, newest first (?unread=1 for unread only)."""
    rows = notifications.notifications(db(), person(), unread_only=query.unread)
    return ok(
        {
            "notifications": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "message": n.message,
                    "document_id": n.document_id,
                    "detail": n.detail,
                    "created_at": serializers.iso(n.created_at),
                    "read": n.read_at is not None,
                }
                for n in rows
            ],
            "unread": sum(1 for n in rows if n.read_at is None),
        }
    )


@bp.post("/notifications/<notification_id>/read")
@described(answers={200: answers.Read})
def notification_read(notification_id: str) -> tuple[Response, int]:
    """Mark a notification as read."""
    found = notifications.mark_read(db(), person(), path_id(notification_id))
    commit()
    return ok({"id": found.id, "read": True})
