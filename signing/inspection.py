"""Reading a PDF without trusting it: its pages, signatures and size within bounds (an upload, a received file),
and where the Decree-30 number, date and leader's signature go on its first page (the layout)."""

from __future__ import annotations

import io
import re
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.errors import PdfError

A4_WIDTH, A4_HEIGHT = 595.28, 841.89


@dataclass(frozen=True)
class Box:
    """A rectangle on a page (0-based page index; PDF user space, origin bottom left)."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float
    align: str = "left"  # a text field's alignment: "left" or "centre" (PDF /Q 0 or 1)


@dataclass(frozen=True)
class Layout:
    """Where the number, the date and the leader's signature go."""

    number: Box
    date: Box
    leader: Box


@dataclass(frozen=True)
class PdfInfo:
    """What the system checks about a PDF it accepts."""

    pages: int
    signatures: int


# What pyHanko may raise on a malformed file (found by parsing and by fuzzing: a bad xref stream fails an
# assertion, a bad number a decimal conversion, a trailer whose /Root is a number an attribute lookup): all mean
# "not a PDF we can read".
UNREADABLE = (
    PyHankoPdfError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    RecursionError,
    AssertionError,
    ArithmeticError,
    AttributeError,
)


def open_reader(data: bytes) -> PdfFileReader:
    """A pyHanko reader of the bytes, or PdfError when they are no PDF it can read."""
    if not data.startswith(b"%PDF-"):
        raise PdfError("not_a_pdf", "Tệp không phải là PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise PdfError("pdf_encrypted", "Tệp PDF được mã hóa; hãy tải lên bản không mật khẩu.")
        _ = reader.root["/Pages"]
        return reader
    except PdfError:
        raise
    except UNREADABLE as exc:
        raise PdfError("pdf_unreadable", "Không đọc được tệp PDF (tệp hỏng hoặc không hợp lệ).") from exc


def inspect(data: bytes) -> PdfInfo:
    """Parse a PDF and return its page and signature counts, or raise PdfError."""
    reader = open_reader(data)
    try:
        pages = int(reader.root["/Pages"]["/Count"])
        signatures = len(reader.embedded_signatures)
    except UNREADABLE as exc:
        raise PdfError("pdf_unreadable", "Không đọc được cấu trúc tệp PDF.") from exc
    if pages < 1:
        raise PdfError("pdf_empty", "Tệp PDF không có trang nào.")
    return PdfInfo(pages=pages, signatures=signatures)


# Limits of a PDF from outside (an upload); checked in a child process with memory and CPU limits.
MAX_OBJECTS = 100_000
MAX_INFLATED = 256 * 1024 * 1024  # bytes all its compressed streams may expand to
MAX_PAGE_TREE_DEPTH = 64
MAX_PAGE_POINTS = 3370.0  # the long side of A0: larger pages are no office paper, and cost gigabytes to draw


def inspect_untrusted(
    data: bytes,
    max_objects: int = MAX_OBJECTS,
    max_inflated: int = MAX_INFLATED,
    max_page_points: float = MAX_PAGE_POINTS,
    *,
    damaged_streams: bool = False,
) -> PdfInfo:
    """Check a PDF from outside more strictly than inspect(): whole, not a polyglot, its object count,
    page tree, page sizes and decompressed size within limits; returns its page and signature counts or
    raises PdfError. `damaged_streams`: a stream that does not inflate is no refusal (a validation reports
    the tampered file instead)."""
    head = data[:1024].lower()
    if data.startswith(b"%PDF-") and any(mark in head for mark in (b"<html", b"<script", b"<!doctype", b"<svg")):
        raise PdfError("pdf_polyglot", "Tệp vừa là PDF vừa chứa mã trang web; không nhận tệp này.")
    if data.startswith(b"%PDF-") and b"%%EOF" not in data[-1024:]:
        raise PdfError("pdf_unreadable", "Tệp PDF bị cắt cụt (thiếu phần kết thúc %%EOF).")
    found = re.findall(rb"startxref\s+(\d+)", data[-1024:])
    if found and int(found[-1]) >= len(data):
        raise PdfError("pdf_unreadable", "Tệp PDF hỏng: bảng tham chiếu (startxref) nằm ngoài tệp.")
    reader = open_reader(data)
    try:
        declared = int(reader.trailer["/Size"])
    except UNREADABLE as exc:
        raise PdfError("pdf_unreadable", "Không đọc được cấu trúc tệp PDF.") from exc
    if declared > max_objects:
        raise PdfError("pdf_too_many_objects", f"Tệp PDF có quá nhiều đối tượng ({declared}; tối đa {max_objects}).")
    pages = _count_pages(reader.root["/Pages"], most=max_page_points)
    inflated = 0
    try:
        for revision in range(reader.xrefs.total_revisions):
            for ref in reader.xrefs.explicit_refs_in_revision(revision):
                stream = ref.get_object()
                if not isinstance(stream, generic.StreamObject):
                    continue
                try:
                    inflated += _inflated_size(stream, max_inflated - inflated)
                except zlib.error:
                    if not damaged_streams:
                        raise
                    inflated += len(stream.encoded_data)
    except PdfError:
        raise
    except (*UNREADABLE, zlib.error) as exc:
        raise PdfError("pdf_unreadable", "Không đọc được một đối tượng của tệp PDF.") from exc
    info = inspect(data)
    if info.pages != pages:
        raise PdfError("pdf_unreadable", "Cây trang của tệp PDF không khớp số trang khai báo.")
    return info


def _count_pages(
    node: Any, depth: int = 0, seen: set[int] | None = None, box: Any = None, most: float = MAX_PAGE_POINTS
) -> int:
    """Pages under a node of the page tree, refusing loops, absurd depth and pages larger than `most` points
    on a side (the MediaBox, inherited down the tree, times UserUnit)."""
    seen = set() if seen is None else seen
    if depth > MAX_PAGE_TREE_DEPTH or id(node) in seen:
        raise PdfError("pdf_page_tree_loop", "Cây trang của tệp PDF bị vòng lặp hoặc lồng quá sâu.")
    seen.add(id(node))
    try:
        box = node.get("/MediaBox", box)
        if node.get("/Type") == "/Page":
            x1, y1, x2, y2 = (float(v) for v in box)
            side = max(abs(x2 - x1), abs(y2 - y1)) * float(node.get("/UserUnit", 1))
            if side > most:
                raise PdfError(
                    "pdf_page_too_large",
                    f"Tệp PDF có trang quá khổ (cạnh {side / 72 * 25.4:.0f} mm; tối đa {most / 72 * 25.4:.0f} mm, "
                    "khổ A0).",
                )
            return 1
        return sum(_count_pages(kid.get_object(), depth + 1, seen, box, most) for kid in node["/Kids"])
    except PdfError:
        raise
    except (*UNREADABLE, AttributeError) as exc:
        raise PdfError("pdf_unreadable", "Không đọc được cây trang của tệp PDF.") from exc


def _inflated_size(stream: generic.StreamObject, budget: int) -> int:
    """How many bytes a Flate stream expands to, stopping as soon as it passes the budget (a bomb)."""
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, generic.ArrayObject) else [str(filters)]
    if "/FlateDecode" not in names:
        return len(stream.encoded_data)
    if names != ["/FlateDecode"]:
        # A chain (e.g. ASCII85 then Flate, as reportlab writes): decoded whole, within the child's memory limit.
        size = len(stream.data)
        if size > budget:
            raise PdfError("pdf_bomb", "Tệp PDF giải nén ra quá lớn (nghi là bom nén).")
        return size
    inflater = zlib.decompressobj()
    size = 0
    chunk = stream.encoded_data
    while chunk:
        size += len(inflater.decompress(chunk, 1 << 20))
        chunk = inflater.unconsumed_tail
        if size > budget:
            raise PdfError("pdf_bomb", "Tệp PDF giải nén ra quá lớn (nghi là bom nén).")
    return size


def page_size(data: bytes, index: int) -> tuple[float, float]:
    """Width and height in points of a page (its MediaBox, inherited or not, times UserUnit)."""
    import pypdf

    try:
        page = pypdf.PdfReader(io.BytesIO(data)).pages[index]
        unit = float(page.user_unit)
        return float(page.mediabox.width) * unit, float(page.mediabox.height) * unit
    except Exception as exc:  # pypdf's many failures on a malformed file all mean one thing
        raise PdfError("pdf_unreadable", "Không đọc được khổ giấy của trang PDF.") from exc


def signature_count(data: bytes) -> int:
    """Number of filled signature fields in a PDF."""
    return inspect(data).signatures


MAX_PAGE_CONTENT = 1024 * 1024  # bytes of a page's content read for its text (a real page has < 200 KB)


def _text_runs(data: bytes, page_index: int, most: int = MAX_PAGE_CONTENT) -> list[tuple[str, float, float, float]]:
    """Text runs of a page as (text, x, y, font size) using pypdf's text visitor; none for a page whose
    content is larger than `most` bytes (pypdf's extraction takes seconds a megabyte: the fallback applies)."""
    import pypdf

    runs: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((unicodedata.normalize("NFC", text), x, y, size * abs(tm[0] or 1)))

    try:
        page = pypdf.PdfReader(io.BytesIO(data)).pages[page_index]
        contents = page.get_contents()
        if contents is None or len(contents.get_data()) > most:
            return []
        page.extract_text(visitor_text=visit)
    except Exception:  # noqa: BLE001 - text location is best effort; the layout fallback applies
        return []
    return runs


def locate_layout(data: bytes, signer_name: str, most: int = MAX_PAGE_CONTENT) -> Layout:
    """Find the number, date and signature places from the text, with Decree-30 fallbacks."""
    pages = inspect(data).pages
    first = _text_runs(data, 0, most)
    number: Box | None = None
    date: Box | None = None
    number_line: tuple[float, float] | None = None  # baseline and size of the "Số:" line
    for text, x, y, size in first:
        if re.match(r"^\s*Số\s*:", text):
            # The field covers the placeholder after "Số:" ("/STNMT-VP"): "Số:" is about 1.45 em wide.
            start = x + 1.45 * (size or 13)
            number = line_box(0, start, y, size, start + 170)
            number_line = (y, size or 13)
            break
    for text, x, y, size in first:
        if "ngày" in text and "tháng" in text and y > A4_HEIGHT / 2:
            date = line_box(0, x - 1, y, size, min(x + 290, A4_WIDTH - 20))
            break
    if date is None:
        date = _date_beside_number(first, number_line)
    if number is None:
        number = Box(0, 80, date.y1, 260, date.y2)  # "Số:" missing: the number goes left of the date
    last = pages - 1
    leader = Box(last, 310, 120, 550, 190)
    folded = _fold(signer_name)
    if folded:
        for text, x, y, size in _text_runs(data, last, most):
            if folded in _fold(text):
                left = min(max(x - 60, 290), A4_WIDTH - 40 - 240)
                leader = Box(last, left, y + (size or 13) + 4, left + 240, y + 80)
                break
    return Layout(number=number, date=date, leader=leader)


def _date_beside_number(runs: list[tuple[str, float, float, float]], number_line: tuple[float, float] | None) -> Box:
    """The place-and-date field of a page that has no "…, ngày … tháng … năm …" line: on the line of "Số:",
    in the free space right of what is written there (Decree 30 puts the date there), centred in it;
    refused when there is no "Số:" line or no room on it."""
    if number_line is None:
        raise PdfError(
            "pdf_no_number_date_line",
            "Trang đầu của tệp PDF không có dòng “Số:” và dòng địa danh, ngày tháng (“…, ngày … tháng … năm …”): "
            "hãy thêm hai dòng đó vào văn bản trước khi tải lên.",
        )
    baseline, size = number_line
    # Runs are not measured: a run's end is estimated at 0.55 em a character (serif text is about 0.45).
    ends = [x + 0.55 * (s or size) * len(t) for t, x, y, s in runs if abs(y - baseline) < 0.6 * size]
    start = max([A4_WIDTH * 0.48, *(end + 12 for end in ends)])
    end = A4_WIDTH - 20 * 72 / 25.4
    if end - start < 180:
        raise PdfError(
            "pdf_no_date_line",
            "Tệp PDF không có dòng địa danh, ngày tháng (“…, ngày … tháng … năm …”) và dòng “Số:” không còn chỗ "
            "để ghi ngày ban hành: hãy thêm dòng ngày tháng vào văn bản trước khi tải lên.",
        )
    return line_box(0, start, baseline, size, end, "centre")


def line_box(page: int, x1: float, baseline: float, size: float, x2: float, align: str = "left") -> Box:
    """A field box around one line of text: room for descenders below the baseline."""
    size = size or 13
    return Box(page, x1, baseline - 0.3 * size, x2, baseline + 1.05 * size, align)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def int_box(x1: float, y1: float, x2: float, y2: float) -> tuple[int, int, int, int]:
    """A box in whole points, as pyHanko places fields."""
    return round(x1), round(y1), round(x2), round(y2)
