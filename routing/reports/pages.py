"""The reports' page: a period, a grouping, the figures as a table and a bar chart, and their files."""

from __future__ import annotations

from flask import Response, render_template, request

from routing.reports import export, schemas
from routing.reports import service as reports
from routing.reports.views import file_of
from workflow.web.context import db, runtime
from workflow.web.pages import actor, blueprint, signed_in, typed_date
from workflow.web.schemas import parse

bp = blueprint("reports", __name__, template_folder="../templates")


@bp.get("/reports")
@signed_in
def reports_page() -> str | Response:
    """Reports for leaders and clerks (?kind=incoming|outgoing|receipts, from, to as dd/mm/yyyy, by, format)."""
    kind = request.args.get("kind") or "incoming"
    parse(schemas.KindPath, {"kind": kind})
    args = request.args.to_dict() | {
        "from": typed_date(request.args.get("from")),
        "to": typed_date(request.args.get("to")),
    }
    query = parse(schemas.ReportQuery, {k: v for k, v in args.items() if k != "kind"})
    rt = runtime()
    since, until = reports.period(rt, query.from_, query.to)
    found = reports.report(db(), rt, actor(), kind, query.by, since, until)
    return file_of(found, query.format) or render_template(
        "routing/reports.html",
        report=found,
        title=export.title(found),
        kinds=schemas.KINDS,
        groupings=schemas.BY,
        widest=max([line.received for line in found.lines] or [1]),
    )
