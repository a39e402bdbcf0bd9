"""Words of a PDF for search: its own text where it has one, else read off its scanned pages by Tesseract
(Vietnamese), page by page, within a bound of pages, memory and time, and laid over the scan as an invisible
text layer.

Both run poppler and Tesseract as child processes under prlimit, on a copy of the file in a private
directory: a hostile scan can cost its own bounded seconds, never the worker.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError

# A page with fewer characters of its own text than this is taken for a scan.
SCANNED_BELOW = 40
OCR_DPI = 300  # what Tesseract reads Vietnamese diacritics best at; an A4 page is 2480 px wide
MEMORY = 1024 * 1024 * 1024
TEXT_SECONDS = 20


class OcrUnavailable(RuntimeError):
    """Tesseract (with its Vietnamese data) or poppler is not installed on this machine."""


def own_text(pdf: bytes, max_pages: int) -> tuple[str, int]:
    """The text of a PDF's first pages (poppler's pdftotext) and how many pages read had little or none."""
    binary = shutil.which("pdftotext")
    if binary is None:
        raise OcrUnavailable("pdftotext (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="congvan-text-") as work:
        source = Path(work) / "in.pdf"
        source.write_bytes(pdf)
        done = subprocess.run(  # noqa: S603 - fixed argv on our own file, under prlimit's bounds
            [  # noqa: S607
                "prlimit",
                f"--as={MEMORY}",
                f"--cpu={TEXT_SECONDS}",
                "--",
                binary,
                "-enc",
                "UTF-8",
                "-l",
                str(max_pages),
                str(source),
                "-",
            ],
            capture_output=True,
            timeout=TEXT_SECONDS + 5,
            check=False,
        )
    text = done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""
    pages = text.split("\f")  # pdftotext ends every page with a form feed
    pages = (pages[:-1] if len(pages) > 1 else pages)[:max_pages]
    return text.replace("\f", "\n").strip(), sum(1 for page in pages if len(page.strip()) < SCANNED_BELOW)


def needs_reading(pdf: bytes, pages: int, max_pages: int) -> tuple[str, bool]:
    """The PDF's own text, and whether its pages are scans to be read by OCR (most of those looked at have no
    text of their own)."""
    text, bare = own_text(pdf, max_pages)
    looked = max(1, min(pages, max_pages))
    return text, bare * 2 > looked


@dataclass(frozen=True)
class Reading:
    """What Tesseract read on a scan: the words, how many pages, and each page's invisible text layer (a PDF page
    of text only, None where the page was not read)."""

    text: str
    pages: int
    layers: list[bytes | None]


def read_scan(pdf: bytes, pages: int, *, max_pages: int, seconds: float) -> Reading:
    """The words Tesseract reads on the first `max_pages` pages, within `seconds` for all (fewer pages when time
    ran out), with each page's text as an invisible layer."""
    pdftoppm, tesseract = shutil.which("pdftoppm"), shutil.which("tesseract")
    if pdftoppm is None or tesseract is None:
        raise OcrUnavailable("pdftoppm (poppler-utils) or tesseract (tesseract-ocr) is not installed")
    deadline = time.monotonic() + seconds
    texts: list[str] = []
    layers: list[bytes | None] = []
    with tempfile.TemporaryDirectory(prefix="congvan-ocr-") as work:
        source = Path(work) / "in.pdf"
        source.write_bytes(pdf)
        for page in range(1, min(pages, max_pages) + 1):
            left = deadline - time.monotonic()
            if left <= 1:
                break
            image, out = Path(work) / f"page-{page}", Path(work) / f"read-{page}"
            draw = [pdftoppm, "-gray", "-png", "-r", str(OCR_DPI), "-f", str(page), "-l", str(page), "-singlefile"]
            if _bounded([*draw, str(source), str(image)], left) is None:
                layers.append(None)  # a page that does not draw in its bounds is skipped, the others still read
                continue
            left = deadline - time.monotonic()
            read = [tesseract, f"{image}.png", str(out), "-l", "vie", "--psm", "3", "-c", "textonly_pdf=1"]
            if _bounded([*read, "txt", "pdf"], left) is None:
                break  # out of time
            texts.append(Path(f"{out}.txt").read_text(encoding="utf-8", errors="replace"))
            layers.append(Path(f"{out}.pdf").read_bytes())
    return Reading("\n".join(t.strip() for t in texts if t.strip()), len(texts), layers)


def with_text_layer(pdf: bytes, layers: list[bytes | None]) -> bytes | None:
    """The scan with each read page's words laid over it, invisible (selectable and searchable in any PDF reader);
    None when the file does not take it."""
    try:
        writer = PdfWriter(clone_from=io.BytesIO(pdf))
        for page, layer in zip(writer.pages, layers, strict=False):
            if layer is None:
                continue
            text = PdfReader(io.BytesIO(layer)).pages[0]
            scale_x = float(page.mediabox.width) / float(text.mediabox.width)
            scale_y = float(page.mediabox.height) / float(text.mediabox.height)
            page.merge_transformed_page(text, Transformation().scale(scale_x, scale_y))
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, ZeroDivisionError):
        return None
    return out.getvalue()


def _bounded(argv: list[str], seconds: float, *, capture: bool = False) -> str | None:
    """Run a child under prlimit's memory and CPU bounds and a wall-clock timeout; its output when it succeeded
    (capture), "" when it succeeded without, None when it failed or ran out of time."""
    limits = [f"--as={MEMORY}", f"--cpu={max(1, int(seconds))}"]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv on our own files
            ["prlimit", *limits, "--", *argv],  # noqa: S607
            capture_output=True,
            timeout=seconds,
            check=False,
            env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},  # one core per page: the worker's other jobs run
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace") if capture else ""
