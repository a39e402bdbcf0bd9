"""Scanned paper letters for tests: real letters' lines drawn, then photographed back into a PDF of images only
(no text of its own, as a scanner makes it), so only OCR finds their words."""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# The head and first lines of a real letter (Sở LĐTBXH Đắk Nông, 1002/SLĐTBXH-VP of 20/5/2021).
LETTER = (
    "UBND TỈNH ĐẮK NÔNG",
    "SỞ LAO ĐỘNG THƯƠNG BINH VÀ XÃ HỘI",
    "Số: 1002/SLĐTBXH-VP",
    "V/v tiếp tục tăng cường công tác phòng, chống dịch Covid-19",
    "Kính gửi: Các phòng chuyên môn, đơn vị trực thuộc Sở.",
    "Nghiêm túc thực hiện thông điệp 5K, đặc biệt là phải bắt buộc đeo khẩu trang.",
)


@functools.cache
def scanned(lines: tuple[str, ...] = LETTER, pages: int = 1) -> bytes:
    """A PDF of `pages` scanned A4 pages (grey images at 200 dpi) showing these lines."""
    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    drawn = io.BytesIO()
    page = canvas.Canvas(drawn, pagesize=(595, 842))
    for _ in range(pages):
        page.setFont("DejaVu", 12)
        for row, line in enumerate(lines):
            page.drawString(60, 780 - 24 * row, line)
        page.showPage()
    page.save()
    with tempfile.TemporaryDirectory(prefix="congvan-scan-") as work:
        source = Path(work) / "letter.pdf"
        source.write_bytes(drawn.getvalue())
        argv = ["pdftoppm", "-gray", "-png", "-r", "200", str(source), f"{work}/page"]
        subprocess.run(argv, check=True, timeout=60)
        images = [Image.open(path) for path in sorted(Path(work).glob("page-*.png"))]
        out = io.BytesIO()
        images[0].save(out, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return out.getvalue()


@functools.cache
def photographed(kind: str = "JPEG") -> bytes:
    """The letter's scanned page as an image file (JPEG, PNG or a two-page TIFF), as scanners and phones give it."""
    with tempfile.TemporaryDirectory(prefix="congvan-scan-") as work:
        source = Path(work) / "scan.pdf"
        source.write_bytes(scanned())
        argv = ["pdftoppm", "-gray", "-png", "-r", "200", str(source), f"{work}/page"]
        subprocess.run(argv, check=True, timeout=60)
        (page,) = [Image.open(path) for path in sorted(Path(work).glob("page-*.png"))]
        out = io.BytesIO()
        if kind == "TIFF":
            page.save(
                out, "TIFF", dpi=(200, 200), compression="tiff_deflate", save_all=True, append_images=[page.copy()]
            )
        else:
            page.save(out, kind, dpi=(200, 200))
    return out.getvalue()
