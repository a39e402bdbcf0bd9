"""The checks of every request's bounds: how much text, how many lines, how deep a JSON body, which characters.

Each bound is a field of Settings (workflow/config.py, the one table of them) and each refusal a Vietnamese
message with a stable code, so no ordinary request can make the service work without end.
"""

from __future__ import annotations

import re
from typing import Any

from workflow.config import Settings
from workflow.errors import Invalid

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


def check_body(body: str, settings: Settings) -> None:
    """Refuse a body text longer than the limit, in characters or in paragraphs."""
    if len(body) > settings.max_body_chars:
        raise Invalid(
            "body_too_long",
            f"Nội dung văn bản quá dài ({len(body):,} ký tự; tối đa {settings.max_body_chars:,}); "
            "hãy tách thành phụ lục hoặc tải lên tệp PDF.".replace(",", "."),
            field="body",
        )
    paragraphs = body.count("\n") + 1
    if paragraphs > settings.max_body_paragraphs:
        raise Invalid(
            "body_too_long",
            f"Nội dung văn bản có quá nhiều đoạn ({paragraphs}; tối đa {settings.max_body_paragraphs}).",
            field="body",
        )


def check_lines(lines: list[str], most: int, line_chars: int, field: str, label: str) -> None:
    """Refuse a list of recipients longer than the limit, or with a line longer than the limit."""
    if len(lines) > most:
        raise Invalid("too_many_lines", f"{label} có quá nhiều dòng ({len(lines)}; tối đa {most}).", field=field)
    for line in lines:
        if len(line) > line_chars:
            raise Invalid("line_too_long", f"Một dòng của {label} quá dài (tối đa {line_chars} ký tự).", field=field)
