"""Printed pages other than a document: the outgoing register of a year and a document's issuance certificate,
in the same serif face as the documents (workflow/render.py)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from workflow.documents.render import register_fonts


@dataclass(frozen=True)
class RegisterLine:
    """One line of the printed outgoing register."""

    symbol: str
    date: str
    type_and_summary: str
    signer: str
    recipients: str
    copies: int
    note: str


# The outgoing register's columns (Decree 30, appendix VI) and their widths in mm on A4 landscape.
OUTGOING_COLUMNS = (
    ("Số, ký hiệu văn bản", 32),
    ("Ngày tháng văn bản", 24),
    ("Tên loại và trích yếu nội dung văn bản", 80),
    ("Người ký", 35),
    ("Nơi nhận văn bản", 62),
    ("Số lượng bản", 16),
    ("Ghi chú", 28),
)


def render_register(
    agency: str, superior: str, title: str, year: int, lines: list[RegisterLine], footer: str = ""
) -> bytes:
    """The outgoing register of a year as a printable A4 landscape PDF (Decree 30, appendix VI)."""
    rows = [
        [line.symbol, line.date, line.type_and_summary, line.signer, line.recipients, str(line.copies), line.note]
        for line in lines
    ]
    return render_book(agency, superior, title, year, OUTGOING_COLUMNS, rows, footer)


def render_book(
    agency: str,
    superior: str,
    title: str,
    year: int,
    columns: Sequence[tuple[str, float]],
    rows: list[list[str]],
    footer: str = "",
) -> bytes:
    """A register of a year (outgoing, incoming) as a printable A4 landscape PDF: the agency's heading, the
    title, then one line per entry under the columns given (name, width in mm), headings repeated on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape
    from reportlab.platypus import LongTable, TableStyle

    register_fonts()
    cell = ParagraphStyle("cell", fontName="Serif", fontSize=10, leading=12)
    head = ParagraphStyle("head", parent=cell, fontName="Serif-Bold", alignment=TA_CENTER)
    centre = ParagraphStyle("title", fontName="Serif-Bold", fontSize=14, leading=18, alignment=TA_CENTER)
    table_rows = [[Paragraph(escape(name), head) for name, _ in columns]]
    for values in rows:
        table_rows.append(
            [Paragraph(escape(unicodedata.normalize("NFC", v)).replace("\n", "<br/>"), cell) for v in values]
        )
    table = LongTable(table_rows, colWidths=[width * mm for _, width in columns], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list[Flowable] = [
        Paragraph(escape(superior.upper()), ParagraphStyle("s", parent=centre, fontName="Serif", fontSize=12)),
        Paragraph(escape(agency.upper()), ParagraphStyle("a", parent=centre, fontSize=12)),
        Spacer(0, 6 * mm),
        Paragraph(escape(title.upper()), centre),
        Paragraph(f"Năm {year}", ParagraphStyle("y", parent=centre, fontName="Serif")),
        Spacer(0, 6 * mm),
        table,
    ]
    if footer:
        story += [Spacer(0, 4 * mm), Paragraph(escape(footer), ParagraphStyle("f", parent=cell, fontSize=8))]
    return _printed(story, landscape(A4), f"{title} {year}")


def _printed(story: list[Flowable], pagesize: tuple[float, float], title: str) -> bytes:
    """A report (register, certificate) laid out on pages with the margins of printed office papers."""
    out = io.BytesIO()
    margins = {"leftMargin": 12 * mm, "rightMargin": 12 * mm, "topMargin": 15 * mm, "bottomMargin": 15 * mm}
    SimpleDocTemplate(out, pagesize=pagesize, title=title, creator="congvan", **margins).build(story)
    return out.getvalue()


@dataclass(frozen=True)
class IssuanceRecord:
    """What a certificate of issuance states about one issued document (every value already in words)."""

    agency: str
    superior: str
    symbol: str
    type_and_summary: str
    issued_at: str
    sha256: str
    size: int
    signatures: list[tuple[str, str, str, str]]  # signer; certificate (subject, issuer, serial); validity; time
    events: list[tuple[str, str, str]]  # time, who, what
    recipients: list[tuple[str, str]]  # recipient; each status with its time
    made_at: str


def render_certificate(record: IssuanceRecord) -> bytes:
    """A certificate of issuance as an A4 PDF: the document's identity, its signatures, its history and
    every recipient's receipts (signed by the agency afterwards)."""
    from reportlab.lib import colors
    from reportlab.platypus import LongTable, TableStyle

    register_fonts()
    cell = ParagraphStyle("cell", fontName="Serif", fontSize=9, leading=11)
    head = ParagraphStyle("head", parent=cell, fontName="Serif-Bold")
    centre = ParagraphStyle("title", fontName="Serif-Bold", fontSize=13, leading=17, alignment=TA_CENTER)
    section = ParagraphStyle("section", fontName="Serif-Bold", fontSize=11, leading=15, spaceBefore=8, spaceAfter=3)

    def text(value: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(unicodedata.normalize("NFC", value)).replace("\n", "<br/>"), style)

    def table(header: list[str], rows: Sequence[tuple[str, ...]], widths: list[float]) -> LongTable:
        body = [[text(h, head) for h in header]] + [[text(v) for v in row] for row in rows]
        grid = LongTable(body, colWidths=[w * mm for w in widths], repeatRows=1)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return grid

    facts = [
        ("Số, ký hiệu", record.symbol),
        ("Tên loại và trích yếu", record.type_and_summary),
        ("Thời điểm phát hành", record.issued_at),
        ("Tệp phát hành (SHA-256)", f"{record.sha256}\n{record.size:,} byte".replace(",", ".")),
    ]
    story: list[Flowable] = [
        text(record.superior.upper(), ParagraphStyle("s", parent=centre, fontName="Serif", fontSize=11)),
        text(record.agency.upper(), ParagraphStyle("a", parent=centre, fontSize=11)),
        Spacer(0, 6 * mm),
        text("GIẤY CHỨNG NHẬN PHÁT HÀNH VĂN BẢN", centre),
        text(f"Lập lúc {record.made_at}", ParagraphStyle("m", parent=centre, fontName="Serif-Italic", fontSize=10)),
        Spacer(0, 4 * mm),
        table(["Thông tin", "Nội dung"], facts, [45, 141]),
        text("Chữ ký số trên tệp phát hành", section),
        table(["Người ký", "Chứng thư số", "Hiệu lực", "Thời điểm ký"], record.signatures, [38, 86, 32, 30]),
        text("Quá trình xử lý", section),
        table(["Thời điểm", "Người thực hiện", "Nội dung"], record.events, [32, 50, 104]),
        text("Tình trạng nhận văn bản", section),
        table(["Nơi nhận", "Trạng thái và thời điểm"], record.recipients, [70, 116]),
        Spacer(0, 4 * mm),
        text(
            "Giấy chứng nhận này được ký số bởi cơ quan phát hành; kiểm tra chữ ký số và đối chiếu mã SHA-256 "
            "với tệp văn bản để xác nhận.",
            ParagraphStyle("n", parent=cell, fontName="Serif-Italic"),
        ),
    ]
    return _printed(story, A4, f"Chứng nhận phát hành {record.symbol}")
