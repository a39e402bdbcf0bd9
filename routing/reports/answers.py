"""The answers of the reports' API."""

from __future__ import annotations

from routing.reports.service import Line, Report
from workflow.web.answers import Answer


class ReportLine(Answer):
    """One unit's or person's figures."""

    name: str
    received: int
    on_time: int
    late: int
    overdue: int
    open: int
    median_days: float | None

    @classmethod
    def of(cls, line: Line) -> ReportLine:
        """A line as the API shows it."""
        return cls(
            name=line.name,
            received=line.received,
            on_time=line.on_time,
            late=line.late,
            overdue=line.overdue,
            open=line.open,
            median_days=line.median_days,
        )


class ReportOut(Answer):
    """A report: its period, grouping, what its figures are called, a line per unit or person, the totals."""

    kind: str
    by: str
    since: str
    until: str
    columns: dict[str, str]
    lines: list[ReportLine]
    total: ReportLine

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        """A report as the API shows it."""
        return cls(
            kind=report.kind,
            by=report.by,
            since=report.since.isoformat(),
            until=report.until.isoformat(),
            columns=dict(report.columns),
            lines=[ReportLine.of(line) for line in report.lines],
            total=ReportLine.of(report.total),
        )
