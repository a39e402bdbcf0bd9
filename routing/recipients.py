"""Read recipients from the "Kính gửi" and "Nơi nhận" lines and resolve them in the directory."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.search import fold

# Annotations on a line, in their usual spellings, and the purpose they set.
_PURPOSES = (
    (re.compile(r"\((?:b/c|báo cáo|để báo cáo)\)|\bđể báo cáo\b", re.I), "report"),
    (re.compile(r"\((?:thực hiện|t/h|để thực hiện)\)|\bđể thực hiện\b", re.I), "action"),
    (re.compile(r"\((?:để biết|p/h|phối hợp|để phối hợp)\)|\bđể biết\b", re.I), "info"),
)
_ARCHIVE = re.compile(r"^lưu\s*:", re.I)
_SAME_AS_ABOVE = re.compile(r"^như\s+trên\b", re.I)


@dataclass(frozen=True)
class Line:
    """One recipient as written, with the purpose read from its annotation."""

    label: str
    purpose: str


def _clean(line: str) -> tuple[str, str | None]:
    text = line.strip().lstrip("-–•+ ").strip()
    purpose = None
    for pattern, value in _PURPOSES:
        if pattern.search(text):
            purpose = value
            text = pattern.sub("", text)
    text = text.strip().rstrip(";.,:").strip()
    return text, purpose


def parse(kinh_gui: str, noi_nhan: str) -> list[Line]:
    """Recipients of a document: Kính gửi lines for action, Nơi nhận lines, 'Như trên' expanded.

    Archive lines ('Lưu: VT, VP') are copies kept by the sender, not deliveries.
    """
    addressees = []
    for raw in kinh_gui.splitlines():
        text, purpose = _clean(raw.removeprefix("Kính gửi:").strip())
        if text:
            addressees.append(Line(text, purpose or "action"))
    result: list[Line] = []
    seen: set[str] = set()
    saw_same_as_above = False

    def keep(line: Line) -> None:
        key = fold(line.label)
        if key not in seen:
            seen.add(key)
            result.append(line)

    for raw in noi_nhan.splitlines():
        text, purpose = _clean(raw)
        if not text or _ARCHIVE.match(text):
            continue
        if _SAME_AS_ABOVE.match(text):
            saw_same_as_above = True
            for addressee in addressees:
                keep(Line(addressee.label, purpose or addressee.purpose))
            continue
        keep(Line(text, purpose or "info"))
    if not saw_same_as_above:
        for addressee in addressees:
            keep(addressee)
    return result
