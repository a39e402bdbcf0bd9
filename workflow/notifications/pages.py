"""The bell: a person's notifications as a page, and the counts the pages refresh on their own (live.json)."""

from __future__ import annotations

from flask import Response, jsonify, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from workflow.documents import service as documents
from workflow.notifications import service as notifications
from workflow.signals import live_counts
from workflow.web.context import commit, db, path_id
from workflow.web.pages import actor, back, blueprint, signed_in

bp = blueprint("notifications", __name__)


@bp.get("/notifications")
@signed_in
def notification_list() -> str:
    """The person's notifications, newest first; each opens what it is about."""
    rows = notifications.notifications(db(), actor())
    return render_template("workflow/notifications.html", rows=rows, kinds=notifications.KIND_LABELS)


@bp.post("/notifications/<notification_id>/open")
@signed_in
def notification_open(notification_id: str) -> BaseResponse:
    """Mark a notification read and open its document (or the list, when it is about none)."""
    found = notifications.mark_read(db(), actor(), path_id(notification_id))
    commit()
    if found.document_id is not None:
        return redirect(url_for("documents.document", doc_id=found.document_id))
    incoming_id = (found.detail or {}).get("incoming_id")
    if isinstance(incoming_id, int):  # a document from another agency: routing's page, named by its endpoint
        return redirect(url_for("incoming.incoming_document", incoming_id=incoming_id))
    return redirect(url_for("notifications.notification_list"))


@bp.post("/notifications/read-all")
@signed_in
def notification_read_all() -> BaseResponse:
    """Mark every notification read."""
    notifications.mark_all_read(db(), actor())
    commit()
    return back("notifications.notification_list")


@bp.get("/live.json")
@signed_in
def live() -> tuple[Response, int]:
    """The counts the pages show (unread notifications, what waits by role, the unit's inbox), polled by the
    pages so they change without a reload."""
    person = actor()
    counts = {"unread": notifications.unread_count(db(), person), **documents.waiting_counts(db(), person)}
    for _, more in live_counts.send(None, person=person):
        counts.update(more or {})
    response, status = jsonify(counts), 200
    response.headers["Cache-Control"] = "no-store"
    return response, status
