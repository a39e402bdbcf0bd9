"""A page of a PDF drawn as an image (poppler's pdftoppm), for reading documents in the pages and on phones,
within a bound of pixels, memory, time and drawings at once."""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from signing.errors import PdfError
from signing.inspection import page_size
from workflow.errors import Busy, Unprocessable

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
