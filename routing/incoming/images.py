"""A scan that comes as an image (JPEG, PNG, a multi-page TIFF, as scanners and phones make them) turned into the
PDF congvan keeps, in a child process with memory and CPU limits: an image from outside is decoded nowhere else.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from workflow.errors import Invalid

# What an image file begins with: JPEG, PNG, TIFF (both byte orders).
MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")
# Pixels of one page (an A4 page scanned at 600 dpi is about 35 million), and the child's bounds.
MAX_PIXELS = 40_000_000
SECONDS = 30
MEMORY = 1024 * 1024 * 1024
DEFAULT_DPI = 200  # a scan that does not say its resolution


def is_image(data: bytes) -> bool:
    """The file is a JPEG, PNG or TIFF image (by its first bytes, whatever its name says)."""
    return data.startswith(MAGIC)


def to_pdf(data: bytes, max_pages: int) -> bytes:
    """The image's pages as a PDF, each at the image's own resolution; Invalid with the reason when it does not
    decode within the bounds."""
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed argv; the image goes to stdin
            [sys.executable, "-m", "routing.incoming.images", str(max_pages)],
            input=data,
            capture_output=True,
            timeout=SECONDS + 5,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
    except subprocess.TimeoutExpired as exc:
        raise Invalid("image_too_complex", "Ảnh quét quá lớn hoặc quá phức tạp để chuyển thành PDF.") from exc
    if done.returncode == 2:
        raise Invalid("image_unreadable", "Không đọc được ảnh quét (tệp hỏng hoặc không phải ảnh).", field="file")
    if done.returncode == 3:
        raise Invalid("image_too_large", "Ảnh quét có quá nhiều điểm ảnh hoặc quá nhiều trang.", field="file")
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF-"):
        raise Invalid("image_too_complex", "Ảnh quét quá lớn hoặc quá phức tạp để chuyển thành PDF.", field="file")
    return done.stdout


def _child(max_pages: int) -> int:
    """Entry point of the child: limits first, then the image from stdin, the PDF to stdout; exit 2 unreadable,
    3 too large."""
    import resource
    import warnings

    from PIL import Image, ImageSequence, UnidentifiedImageError

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (SECONDS, SECONDS))
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        image = Image.open(io.BytesIO(sys.stdin.buffer.read()))
        pages = []
        for number, frame in enumerate(ImageSequence.Iterator(image)):
            if number >= max_pages or frame.width * frame.height > MAX_PIXELS:
                return 3
            pages.append(frame.convert("L" if frame.mode in ("1", "L", "I;16") else "RGB"))
        dpi = image.info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI))[0] or DEFAULT_DPI
        out = io.BytesIO()
        pages[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return 3
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, IndexError, TypeError):
        return 2
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1])))
