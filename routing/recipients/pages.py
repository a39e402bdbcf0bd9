"""The pages of addressing: the recipients' panel of a draft, names remembered, distribution lists."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from routing.deliveries import service as services
from routing.recipients import addressing
from routing.recipients import parse as recipients
from workflow import access
from workflow.errors import Forbidden
from workflow.models import Document, Person
from workflow.states import BEFORE_ISSUANCE
from workflow.web.context import commit, db, path_id
from workflow.web.pages import (
    actor,
    back,
    blueprint,
    signed_in,
)

bp = blueprint("recipients", __name__, template_folder="../templates")


# Before issuance the drafter, the head and the clerk see where each recipient goes.


def addressing_panel(_sender: Any, *, person: Person, document: Document) -> Markup | None:
    """On a document's page before issuance: each recipient line and where it goes (units, people, agencies,
    a list's members), the lines the directory does not know with the closest names, and the drafter's
    warnings; the clerk can remember an unknown name for a unit, agency or list once, for every later document."""
    if document.state not in BEFORE_ISSUANCE or not access.allows(person, document, access.WORK):
        return None
    session = db()
    directory = addressing.Directory(session, document.agency_id)
    found = addressing.resolve(directory, document)
    clerk = person.has_role("clerk") or person.has_role("admin")
    return Markup(  # noqa: S704 - render_template's output, escaped by Jinja
        render_template(
            "routing/_addressing_panel.html",
            document=document,
            found=found,
            warnings=recipients.warnings(document.kinh_gui, document.noi_nhan),
            choices=directory.choices() if clerk and any(r.unresolved for r in found) else [],
            purposes=services.PURPOSES,
        )
    )


def chosen_target() -> tuple[str, int]:
    """The unit, agency or list a form's "target" choice names ("kind:id"); (kind, 0) when it names none."""
    kind, _colon, target = request.form.get("target", "").partition(":")
    return kind, int(target) if target.isdigit() else 0


@bp.post("/recipient-names")
@signed_in
def remember_name() -> BaseResponse:
    """The clerk remembers an unknown recipient name for a unit, agency or list (from the document's page)."""
    kind, target = chosen_target()
    label = request.form.get("label", "")
    name = addressing.remember(db(), actor(), label, kind, target)
    commit()
    flash(_("Đã ghi nhớ: “%(label)s” là %(name)s.", label=label, name=name), "ok")
    return back("pages.home")


@bp.get("/admin/lists")
@signed_in
def lists() -> str:
    """The administrator's distribution lists: name, other names and members, one a line."""
    person = actor()
    if not person.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được vào trang quản trị.")
    session = db()
    directory = addressing.Directory(session, person.unit.agency_id)
    rows = []
    for group in addressing.lists_of(session, person):
        members = [addressing.resolve_line(line, directory, None, 1) for line in recipients.parse("", group.members)]
        rows.append((group, members))
    return render_template("routing/lists.html", rows=rows)


@bp.post("/admin/lists")
@bp.post("/admin/lists/<list_id>")
@signed_in
def save_list(list_id: str | None = None) -> BaseResponse:
    """Add or change a distribution list."""
    form = request.form
    addressing.save_list(
        db(),
        actor(),
        path_id(list_id) if list_id else None,
        form.get("name", ""),
        form.get("aliases", ""),
        form.get("members", ""),
    )
    commit()
    flash(_("Đã lưu danh sách nơi nhận."), "ok")
    return redirect(url_for("recipients.lists"))


@bp.post("/admin/lists/<list_id>/delete")
@signed_in
def delete_list(list_id: str) -> BaseResponse:
    """Remove a distribution list."""
    addressing.delete_list(db(), actor(), path_id(list_id))
    commit()
    flash(_("Đã xóa danh sách nơi nhận."), "ok")
    return redirect(url_for("recipients.lists"))
