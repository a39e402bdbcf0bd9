"""JSON API of reports: incoming, outgoing and receipts of a period, per unit or person, as JSON, CSV or XLSX."""

from __future__ import annotations

from flask import Blueprint, Response

from routing.reports import answers, export, schemas
from routing.reports import service as reports
from workflow.errors import NotFound
from workflow.web.context import Answered, db, ok, person, runtime
from workflow.web.openapi import described

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/reports/<kind>")
@described(
    query=schemas.ReportQuery,
    answers={200: answers.ReportOut},
    path_enums={"kind": tuple(schemas.KINDS)},
    files=("text/csv", XLSX),
)
def report(kind: str, query: schemas.ReportQuery) -> Answered | Response:
    """A report of a period (?from=&to=, this month so far by default) per unit or person (?by=unit|person):
    received, finished on time, finished late, overdue now, median days to finish; ?format=csv or xlsx for a file."""
    actor = person()  # who asks comes first: without a valid token the answer is 401, not 404
    if kind not in schemas.KINDS:
        raise NotFound("report_not_found", "Không có loại báo cáo này.")
    rt = runtime()
    since, until = reports.period(rt, query.from_, query.to)
    found = reports.report(db(), rt, actor, kind, query.by, since, until)
    return file_of(found, query.format) or ok(answers.ReportOut.of(found))


def file_of(found: reports.Report, wanted: str) -> Response | None:
    """The report as a CSV or XLSX download (None: JSON, or the page, is wanted)."""
    name = f"bao-cao-{found.kind}-{found.since:%Y%m%d}-{found.until:%Y%m%d}"
    if wanted == "csv":
        data, mimetype, name = export.to_csv(found), "text/csv; charset=utf-8", f"{name}.csv"
    elif wanted == "xlsx":
        data, mimetype, name = export.to_xlsx(found), XLSX, f"{name}.xlsx"
    else:
        return None
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
