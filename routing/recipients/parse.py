"""Read recipients from the "Kính gửi" and "Nơi nhận" blocks as clerks really write them.

A block pasted from a published letter brings its dashes (-, –, •), annotations in every usual spelling
("(để b/c)", "; (để b/c)", "“ báo cáo”", "(ph/hợp thực hiện)"), groups under one brace ("} để báo cáo"),
enumerations ("Các Bộ: Công an, Tư pháp"), people ("Đ/c Chủ tịch UBND TP", "Các đ/c Phó GĐ Sở",
"Lãnh đạo Sở"), the archive line ("Lưu: VT, VP"), lines of the signature block caught in the paste
("KT. CHỦ TỊCH") and lines broken in the middle. Each recipient comes out once, with its purpose and
whether it names an organisation, people, or a part of the document ("Như Điều 4").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.documents.search import fold

# Annotations and the purpose each sets; the words are matched inside (), “”, "" or after a brace.
_REPORT = r"(?:để\s*)?(?:b/c|bc|báo\s*cáo|chỉ\s*đạo)"  # "(chỉ đạo)": to a superior, as a report is
_ACTION = r"(?:để\s*)?(?:t/h|th/h|thực\s*hiện|tổ\s*chức\s*thực\s*hiện)"
_COORDINATE = r"(?:để\s*)?(?:p/h|ph/h|ph/hợp|phối\s*hợp)(?:\s*(?:t/h|th/h|th|thực\s*hiện))?"
_INFO = r"(?:để\s*)?(?:biết|b/)"
_PURPOSES = (
    ("report", _REPORT),
    ("coordinate", _COORDINATE),
    ("action", _ACTION),
    ("info", _INFO),
)
# An annotation: one of the phrases in brackets or quotes, or bare after a semicolon or a brace.
_OPEN, _CLOSE = r"[(“\"'‘]\s*", r"\s*[)”\"'’]"
_ANNOTATIONS = [
    (purpose, re.compile(rf"{_OPEN}(?:{words})(?:\s*[,;]?\s*(?:{_ACTION}))?{_CLOSE}", re.I))
    for purpose, words in _PURPOSES
]
_BARE = [(purpose, re.compile(rf"^\s*(?:{words})\s*[.;,]?\s*$", re.I)) for purpose, words in _PURPOSES]

_DASH = re.compile(r"^\s*[-–—•+*]\s*")
_HEADING = re.compile(r"^\s*(?:nơi\s*nhận|kính\s*gửi)\s*:?\s*", re.I)
_ARCHIVE = re.compile(r"^lưu\b\s*[:(]?", re.I)
_SAME_AS_ABOVE = re.compile(r"^như\s+(?:trên|kính\s+gửi)\b", re.I)
_ARTICLE = re.compile(r"^như\s+(?:điều|khoản|mục)\s+\w+", re.I)
# "Các Bộ: Công an, Tư pháp" and "UBND các tỉnh: Đồng Tháp, Hà Tĩnh": one recipient per name.
_ENUMERATION = re.compile(r"^(?P<before>[^:]*?)\b[Cc]ác\s+(?P<kind>[^:]+?)\s*:\s*(?P<names>.+)$")
# "Đ/c", "Các đ/c", "Đồng chí" before a position or a name: people, not organisations.
_COMRADE = re.compile(r"^(?:các\s+)?(?:đ/c|đồng\s+chí)\s+", re.I)
# Positions that begin a line naming people, folded (no accents, no punctuation; "các" before them allowed).
POSITIONS = (
    "lanh dao",
    "ban giam doc",
    "ban gd",
    "bgd",
    "bld",
    "giam doc",
    "pho giam doc",
    "gd",
    "pgd",
    "pho gd",
    "chu tich",
    "pho chu tich",
    "ct",
    "pct",
    "bo truong",
    "thu truong",
    "thu tuong",
    "pho thu tuong",
    "ttg",
    "ttgcp",
    "pttg",
    "ttcp",
    "btcn",
    "tong giam doc",
    "pho tong giam doc",
    "pho tcd",
    "hieu truong",
    "vu truong",
    "cuc truong",
    "chanh van phong",
    "cvp",
    "pcvp",
    "truong phong",
    "pho truong phong",
    "truong ban",
    "pho truong ban",
    "bi thu",
    "pho bi thu",
    "tro ly",
    "bt",  # BT. Nguyễn …: Bộ trưởng
    "ttr",  # TTr. …: Thứ trưởng
    "pcn",  # Phó Chủ nhiệm
    "tgd",  # TGĐ: Tổng Giám đốc
    "ptgd",
)
# "TT. Phạm Ngọc Thưởng" and "TT Huỳnh Vĩnh Ái" are a Thứ trưởng; "TT KSBT Hà Nội" is a Trung tâm.
_SURNAMES = "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Đinh|Trương|Mai|Cao|Đào|Hà"
_DEPUTY_MINISTER = re.compile(rf"^(?:các\s+)?TT\.?\s+(?:{_SURNAMES})\s")
_AUTHORITY = re.compile(r"^(?:KT|TM|TL|TUQ|Q)\.\s", re.I)


def _signature_line(text: str, dashed: bool) -> bool:
    """A line of the signature block caught in the paste: "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH" (capitals, no dash in a
    dashed block), or a position in capitals anywhere ("GIÁM ĐỐC")."""
    capitals = text == text.upper() and sum(c.isalpha() for c in text) > 3
    if not capitals:
        return False
    title = fold(_AUTHORITY.sub("", text))
    return dashed or bool(_AUTHORITY.match(text)) or any(title == p or title.startswith(p + " ") for p in POSITIONS)


# A signer's name as the signature block prints it: a surname and one to four capitalised words, nothing else.
_SIGNER_NAME = re.compile(
    rf"^(?:{_SURNAMES}|Hoàng|Lương|Tạ|Lâm|Chu|Triệu|Thái|Kiều|Quách)(?:\s+[A-ZĐÀ-Ỹ][^\s,;:()]*){{2,4}}$"
)


@dataclass(frozen=True)
class Line:
    """One recipient as written: its label, its purpose, and whether it names people."""

    label: str
    purpose: str
    kind: str = "organisation"  # organisation | people | reference ("Như Điều 4": named elsewhere)


@dataclass(frozen=True)
class _Raw:
    text: str
    purpose: str | None
    closes_group: str | None  # the purpose of a brace group this line ends


def _annotation(text: str) -> tuple[str, str | None]:
    """The text without its purpose annotations, and the purpose they set (report first when several)."""
    found = None
    for purpose, pattern in _ANNOTATIONS:
        if pattern.search(text):
            found = found or purpose
            text = pattern.sub(" ", text)
    return text, found


def _bare_purpose(text: str) -> str | None:
    for purpose, pattern in _BARE:
        if pattern.match(text):
            return purpose
    return None


def _tidy(text: str) -> str:
    text = re.sub(r"\(\s*\d+\s*(?:b|bản)\s*\)", " ", text)  # a number of copies: "(2b)", "(3 bản)"
    text = re.sub(r"\([^()]*\b\d+\s*bản\s*\)", " ", text)  # a note of copies: "(Sở Nội vụ 3 bản)"
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([;,.])", r"\1", text)
    return text.strip().strip(";.,:").strip()


def _physical_lines(block: str) -> list[str]:
    """The block's lines with headings dropped, a lone dash joined to the next line and a line broken in the
    middle of a recipient (no dash, the previous line not ended by ";" or ".") joined to it."""
    lines: list[str] = []
    dashed = any(_DASH.match(x) for x in block.splitlines())
    pending_dash = False
    signature = False
    for raw in block.splitlines():
        text = _HEADING.sub("", raw, count=1) if _HEADING.match(raw) else raw
        if not text.strip():
            continue
        if re.fullmatch(r"\s*[-–—•+*]\s*", text):
            pending_dash = True
            continue
        has_dash = bool(_DASH.match(text)) or pending_dash
        pending_dash = False
        stripped = _DASH.sub("", text).strip()
        if not has_dash and _signature_line(stripped, dashed):
            signature = True  # "KT. CHỦ TỊCH" caught in the paste: what follows undashed is its block
            continue
        if not has_dash and (signature or _SIGNER_NAME.match(stripped) or re.fullmatch(r"\(?đã ký\)?", stripped, re.I)):
            continue  # the signer's name, "(Đã ký)"
        if stripped.startswith("}"):
            lines.append(stripped)  # a brace's annotation on its own line
            continue
        if dashed and not has_dash and lines and not re.search(r"[;.]\s*$", lines[-1]) and "}" not in lines[-1]:
            lines[-1] = f"{lines[-1]} {stripped}"
            continue
        lines.append(stripped)
    return lines


def _read(block: str) -> list[_Raw]:
    read: list[_Raw] = []
    for line in _physical_lines(block):
        text, closes = line, None
        if "}" in line:
            text, _, after = line.partition("}")
            closes = _annotation(f"({_tidy(after)})")[1] or _bare_purpose(after) or "info"
        text, purpose = _annotation(text)
        if purpose is None and ";" in text:
            # "Thường trực Thành ủy; để b/c": a bare annotation after the semicolon.
            head, _, tail = text.rpartition(";")
            purpose = _bare_purpose(tail)
            text = head if purpose else text
        read.append(_Raw(_tidy(text), purpose, closes))
    return _apply_groups(read)


def _apply_groups(read: list[_Raw]) -> list[_Raw]:
    """A brace's purpose goes to every line of its group: the lines since the previous annotated line,
    "Như trên", or the previous group."""
    out = list(read)
    start = 0
    for index, line in enumerate(read):
        if line.closes_group is not None:
            for member in range(start, index + 1):
                if out[member].purpose is None and out[member].text:
                    out[member] = _Raw(out[member].text, line.closes_group, None)
            start = index + 1
        elif line.purpose is not None or _SAME_AS_ABOVE.match(line.text) or _ARCHIVE.match(line.text):
            start = index + 1
    return [x for x in out if x.text]


def _people(text: str) -> tuple[str, bool]:
    """The text without "Đ/c"/"Đồng chí", and whether it names people (by that word or by a position)."""
    if _COMRADE.match(text):
        return _COMRADE.sub("", text, count=1).strip(), True
    bare = fold(text).removeprefix("cac ")
    return text, bool(_DEPUTY_MINISTER.match(text)) or any(bare == p or bare.startswith(p + " ") for p in POSITIONS)


# What begins the name of a body of the state: a line of such names separated by commas is several recipients.
BODIES = (
    "Tỉnh ủy",
    "Tỉnh uỷ",
    "Thành ủy",
    "Thành uỷ",
    "Huyện ủy",
    "Huyện uỷ",
    "Thị ủy",
    "Quận ủy",
    "Đảng ủy",
    "TT.",
    "TT ",
    "Thường trực",
    "HĐND",
    "UBND",
    "UBMTTQ",
    "MTTQ",
    "Ủy ban",
    "Hội đồng",
    "Đoàn ĐBQH",
    "Ban ",
    "Sở ",
    "Bộ ",
    "Cục ",
    "Công an",
    "Viện ",
    "Tòa án",
    "TAND",
    "VKSND",
    "Văn phòng",
    "VP ",
    "Kho bạc",
    "Ngân hàng",
    "Bộ Chỉ huy",
    "BCH",
    "Liên đoàn",
    "Tỉnh đoàn",
    "Thành đoàn",
    "Cổng",
    "Trung tâm",
    "Báo ",
    "Đài ",
)
# Bodies named without their place, which take the place of the line's last name ("HĐND, UBND thành phố").
_PLACELESS = re.compile(r"^(?:TT\.?\s*|Thường trực\s+)?(?:HĐND|UBND|UBMTTQ|MTTQ)$")
_PLACE = re.compile(r"\s(?P<place>(?:tỉnh|thành phố|TP\.?|huyện|quận|thị xã|xã|phường|thị trấn)\b.*)$")
_PLACE_NAME = re.compile(r"^(?:tỉnh|thành phố|TP\.?|huyện|quận|thị xã|xã|phường|thị trấn)\b", re.I)
_COMMITTEE = re.compile(r"^(?:Tỉnh|Thành|Huyện|Thị|Quận)\s+[uủ]y$")
# "UBND huyện: Chiêm Hóa, Hàm Yên": a head ending with a kind of place names places of that kind.
_PLACE_HEAD = re.compile(r"(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)$", re.I)


def _bodies(text: str) -> list[str]:
    """ "Tỉnh ủy, TT. HĐND tỉnh, TT. UBND tỉnh": one recipient per body; a body named without its place takes
    the place of the last one ("Thành ủy, HĐND, UBND thành phố" → "HĐND thành phố")."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) < 2 or not all(part.startswith(BODIES) for part in parts):
        return [text]
    place = _PLACE.search(parts[-1])
    if place is None:
        return parts
    # "Tỉnh ủy, HĐND tỉnh Thừa Thiên Huế": the party committee of that province too.
    proper = _PLACE_NAME.sub("", place["place"]).strip()
    named = []
    for part in parts:
        if _PLACELESS.match(part):
            named.append(f"{part} {place['place']}")
        elif _COMMITTEE.match(part) and proper:
            named.append(f"{part} {proper}")
        else:
            named.append(part)
    return named


def _expand(text: str) -> list[str]:
    """One recipient per name of an enumeration ("Các Bộ: Công an, Tư pháp" → "Bộ Công an", "Bộ Tư pháp"), per
    body of a line naming several ("Tỉnh ủy, TT. HĐND tỉnh"); a body with its parts ("VPCP: BTCN, các Vụ: TH")
    is that body."""
    head, colon, rest = text.partition(":")
    if colon and rest.strip() and "cac" not in fold(head).split() and len(head.split()) <= 6:
        if _PLACE_HEAD.search(head.strip()):
            return [f"{head.strip()} {_tidy(name)}" for name in re.split(r"[,;]", rest) if _tidy(name)]
        return [_tidy(head)]  # its units and people are its own to pass the document on to
    match = _ENUMERATION.match(text)
    if match is None:
        return _bodies(text)
    # "Cổng TTĐT, các Vụ: TH, V.III": what stands before the last comma are recipients of their own.
    *alone, before = match["before"].split(",")
    kind = match["kind"].strip()
    names = [_tidy(x) for x in re.split(r"[,;]", match["names"]) if _tidy(x)]
    if "," in kind or not names:
        kinds = [k.strip() for k in kind.split(",")]
        if not before.strip() and names and all(k[:1].islower() for k in kinds[1:]):
            # "Các Sở, cơ quan: Nông nghiệp và PTNT, Công thương": the first kind is the one the others describe
            # ("Các Vụ, Cục: …" names two kinds: each name as written).
            first = kinds[0]
            first = first[:1].upper() + first[1:]
            return [*filter(None, map(_tidy, alone)), *(n if n.startswith(BODIES) else f"{first} {n}" for n in names)]
        # "UBND các tỉnh, thành phố: Hồ Chí Minh, …" names several kinds at once: the names keep what came before.
        named = [f"{before.strip()} {name}".strip() for name in names]
        return [*filter(None, map(_tidy, alone)), *(named or [text])]
    prefix = f"{before.strip()} {kind}".strip()
    return [*filter(None, map(_tidy, alone)), *(f"{prefix} {name}" for name in names)]


def _lines(raw: _Raw, default: str) -> list[Line]:
    text, people = _people(raw.text)
    purpose = raw.purpose or default
    if _ARTICLE.match(text):
        return [Line(text, purpose, "reference")]
    return [Line(name, purpose, "people" if people else "organisation") for name in _expand(text)]


def parse(kinh_gui: str, noi_nhan: str) -> list[Line]:
    """Recipients of a document: Kính gửi lines for action, Nơi nhận lines, 'Như trên' expanded.

    Archive lines ('Lưu: VT, VP') are copies kept by the sender, not deliveries.
    """
    addressees = [line for raw in _read(kinh_gui) for line in _lines(raw, "action")]
    result: list[Line] = []
    seen: set[str] = set()

    def keep(line: Line) -> None:
        key = fold(line.label)
        if key and key not in seen:
            seen.add(key)
            result.append(line)

    saw_same_as_above = False
    for raw in _read(noi_nhan):
        if _ARCHIVE.match(raw.text):
            continue
        if _SAME_AS_ABOVE.match(raw.text):
            saw_same_as_above = True
            for addressee in addressees:
                keep(Line(addressee.label, raw.purpose or addressee.purpose, addressee.kind))
            continue
        for line in _lines(raw, "info"):
            keep(line)
    if not saw_same_as_above:
        for addressee in addressees:
            keep(addressee)
    return result


def warnings(kinh_gui: str, noi_nhan: str) -> list[str]:
    """What the drafter should put right before the document goes out, in Vietnamese."""
    found = []
    lines = _read(noi_nhan)
    if any(_SAME_AS_ABOVE.match(raw.text) for raw in lines) and not _read(kinh_gui):
        found.append("Nơi nhận ghi “Như trên” nhưng văn bản không có “Kính gửi”: không có ai được gửi theo dòng đó.")
    for raw in lines:
        if _ARTICLE.match(raw.text):
            found.append(
                f"Nơi nhận “{raw.text}” chỉ đến một điều của văn bản: hãy ghi rõ tên từng cơ quan, đơn vị để gửi."
            )
    return found
