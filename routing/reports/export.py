"""A report as the files clerks open: CSV (UTF-8 with its byte-order mark, so Excel reads Vietnamese) and XLSX."""

from __future__ import annotations

import csv
import io

import xlsxwriter

from routing.reports.schemas import BY, KINDS
from routing.reports.service import Line, Report


def title(report: Report) -> str:
    """The report's title as its files and page head it."""
    return (
        f"Báo cáo {KINDS[report.kind].lower()} {BY[report.by].lower()}, "
        f"từ {report.since:%d/%m/%Y} đến {report.until:%d/%m/%Y}"
    )


def _values(report: Report, line: Line) -> list[str | int | float | None]:
    return [line.name, *(getattr(line, key) for key, _ in report.columns)]


def _header(report: Report) -> list[str]:
    return ["Đơn vị" if report.by == "unit" else "Cá nhân", *(label for _, label in report.columns)]


def to_csv(report: Report) -> bytes:
    """The report as CSV: a header, a line per unit or person, the totals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header(report))
    for line in [*report.lines, report.total]:
        writer.writerow(["" if v is None else v for v in _values(report, line)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook: its title, a header, a line per unit or person, the totals in bold."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Báo cáo")
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    cell = workbook.add_format({"border": 1})
    sheet.write(0, 0, title(report), workbook.add_format({"bold": True, "font_size": 13}))
    for column, name in enumerate(_header(report)):
        sheet.write(2, column, name, bold)
    lines = [*report.lines, report.total]
    for row, line in enumerate(lines, start=3):
        for column, value in enumerate(_values(report, line)):
            sheet.write(row, column, value, bold if line is report.total else cell)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(report.columns), 16)
    workbook.close()
    return out.getvalue()
