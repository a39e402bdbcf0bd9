"""Render a draft's fields and body text as a Decree-30 PDF (A4, serif with Vietnamese glyphs)."""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer

from signing.appearance import serif_family
from signing.inspection import Box, Layout, line_box

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
    bare = bare_lines(lines)
    return [f"- {x}{last if i == len(bare) - 1 else ';'}" for i, x in enumerate(bare)]


def bare_lines(lines: Sequence[str]) -> list[str]:
    """Recipient lines as names: without a pasted heading, the dashes and the end punctuation a clerk typed."""
    return [x for x in (strip_dash(_HEADING.sub("", line, count=1)).rstrip(";.,").strip() for line in lines) if x]


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

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, _available_width: float, available_height: float) -> list[Flowable]:
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
        for y, line in ((top - 12, d.authority), (top - 27, d.position)):
            if line:
                c.setFont("Serif-Bold", authority_size(line))
                c.drawCentredString(mid, y, line.upper())
        c.setFont("Serif-Bold", AUTHORITY_SIZE)
        name_y = top - 27 - 32 * mm
        c.drawCentredString(mid, name_y, d.signer_name)
        # 240 pt wide: the seal over the signature's left third leaves room on the right for "Ký bởi".
        ax, ay = c.absolutePosition(mid - 120, name_y + 16)
        bx, by = c.absolutePosition(mid + 120, top - 33)
        self.boxes["leader"] = Box(c.getPageNumber() - 1, ax, ay, bx, by)


# The authority lines above the signature: 13 pt bold (Decree 30, Appendix I), down to 10 pt for a long one, so
# that "KT. GIÁM ĐỐC SỞ …" stays inside the signature column; a line too long even then is refused when the admin
# enters it (line_fits).
AUTHORITY_SIZE, AUTHORITY_SMALLEST = 13.0, 10.0
SIGNATURE_COLUMN = TEXT_W - LEFT_COL


def authority_size(line: str) -> float:
    """The font size an authority line is printed at: the largest that fits the signature column."""
    register_fonts()
    size = AUTHORITY_SIZE
    while size > AUTHORITY_SMALLEST and pdfmetrics.stringWidth(line.upper(), "Serif-Bold", size) > SIGNATURE_COLUMN:
        size -= 0.5
    return size


def line_fits(line: str) -> bool:
    """True if an authority line fits the signature column at the smallest size it may be printed at."""
    register_fonts()
    return pdfmetrics.stringWidth(line.upper(), "Serif-Bold", AUTHORITY_SMALLEST) <= SIGNATURE_COLUMN


class _NoiNhanContinued(Flowable):
    """The rest of a long Nơi nhận, on the pages after the signature, as many lines a page as fit."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines
        self.height = (len(lines) + 1) * NOI_NHAN_LEADING + 10

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return LEFT_COL, self.height

    def split(self, _available_width: float, available_height: float) -> list[Flowable]:
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
