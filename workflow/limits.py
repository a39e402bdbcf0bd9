"""The bounds of every request: how much text, how many lines, how deep a JSON body, which characters.

Each bound is a setting (workflow/config.py) and each refusal a Vietnamese message with a stable code, so
no ordinary request can make the service work without end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workflow.config import Settings
from workflow.errors import Invalid


@dataclass(frozen=True)
class Limits:
    """The configured bounds of one process."""

    body_chars: int = 200_000
    body_paragraphs: int = 5000
    kinh_gui_lines: int = 50
    noi_nhan_lines: int = 150
    line_chars: int = 500
    json_depth: int = 32
    page_points: float = 3370.0
    image_pixels: int = 8_000_000
    page_content_bytes: int = 1024 * 1024
    request_seconds: float = 60.0


def of(settings: Settings) -> Limits:
    """The limits a loaded configuration sets."""
    return Limits(
        body_chars=settings.max_body_chars,
        body_paragraphs=settings.max_body_paragraphs,
        kinh_gui_lines=settings.max_kinh_gui_lines,
        noi_nhan_lines=settings.max_noi_nhan_lines,
        line_chars=settings.max_line_chars,
        json_depth=settings.max_json_depth,
        page_points=settings.max_page_points,
        image_pixels=settings.max_image_pixels,
        page_content_bytes=settings.max_page_content_bytes,
        request_seconds=settings.request_seconds,
    )


# C0 controls other than tab, newline and carriage return (forms send CRLF), DEL, C1 controls, and
# surrogates, which only a JSON escape such as "\ud800" can bring and no database can store as text.
_BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(value: str, field: str | None = None) -> None:
    """Refuse a text holding control characters or lone surrogates."""
    found = _BAD_CHARACTERS.search(value)
    if found is not None:
        raise Invalid(
            "invalid_characters",
            f"Nội dung có ký tự không hợp lệ (mã U+{ord(found.group()):04X}); hãy xóa ký tự đó rồi gửi lại.",
            field=field,
        )


def check_json(value: Any, depth_limit: int, field: str | None = None, depth: int = 0) -> None:
    """Refuse a JSON value nested deeper than the limit or holding bad characters, in keys or strings."""
    if depth > depth_limit:
        raise Invalid("json_too_deep", f"Nội dung JSON lồng quá sâu (tối đa {depth_limit} cấp).")
    if isinstance(value, str):
        check_text(value, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field)
            check_json(item, depth_limit, field or key, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json(item, depth_limit, field, depth + 1)


def check_body(body: str, limits: Limits) -> None:
    """Refuse a body text longer than the limit, in characters or in paragraphs."""
    if len(body) > limits.body_chars:
        raise Invalid(
            "body_too_long",
            f"Nội dung văn bản quá dài ({len(body):,} ký tự; tối đa {limits.body_chars:,}); "
            "hãy tách thành phụ lục hoặc tải lên tệp PDF.".replace(",", "."),
            field="body",
        )
    paragraphs = body.count("\n") + 1
    if paragraphs > limits.body_paragraphs:
        raise Invalid(
            "body_too_long",
            f"Nội dung văn bản có quá nhiều đoạn ({paragraphs}; tối đa {limits.body_paragraphs}).",
            field="body",
        )


def check_lines(lines: list[str], most: int, line_chars: int, field: str, label: str) -> None:
    """Refuse a list of recipients longer than the limit, or with a line longer than the limit."""
    if len(lines) > most:
        raise Invalid("too_many_lines", f"{label} có quá nhiều dòng ({len(lines)}; tối đa {most}).", field=field)
    for line in lines:
        if len(line) > line_chars:
            raise Invalid("line_too_long", f"Một dòng của {label} quá dài (tối đa {line_chars} ký tự).", field=field)
