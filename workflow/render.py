"""Render a draft's fields and body text as a Decree-30 PDF (A4, serif with Vietnamese glyphs)."""

from __future__ import annotations

import functools
import io
import math
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, SimpleDocTemplate, Spacer

from signing.appearance import serif_family
from signing.errors import PdfError
from signing.inspection import Box, Layout, line_box, page_size
from workflow.errors import Busy, Unprocessable

FACES = ("Serif", "Serif-Bold", "Serif-Italic", "Serif-BoldItalic")


@functools.cache
def register_fonts() -> None:
    """Register the serif family with reportlab (once per process)."""
    for face, path in zip(FACES, serif_family(), strict=True):
        pdfmetrics.registerFont(TTFont(face, path))
    pdfmetrics.registerFontFamily(
        "Serif", normal="Serif", bold="Serif-Bold", italic="Serif-Italic", boldItalic="Serif-BoldItalic"
    )


@dataclass(frozen=True)
class Draft:
    """What the renderer needs to lay out a document."""

    superior: str
    agency: str
    place: str
    type_name: str | None  # None for a công văn
    summary: str
    body: str
    kinh_gui: list[str]
    noi_nhan: list[str]
    authority: str  # e.g. "KT. GIÁM ĐỐC" or "GIÁM ĐỐC"
    position: str  # e.g. "PHÓ GIÁM ĐỐC"; empty when the authority line is the position
    signer_name: str
    marks: list[str] = field(default_factory=list)  # urgency / confidentiality marks


# The left column holds the agency's name (up to "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG" at 12 pt on one line), the right
# one the national motto (88.3 mm at 12 pt bold) within the 160 mm between the margins.
LEFT_COL = 72 * mm
PAGE_W, PAGE_H = A4
# Decree 30, Appendix I: top 20–25 mm, bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
MARGINS = {"left": 30 * mm, "right": 20 * mm, "top": 20 * mm, "bottom": 20 * mm}
TEXT_W = PAGE_W - MARGINS["left"] - MARGINS["right"]
FRAME_HEIGHT = PAGE_H - MARGINS["top"] - MARGINS["bottom"]
SIGNATURE_HEIGHT = 42 * mm
NOI_NHAN_LEADING = 13
# reportlab lays out a paragraph that runs over pages again for every page it reaches (quadratic in its
# length): longer paragraphs are laid out in pieces of this many characters, cut between words.
PIECE_CHARS = 2000
# Urgency and confidentiality marks are stamped in bright red (Decree 30 art. 15; Circular 24/2020/TT-BCA).
MARK_RED = (0.86, 0.08, 0.08)
# A rule under a name or a summary is 1/3 to 1/2 of its line (Decree 30, Appendix I): we draw 2/5.
RULE_SHARE = 0.4
PAGE_NUMBER_SIZE = 13


# "Kính gửi:" or "Nơi nhận:" pasted with the block: the page prints its own.
_HEADING = re.compile(r"^\s*(?:kính\s*gửi|nơi\s*nhận)\s*:?", re.I)


def dashed(lines: Sequence[str], last: str = ".") -> list[str]:
    """Recipient lines as Decree 30 writes them: "- " before each, ";" after each and `last` after the last.

    The clerk's own heading, dashes and end punctuation are taken off first, so a pasted block is not doubled.
    """
    bare = [x for x in (strip_dash(_HEADING.sub("", line, count=1)).rstrip(";.,") for line in lines) if x]
    return [f"- {x}{last if i == len(bare) - 1 else ';'}" for i, x in enumerate(bare)]


def strip_dash(line: str) -> str:
    """A line without the dash, bullet or plus sign a clerk may have typed before it."""
    return line.strip().lstrip("-–—•+ ").strip()


class _Header(Flowable):
    """The two-column Decree-30 heading with places for the number and the date."""

    def __init__(self, draft: Draft, boxes: dict[str, Box]) -> None:
        super().__init__()
        self.draft = draft
        self.boxes = boxes
        self.width = TEXT_W
        self.agency_lines = _wrap(draft.agency.upper(), "Serif-Bold", 12, LEFT_COL)
        subject_lines = len(_wrap("V/v " + draft.summary, "Serif", 12, LEFT_COL - 6)) if draft.type_name is None else 0
        # Quốc hiệu and number lines, then the V/v lines and the boxed marks drawn under the number.
        self.height = 66 + 14 * len(self.agency_lines) + 14 * subject_lines + 26 * len(draft.marks)

    def draw(self) -> None:
        c = self.canv
        d = self.draft
        left_mid = LEFT_COL / 2
        right_mid = LEFT_COL + (self.width - LEFT_COL) / 2
        top = self.height
        c.setFont("Serif", 12)
        c.drawCentredString(left_mid, top - 12, d.superior.upper())
        c.setFont("Serif-Bold", 12)
        y = top - 27
        for line in self.agency_lines:
            c.drawCentredString(left_mid, y, line)
            y -= 14
        # The rule under the agency's name is 1/3 to 1/2 of its (longest) line, centred under it.
        half = RULE_SHARE * max(pdfmetrics.stringWidth(x, "Serif-Bold", 12) for x in self.agency_lines) / 2
        c.line(left_mid - half, y + 6, left_mid + half, y + 6)
        c.drawCentredString(right_mid, top - 12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        c.setFont("Serif-Bold", 13)
        c.drawCentredString(right_mid, top - 27, "Độc lập - Tự do - Hạnh phúc")
        half = pdfmetrics.stringWidth("Độc lập - Tự do - Hạnh phúc", "Serif-Bold", 13) / 2
        c.line(right_mid - half, top - 30, right_mid + half, top - 30)
        # "Số:" with room for the number; at issuance a field spanning the column writes the whole line
        # ("Số: 07/STNMT-VP") centred under the agency's name, and one spanning the right column writes
        # the place and date centred under the motto, in italics.
        number_y = y - 12
        c.setFont("Serif", 13)
        # Marked as a placeholder that reads as nothing (/ActualText ()): once issued, the number field
        # prints the whole line over it, and text extraction and search find "Số:" once.
        c._code.append("/Span <</ActualText ()>> BDC")
        c.drawString(left_mid - 22 * mm, number_y, "Số:")
        c._code.append("EMC")
        self._mark("number", 0, number_y, LEFT_COL)
        self._mark("date", LEFT_COL, number_y, self.width)
        y = number_y - 17
        if d.type_name is None:
            c.setFont("Serif", 12)
            for line in _wrap("V/v " + d.summary, "Serif", 12, LEFT_COL - 6):
                c.drawCentredString(left_mid, y, line)
                y -= 14
        # Urgency and confidentiality marks go under the number, on the left, boxed, in red.
        c.setFont("Serif-Bold", 13)
        c.setStrokeColorRGB(*MARK_RED)
        c.setFillColorRGB(*MARK_RED)
        for mark in d.marks:
            y -= 10
            half = pdfmetrics.stringWidth(mark.upper(), "Serif-Bold", 13) / 2 + 6
            c.rect(left_mid - half, y - 5, 2 * half, 19)
            c.drawCentredString(left_mid, y, mark.upper())
            y -= 16
        c.setStrokeColorRGB(0, 0, 0)
        c.setFillColorRGB(0, 0, 0)

    def _mark(self, name: str, x1: float, baseline: float, x2: float) -> None:
        ax, ay = self.canv.absolutePosition(x1, baseline)
        bx, _ = self.canv.absolutePosition(x2, baseline)
        self.boxes[name] = line_box(self.canv.getPageNumber() - 1, ax, ay, 13, bx, "centre")


class _Rule(Flowable):
    """A thin rule centred in the frame, under a typed document's summary."""

    def __init__(self, length: float) -> None:
        super().__init__()
        self.length = length
        self.width, self.height = TEXT_W, 4

    def draw(self) -> None:
        self.canv.setLineWidth(0.6)
        self.canv.line((TEXT_W - self.length) / 2, 3, (TEXT_W + self.length) / 2, 3)


class _KinhGui(Flowable):
    """ "Kính gửi:" with one addressee on its line, or several as "- …;" lines whose dashes stand under its colon."""

    SIZE = 14
    LEADING = 18

    def __init__(self, addressees: list[str]) -> None:
        super().__init__()
        self.width = TEXT_W
        size = self.SIZE
        self.rows: list[tuple[float, str]] = []  # each line's offset from the block's left and its text
        if len(addressees) == 1:
            # One addressee: "Kính gửi: …." on one line (more if long, under the name), the block centred.
            label_w = pdfmetrics.stringWidth("Kính gửi: ", "Serif", size)
            name = strip_dash(addressees[0]).rstrip(";.,") + "."
            lines = _wrap(name, "Serif", size, TEXT_W - label_w)
            self.rows = [(0.0, "Kính gửi: " + lines[0]), *((label_w, x) for x in lines[1:])]
            widest = label_w + max(pdfmetrics.stringWidth(x, "Serif", size) for x in lines)
            self.x0 = max(0.0, (TEXT_W - widest) / 2)
        else:
            colon = pdfmetrics.stringWidth("Kính gửi", "Serif", size)
            dash_w = pdfmetrics.stringWidth("- ", "Serif", size)
            entries = dashed(addressees)
            widest = max(pdfmetrics.stringWidth(x, "Serif", size) for x in entries)
            self.x0 = max(0.0, min((TEXT_W - colon - widest) / 2, TEXT_W / 4))
            room = TEXT_W - self.x0 - colon - dash_w
            self.rows = [(0.0, "Kính gửi:")]
            for entry in entries:
                first, *rest = _wrap(entry, "Serif", size, room + dash_w)
                self.rows.append((colon, first))  # the dash under the colon, the rest of the entry hanging
                self.rows += [(colon + dash_w, x) for x in _wrap(" ".join(rest), "Serif", size, room)]
        self.height = self.LEADING * len(self.rows) + 6

    def draw(self) -> None:
        self.canv.setFont("Serif", self.SIZE)
        y = self.height - self.SIZE
        for x, text in self.rows:
            self.canv.drawString(self.x0 + x, y, text)
            y -= self.LEADING


class _SignatureBlock(Flowable):
    """Nơi nhận on the left, the signing authority, position, signature place and name on the right.

    A Nơi nhận longer than a page (real distribution lists run to a hundred lines) continues on the next
    page below "Nơi nhận (tiếp theo):"; the signature stays with its first part.
    """

    def __init__(self, draft: Draft, boxes: dict[str, Box], lines: list[str] | None = None) -> None:
        super().__init__()
        self.draft = draft
        self.boxes = boxes
        self.width = TEXT_W
        if lines is None:
            lines = [line for r in dashed(draft.noi_nhan) for line in _wrap(r, "Serif", 11, LEFT_COL)]
        self.lines = lines
        self.height = max((len(lines) + 1) * NOI_NHAN_LEADING + 10, SIGNATURE_HEIGHT)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        if self.height <= FRAME_HEIGHT or available_height < SIGNATURE_HEIGHT:
            return []  # the whole block on the next page (or at least its signature part)
        fit = int((available_height - 10) // NOI_NHAN_LEADING) - 1
        return [
            _SignatureBlock(self.draft, self.boxes, self.lines[:fit]),
            _NoiNhanContinued(self.lines[fit:]),
        ]

    def draw(self) -> None:
        c = self.canv
        d = self.draft
        top = self.height
        c.setFont("Serif-BoldItalic", 12)
        c.drawString(0, top - 12, "Nơi nhận:")
        _draw_lines(c, self.lines, top - 25)
        mid = LEFT_COL + (self.width - LEFT_COL) / 2
        c.setFont("Serif-Bold", 13)
        c.drawCentredString(mid, top - 12, d.authority.upper())
        if d.position:
            c.drawCentredString(mid, top - 27, d.position.upper())
        name_y = top - 27 - 32 * mm
        c.drawCentredString(mid, name_y, d.signer_name)
        # 240 pt wide: the seal over the signature's left third leaves room on the right for "Ký bởi".
        ax, ay = c.absolutePosition(mid - 120, name_y + 16)
        bx, by = c.absolutePosition(mid + 120, top - 33)
        self.boxes["leader"] = Box(c.getPageNumber() - 1, ax, ay, bx, by)


class _NoiNhanContinued(Flowable):
    """The rest of a long Nơi nhận, on the pages after the signature, as many lines a page as fit."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines
        self.height = (len(lines) + 1) * NOI_NHAN_LEADING + 10

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return LEFT_COL, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        fit = int((available_height - 10) // NOI_NHAN_LEADING) - 1
        if fit < 1:
            return []
        return [_NoiNhanContinued(self.lines[:fit]), _NoiNhanContinued(self.lines[fit:])]

    def draw(self) -> None:
        self.canv.setFont("Serif-BoldItalic", 12)
        self.canv.drawString(0, self.height - 12, "Nơi nhận (tiếp theo):")
        _draw_lines(self.canv, self.lines, self.height - 25)


def _draw_lines(c: Any, lines: list[str], y: float) -> None:
    c.setFont("Serif", 11)
    for line in lines:
        c.drawString(0, y, line)
        y -= NOI_NHAN_LEADING


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    return [*lines, current] if current else lines


def _pieces(paragraph: str) -> list[str]:
    """A paragraph cut between words into pieces of at most PIECE_CHARS characters (one piece if shorter)."""
    pieces = []
    while len(paragraph) > PIECE_CHARS:
        cut = paragraph.rfind(" ", PIECE_CHARS // 2, PIECE_CHARS)
        cut = cut if cut > 0 else PIECE_CHARS
        pieces.append(paragraph[:cut])
        paragraph = paragraph[cut:].lstrip()
    return [*pieces, paragraph] if paragraph else pieces


def render(draft: Draft) -> tuple[bytes, Layout]:
    """Lay out the draft on A4 and return the PDF and where number, date and signature go."""
    register_fonts()
    draft = _nfc(draft)
    boxes: dict[str, Box] = {}
    body_style = ParagraphStyle(
        "body",
        fontName="Serif",
        fontSize=13.5,
        leading=18,
        alignment=TA_JUSTIFY,
        firstLineIndent=10 * mm,
        spaceAfter=6,
    )
    centre = ParagraphStyle("centre", parent=body_style, alignment=TA_CENTER, firstLineIndent=0)
    story: list[Flowable] = [_Header(draft, boxes)]
    if draft.type_name is not None:
        summary_lines = _wrap(draft.summary, "Serif-Bold", 14, TEXT_W)
        widest = max(pdfmetrics.stringWidth(x, "Serif-Bold", 14) for x in summary_lines)
        story += [
            Spacer(0, 6 * mm),
            Paragraph(f"<b>{escape(draft.type_name.upper())}</b>", ParagraphStyle("type", parent=centre, fontSize=14)),
            Paragraph(f"<b>{escape(draft.summary)}</b>", ParagraphStyle("summary", parent=centre, fontSize=14)),
            _Rule(RULE_SHARE * widest),
            Spacer(0, 4 * mm),
        ]
    else:
        story.append(Spacer(0, 8 * mm))
    addressees = [x for x in (_HEADING.sub("", line, count=1) for line in draft.kinh_gui) if strip_dash(x)]
    if addressees:
        story += [_KinhGui(addressees), Spacer(0, 4)]
    # A long paragraph's pieces follow each other without indent or space between them.
    first_piece = ParagraphStyle("first_piece", parent=body_style, spaceAfter=0)
    middle_piece = ParagraphStyle("middle_piece", parent=first_piece, firstLineIndent=0)
    last_piece = ParagraphStyle("last_piece", parent=body_style, firstLineIndent=0)
    for paragraph in [p.strip() for p in draft.body.split("\n") if p.strip()]:
        pieces = _pieces(paragraph)
        for index, piece in enumerate(pieces):
            if len(pieces) == 1:
                style = body_style
            else:
                style = first_piece if index == 0 else last_piece if index == len(pieces) - 1 else middle_piece
            story.append(Paragraph(escape(piece), style))
    story.append(Spacer(0, 4 * mm))
    story.append(_SignatureBlock(draft, boxes))
    out = io.BytesIO()
    # No padding inside the frame: the text reaches the margins and no further.
    frame = Frame(MARGINS["left"], MARGINS["bottom"], TEXT_W, FRAME_HEIGHT, 0, 0, 0, 0, id="text")
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        pageTemplates=[PageTemplate("page", [frame], onPage=_page_number)],
        title=draft.summary,
        author=draft.agency,
        creator="congvan",
    )
    doc.build(story)
    return out.getvalue(), Layout(number=boxes["number"], date=boxes["date"], leader=boxes["leader"])


def _page_number(canvas: Any, doc: Any) -> None:
    """From page 2, the page number centred in the top margin (Decree 30, Appendix I)."""
    if doc.page > 1:
        canvas.setFont("Serif", PAGE_NUMBER_SIZE)
        canvas.drawCentredString(MARGINS["left"] + TEXT_W / 2, PAGE_H - 12 * mm, str(doc.page))


def _nfc(draft: Draft) -> Draft:
    def n(s: str) -> str:
        return unicodedata.normalize("NFC", s)

    return Draft(
        superior=n(draft.superior),
        agency=n(draft.agency),
        place=n(draft.place),
        type_name=n(draft.type_name) if draft.type_name else None,
        summary=n(draft.summary),
        body=n(draft.body),
        kinh_gui=[n(x) for x in draft.kinh_gui],
        noi_nhan=[n(x) for x in draft.noi_nhan],
        authority=n(draft.authority),
        position=n(draft.position),
        signer_name=n(draft.signer_name),
        marks=[n(x) for x in draft.marks],
    )


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


def render_register(
    agency: str, superior: str, title: str, year: int, lines: list[RegisterLine], footer: str = ""
) -> bytes:
    """The outgoing register of a year as a printable A4 landscape PDF (Decree 30, appendix VI)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape
    from reportlab.platypus import LongTable, TableStyle

    register_fonts()
    cell = ParagraphStyle("cell", fontName="Serif", fontSize=10, leading=12)
    head = ParagraphStyle("head", parent=cell, fontName="Serif-Bold", alignment=TA_CENTER)
    centre = ParagraphStyle("title", fontName="Serif-Bold", fontSize=14, leading=18, alignment=TA_CENTER)
    header = [
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung văn bản",
        "Người ký",
        "Nơi nhận văn bản",
        "Số lượng bản",
        "Ghi chú",
    ]
    rows = [[Paragraph(escape(h), head) for h in header]]
    for line in lines:
        values = [
            line.symbol,
            line.date,
            line.type_and_summary,
            line.signer,
            line.recipients,
            str(line.copies),
            line.note,
        ]
        rows.append([Paragraph(escape(unicodedata.normalize("NFC", v)).replace("\n", "<br/>"), cell) for v in values])
    widths = [x * mm for x in (32, 24, 80, 35, 62, 16, 28)]
    table = LongTable(rows, colWidths=widths, repeatRows=1)
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


PREVIEW_DPI = 100  # an A4 page 827 px wide: sharp in the page, light enough for a phone
# Page images drawn at once by one process (each may take a few hundred MB in pdftoppm), and the bounds of one.
_DRAWING = threading.BoundedSemaphore(2)
DRAW_SECONDS = 20
DRAW_MEMORY = 1024 * 1024 * 1024


def page_png(pdf: bytes, page: int, *, max_pixels: int, dpi: float = PREVIEW_DPI) -> bytes:
    """One page of a PDF as a PNG (poppler's pdftoppm), for reading a document in the page and on phones:
    at most `max_pixels` (a larger page is drawn at a lower resolution), within a memory and time bound."""
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise RuntimeError("pdftoppm (poppler-utils) is not installed")
    try:
        width, height = page_size(pdf, page - 1)
    except PdfError as exc:
        raise Unprocessable(exc.code, exc.message) from exc
    pixels = (width * dpi / 72) * (height * dpi / 72)
    if pixels > max_pixels:
        dpi *= math.sqrt(max_pixels / pixels)
    if not _DRAWING.acquire(timeout=DRAW_SECONDS):
        raise Busy("busy", "Máy chủ đang bận vẽ trang văn bản; hãy thử lại sau giây lát.")
    try:
        with tempfile.TemporaryDirectory(prefix="congvan-page-") as work:
            source, target = Path(work) / "in.pdf", Path(work) / "page"
            source.write_bytes(pdf)
            limits = [f"--as={DRAW_MEMORY}", f"--cpu={DRAW_SECONDS}"]
            argv = [binary, "-png", "-r", f"{dpi:.2f}", "-f", str(page), "-l", str(page), "-singlefile"]
            subprocess.run(  # noqa: S603 - fixed argv on our own file, under prlimit's bounds
                ["prlimit", *limits, "--", *argv, str(source), str(target)],  # noqa: S607
                capture_output=True,
                timeout=DRAW_SECONDS + 5,
                check=True,
            )
            return target.with_suffix(".png").read_bytes()
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError, FileNotFoundError) as exc:
        raise Unprocessable("page_image_failed", "Không vẽ được trang này thành ảnh; hãy mở tệp PDF.") from exc
    finally:
        _DRAWING.release()
