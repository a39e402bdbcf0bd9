"""The document as Decree 30/2020 (Appendix I) draws it, measured on the rendered and issued PDFs.

Positions come from the PDF itself, not from looking at it: pdfplumber reads the page's characters (font,
size, colour) and rules; poppler's `pdftotext -bbox-layout` reads every line as printed, the filled
number and date fields and the stamps included; pdftoppm draws the page to measure the seal's ink.
Distances are in millimetres from the page's edges (A4: 210 × 297 mm).
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from congvan.demo import seal_png, signature_png
from signing import appearance, inspection, issuance
from signing.errors import PdfError, SigningError
from tests.signing.conftest import signed_and_issued
from tests.signing.test_pdf import NOW, draft
from workflow.documents.render import Draft, register_fonts, render

MM = 72 / 25.4
PAGE_W, PAGE_H = 210.0, 297.0


@dataclass(frozen=True)
class Line:
    """One printed line: its text and box in millimetres from the page's top left corner."""

    page: int
    text: str
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def centre(self) -> float:
        return (self.x1 + self.x2) / 2


def printed_lines(data: bytes, tmp_path: Path) -> list[Line]:
    """Every line poppler prints (page content, filled fields and stamps), with its box in mm."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    found = []
    for number, page in enumerate(ET.fromstring(xhtml).iter("{http://www.w3.org/1999/xhtml}page"), start=1):
        for line in page.iterfind(".//x:line", ns):
            words = [w.text or "" for w in line.iterfind("x:word", ns)]
            box = [float(line.get(k, 0)) / MM for k in ("xMin", "yMin", "xMax", "yMax")]
            found.append(Line(number, " ".join(words), *box))
    return found


def the_line(lines: list[Line], start: str, page: int = 1) -> Line:
    matching = [x for x in lines if x.page == page and x.text.startswith(start)]
    assert matching, f"no line starting {start!r} on page {page}: {[x.text for x in lines if x.page == page]}"
    return matching[0]


def typed(**changes: Any) -> Draft:
    return dataclasses.replace(draft(), **changes)


SENTENCE = "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về việc tăng cường công tác phòng, chống dịch. "
LONG_BODY = "\n".join([SENTENCE * 6] * 14)
SEVERAL = [
    "- Sở Y tế;",
    "Sở Tài chính",
    "Ủy ban nhân dân các huyện, thành phố thuộc tỉnh Tuyên Quang và các đơn vị liên quan.",
]


@pytest.fixture(scope="module")
def cong_van() -> bytes:
    """A công văn of several pages to several addressees, urgent and confidential, with pasted blocks (their
    headings and dashes included)."""
    data, _ = render(
        typed(
            body=LONG_BODY,
            kinh_gui=["Kính gửi:", *SEVERAL],
            noi_nhan=["Nơi nhận:", "- Như trên;", "- Bộ Y tế (để b/c);", "- Lưu: VT, VP."],
            marks=["Mật", "Hỏa tốc"],
        )
    )
    return data


@pytest.fixture(scope="module")
def issued(identities: dict, font: bytes) -> tuple[bytes, bytes]:
    """The sample công văn signed by its leader (with the demo's blue signature image) and issued."""
    return signed_and_issued(identities, font, signature_png("Hoàng Văn Minh"))


# --- layout ---------------------------------------------------------------------------------------


def test_place_and_date_italic_and_centred_under_the_motto(issued: tuple[bytes, bytes], tmp_path: Path) -> None:
    lines = printed_lines(issued[1], tmp_path)
    motto = the_line(lines, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    date = the_line(lines, "Tuyên Quang, ngày 22 tháng 11 năm 2026")
    assert abs(date.centre - motto.centre) < 1.0, (date, motto)
    assert date.y1 > motto.y2
    field = _widget(issued[1], "ngay_ban_hanh")
    fonts = field["/AP"]["/N"]["/Resources"]["/Font"]
    assert all("Italic" in str(f.get_object()["/BaseFont"]) for f in fonts.values())


def test_number_centred_under_the_agency_name(issued: tuple[bytes, bytes], tmp_path: Path) -> None:
    lines = printed_lines(issued[1], tmp_path)
    agency = the_line(lines, "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG")
    number = the_line(lines, "Số: 07/STNMT-VP")
    assert abs(number.centre - agency.centre) < 1.0, (number, agency)
    assert str(_widget(issued[1], "so_ky_hieu")["/V"]) == "07/STNMT-VP"  # the value is the number alone


def test_margins_within_decree_30(cong_van: bytes, tmp_path: Path) -> None:
    lines = [x for x in printed_lines(cong_van, tmp_path) if not x.text.isdigit()]  # page numbers apart
    pages = {x.page for x in lines}
    assert len(pages) >= 3 and pages == set(range(1, len(pages) + 1))
    left = min(x.x1 for x in lines)
    right = PAGE_W - max(x.x2 for x in lines)
    top = min(x.y1 for x in lines)
    bottom = PAGE_H - max(x.y2 for x in lines)
    assert 30 - 0.5 <= left <= 35, left
    assert 15 <= right <= 20.5, right  # justified lines end at the right margin
    assert 20 - 0.5 <= top <= 25, top
    assert bottom >= 20 - 0.5, bottom
    with pdfplumber.open(io.BytesIO(cong_van)) as document:
        page = document.pages[0]
        justified = [c for c in page.chars if c["size"] == 13.5]
        assert abs(PAGE_W - max(c["x1"] for c in justified) / MM - 20) < 0.5  # the body reaches 20 mm


def test_page_numbers_from_page_two_centred_in_the_top_margin(cong_van: bytes, tmp_path: Path) -> None:
    numbers = [x for x in printed_lines(cong_van, tmp_path) if x.text.isdigit() and x.y2 < 20]
    pages = max(x.page for x in printed_lines(cong_van, tmp_path))
    assert [(x.page, x.text) for x in numbers] == [(n, str(n)) for n in range(2, pages + 1)]
    text_centre = 30 + (PAGE_W - 30 - 20) / 2
    assert all(abs(x.centre - text_centre) < 1.0 for x in numbers)
    with pdfplumber.open(io.BytesIO(cong_van)) as document:
        sizes = {c["size"] for c in document.pages[1].chars if c["top"] < 20 * MM}
    assert sizes and all(13 <= s <= 14 for s in sizes)


def _rules(data: bytes) -> list[tuple[float, float, float]]:
    """The horizontal rules of page 1: left, right and height from the top, in points."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [(x["x0"], x["x1"], x["top"]) for x in document.pages[0].lines if abs(x["top"] - x["bottom"]) < 0.5]


LEFT_COLUMN = (30 + 72) * MM  # the agency's column of the heading and the Nơi nhận


def _words(data: bytes, text: str, left_column: bool = False) -> tuple[float, float, float]:
    """Left, right and bottom (points from the top) of the first line of page 1 that starts with `text`
    (in the heading's or the Nơi nhận's left column only, if asked)."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        page = document.pages[0]
        if left_column:
            page = page.crop((0, 0, LEFT_COLUMN, page.height))
        for line in page.extract_text_lines():
            if line["text"].startswith(text):
                return line["x0"], line["x1"], line["bottom"]
    raise AssertionError(text)


@pytest.mark.parametrize("agency", ["Sở Tài nguyên và Môi trường", "Sở Y tế"])
def test_rule_under_the_agency_name_is_a_third_to_a_half_of_it(agency: str) -> None:
    data, _ = render(typed(agency=agency))
    x1, x2, bottom = _words(data, agency.upper(), left_column=True)
    rule = min((r for r in _rules(data) if r[2] > bottom and r[1] < LEFT_COLUMN), key=lambda r: r[2])
    length, name = rule[1] - rule[0], x2 - x1
    assert name / 3 <= length <= name / 2, (length / MM, name / MM)
    assert abs((rule[0] + rule[1]) / 2 - (x1 + x2) / 2) < 1 * MM  # centred under the name


def test_typed_document_has_a_rule_under_its_summary_and_a_cong_van_none() -> None:
    summary = "về việc ban hành quy chế làm việc của Sở Tài nguyên và Môi trường"
    data, _ = render(typed(type_name="Quyết định", summary=summary, kinh_gui=[]))
    x1, x2, bottom = _words(data, summary)
    under = [r for r in _rules(data) if 0 < r[2] - bottom < 8 * MM]
    assert len(under) == 1
    length = under[0][1] - under[0][0]
    assert (x2 - x1) / 3 <= length <= (x2 - x1) / 2
    assert abs((under[0][0] + under[0][1]) / 2 - (x1 + x2) / 2) < 1 * MM
    cong_van, _ = render(draft())
    _, _, vv_bottom = _words(cong_van, "V/v")
    assert not [r for r in _rules(cong_van) if 0 < r[2] - vv_bottom < 8 * MM]


def test_several_addressees_as_dash_lines_under_the_colon(cong_van: bytes) -> None:
    with pdfplumber.open(io.BytesIO(cong_van)) as document:
        lines = document.pages[0].extract_text_lines()
    (label,) = [x for x in lines if "Kính gửi" in x["text"]]  # the pasted heading is not printed twice
    assert label["text"] == "Kính gửi:"
    colon = next(c for c in label["chars"] if c["text"] == ":")
    at = lines.index(label)
    entries = lines[at + 1 : at + 5]
    dashes = [x for x in entries if x["text"].startswith("- ")]
    assert [x["text"] for x in dashes[:2]] == ["- Sở Y tế;", "- Sở Tài chính;"]
    assert all(abs(x["x0"] - colon["x0"]) < 0.5 for x in dashes)  # the dashes stand under the colon
    assert entries[3]["text"].endswith("các đơn vị liên quan.")  # the last ends with a full stop
    assert entries[3]["x0"] > colon["x0"] + 1  # its second line hangs after the dash
    one, _ = render(draft())
    assert _words(one, "Kính gửi: Các phòng, đơn vị trực thuộc Sở.")  # one addressee: one line


def test_pasted_noi_nhan_has_one_dash_per_line(cong_van: bytes) -> None:
    with pdfplumber.open(io.BytesIO(cong_van)) as document:
        text = "\n".join(page.crop((0, 0, LEFT_COLUMN, page.height)).extract_text() for page in document.pages)
    assert "- - " not in text and "- Nơi nhận" not in text  # the pasted heading is not a recipient
    assert "- Như trên;\n- Bộ Y tế (để b/c);\n- Lưu: VT, VP." in text


def test_urgency_and_confidentiality_marks_are_red_and_boxed(cong_van: bytes) -> None:
    with pdfplumber.open(io.BytesIO(cong_van)) as document:
        page = document.pages[0]
        for mark in ("HỎA TỐC", "MẬT"):
            line = next(x for x in page.extract_text_lines() if x["text"] == mark)
            colours = {tuple(c["non_stroking_color"]) for c in line["chars"]}
            assert all(r > 0.8 and g < 0.2 and b < 0.2 for r, g, b in colours), colours
            box = next(r for r in page.rects if r["x0"] < line["x0"] < line["x1"] < r["x1"] and r["top"] < line["top"])
            assert box["stroking_color"][0] > 0.8
        body = [c for c in page.chars if c["size"] == 13.5]
        assert {tuple(c["non_stroking_color"]) for c in body} == {(0,)} or all(
            max(c["non_stroking_color"]) == 0 for c in body
        )


def _uploaded(*lines: tuple[float, float, str]) -> bytes:
    register_fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont("Serif", 13)
    for x, y, text in lines:
        c.drawString(x, y, text)
    c.showPage()
    c.save()
    return out.getvalue()


def test_upload_without_a_date_line_gets_the_date_beside_the_number() -> None:
    # As a browser prints a letter typed without its date line: agency name, "Số:", no "ngày … tháng".
    data = _uploaded(
        (90, 780, "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"), (90, 740, "Số: /STNMT-VP"), (370, 300, "Phạm Mạnh Duyệt")
    )
    layout = inspection.locate_layout(data, "Phạm Mạnh Duyệt")
    assert layout.date.y1 < 740 < layout.date.y2  # on the line of "Số:"
    assert layout.date.x1 > 90 + 0.55 * 13 * len("Số: /STNMT-VP")  # right of it, clear of the agency's name
    assert layout.date.x2 <= 595.28 - 20 * MM and layout.date.align == "centre"


def test_upload_without_number_and_date_lines_is_refused_naming_them() -> None:
    with pytest.raises(PdfError) as refused:
        inspection.locate_layout(_uploaded((90, 700, "Kính gửi: Phòng Quản lý đất đai")), "Phạm Mạnh Duyệt")
    assert refused.value.code == "pdf_no_number_date_line"
    assert "“Số:”" in refused.value.message and "ngày tháng" in refused.value.message
    crowded = _uploaded((90, 740, "Số: /STNMT-VP"), (300, 740, "Một dòng ghi chú dài chiếm hết chỗ bên phải"))
    with pytest.raises(PdfError) as full:
        inspection.locate_layout(crowded, "Phạm Mạnh Duyệt")
    assert full.value.code == "pdf_no_date_line"


# --- signature presentation -----------------------------------------------------------------------


def _widget(data: bytes, name: str) -> dict:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data))
    return next(f.get_object() for f in reader.root["/AcroForm"]["/Fields"] if str(f.get_object()["/T"]) == name)


def _ink(
    data: bytes, tmp_path: Path, page: int, keep: object, dpi: int = 150, above: float = PAGE_H
) -> tuple[float, float, float, float]:
    """The box (mm from the top left) of the pixels of a page that `keep` accepts, drawn by pdftoppm
    (only those higher on the page than `above` mm from the top, if given)."""
    path = tmp_path / "ink.pdf"
    path.write_bytes(data)
    args = ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile"]
    subprocess.run([*args, str(path), str(tmp_path / "ink")], check=True, timeout=60)
    image = Image.open(tmp_path / "ink.png").convert("RGB")
    image = image.crop((0, 0, image.width, round(above / 25.4 * dpi)))
    raw = image.tobytes()
    kept = bytes(255 if keep((raw[i], raw[i + 1], raw[i + 2])) else 0 for i in range(0, len(raw), 3))  # type: ignore[operator]
    mask = Image.frombytes("L", image.size, kept)
    box = mask.getbbox()
    assert box, "nothing of that colour on the page"
    return tuple(v * 25.4 / dpi for v in box)  # type: ignore[return-value]


def _red(p: tuple[int, int, int]) -> bool:
    return p[0] > 150 and p[1] < 100 and p[2] < 100


def _blue(p: tuple[int, int, int]) -> bool:
    return p[2] > 110 and p[2] > p[0] + 50


def test_seal_at_its_real_size_without_distortion(issued: tuple[bytes, bytes], tmp_path: Path) -> None:
    x1, y1, x2, y2 = _ink(issued[1], tmp_path, 1, _red)
    assert abs((x2 - x1) - 36) < 1.0 and abs((y2 - y1) - 36) < 1.0, (x2 - x1, y2 - y1)  # the 36 mm seal, round


def _signature_ink(signed: bytes, tmp_path: Path) -> tuple[float, float, float, float]:
    """The handwritten signature's blue ink on the leader-signed page (above the stamp's own blue text)."""
    text = the_line(printed_lines(signed, tmp_path), "Ký bởi")
    return _ink(signed, tmp_path, 1, _blue, above=text.y1 - 0.2)


def test_seal_covers_the_left_third_of_the_signature_as_inked(issued: tuple[bytes, bytes], tmp_path: Path) -> None:
    ink = _signature_ink(issued[0], tmp_path)
    seal = _ink(issued[1], tmp_path, 1, _red)
    share = (seal[2] - ink[0]) / (ink[2] - ink[0])
    assert 0.28 <= share <= 0.40, share
    assert seal[0] < ink[0]  # the seal starts left of the signature
    assert seal[1] < (ink[1] + ink[3]) / 2 < seal[3]  # and is centred on it in height


def test_square_signature_image_is_covered_by_a_third_too(identities: dict, font: bytes, tmp_path: Path) -> None:
    signed, done = signed_and_issued(identities, font, _square_signature())
    ink = _signature_ink(signed, tmp_path)
    seal = _ink(done, tmp_path, 1, _red)
    assert 0.28 <= (seal[2] - ink[0]) / (ink[2] - ink[0]) <= 0.40


def test_signed_by_text_is_clear_of_the_seal(issued: tuple[bytes, bytes], tmp_path: Path) -> None:
    lines = printed_lines(issued[1], tmp_path)
    seal = _ink(issued[1], tmp_path, 1, _red)
    for start in ("Ký bởi", "Thời gian ký"):
        text = the_line(lines, start)
        assert text.x1 > seal[2] or text.y2 < seal[1] or text.y1 > seal[3], (start, text, seal)


def test_appendix_stamp_black_inside_the_margins(identities: dict, font: bytes, tmp_path: Path) -> None:
    data = _uploaded((90, 700, "PHỤ LỤC"))
    signed = issuance.sign_appendix(data, identities["agency"], symbol="07/STNMT-VP", moment=NOW, font=font)
    lines = printed_lines(signed, tmp_path)
    stamp = [the_line(lines, "07/STNMT-VP"), the_line(lines, "2026-11-22T16:45:03+07:00")]
    assert 15 <= PAGE_W - max(x.x2 for x in stamp) <= 20.5, stamp  # the block ends at the right margin
    assert all(x.y1 >= 8 for x in stamp), stamp  # below the printer's unprintable edge
    _, y1, x2, _ = _ink(signed, tmp_path, 1, lambda p: max(p) < 90)  # dark ink only
    assert y1 < 20 and x2 <= PAGE_W - 19.5
    with pytest.raises(AssertionError):
        _ink(signed, tmp_path, 1, _red)  # nothing red


def _square_signature() -> bytes:
    from PIL import ImageDraw

    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30, 250), (120, 40), (170, 220), (280, 60)], fill=(20, 50, 170, 255), width=14)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _png(colour: tuple[int, int, int, int], dpi: float | None = None) -> bytes:
    from PIL import ImageDraw

    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 190, 190), outline=colour, width=12)
    out = io.BytesIO()
    image.save(out, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "colour", "code"),
    [
        ("signature", (0, 0, 0, 255), "signature_not_blue"),
        ("signature", (200, 20, 20, 255), "signature_not_blue"),
        ("seal", (20, 40, 180, 255), "seal_not_red"),
        ("seal", (0, 0, 0, 255), "seal_not_red"),
        ("seal", (0, 0, 0, 0), "image_empty"),
    ],
)
def test_wrong_ink_refused(kind: str, colour: tuple[int, int, int, int], code: str) -> None:
    with pytest.raises(SigningError) as refused:
        appearance.check_image(_png(colour), kind)
    assert refused.value.code == code


def test_right_ink_accepted_and_size_read_from_the_resolution() -> None:
    assert appearance.check_image(_png((20, 50, 170, 255)), "signature")
    assert appearance.check_image(_png((215, 25, 30, 255), dpi=141.1), "seal")
    assert abs((appearance.image_mm(_png((215, 25, 30, 255), dpi=141.1)) or 0) - 36) < 0.1
    assert appearance.image_mm(_png((215, 25, 30, 255))) is None
    assert appearance.check_image(signature_png("Hoàng Văn Minh"), "signature")
    assert appearance.check_image(seal_png("Sở Y tế", "UBND tỉnh Tuyên Quang"), "seal")
