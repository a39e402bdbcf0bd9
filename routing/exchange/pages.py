"""The administrator's page of the exchange: agency names the national directory renamed."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from routing.exchange import directory
from workflow.web.context import commit, db, path_id
from workflow.web.pages import (
    actor,
    blueprint,
    signed_in,
)

bp = blueprint("exchange", __name__, template_folder="../templates")


@bp.get("/admin/agency-names")
@signed_in
def agency_names() -> str:
    """The agencies the national exchange lists under another name than our directory's: keep or take it."""
    return render_template("routing/agency_names.html", agencies=directory.pending_names(db(), actor()))


@bp.post("/admin/agency-names/<agency_id>")
@signed_in
def decide_agency_name(agency_id: str) -> BaseResponse:
    """The administrator's decision on one agency's name."""
    accept = request.form.get("accept") == "1"
    agency = directory.decide_name(db(), actor(), path_id(agency_id), accept)
    commit()
    if accept:
        flash(_("Đã đổi tên cơ quan %(code)s thành “%(name)s”.", code=agency.code, name=agency.name), "ok")
    else:
        flash(_("Giữ tên “%(name)s” cho cơ quan %(code)s.", code=agency.code, name=agency.name), "ok")
    return redirect(url_for("exchange.agency_names"))
