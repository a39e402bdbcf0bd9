"""edXML packages and status packages (QCVN 102:2016): the model, its codes, dates and DocumentIds (reading them is
routing/edxml_read.py, writing them routing/edxml_build.py).

Pure data in and out; dates `yyyy/MM/dd` and times `yyyy/MM/dd HH:mm:ss` in Vietnam time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
E = f"{{{NS}}}"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_PACKAGE_BYTES = 64 * 1024 * 1024
DAY = "%Y/%m/%d"
MOMENT = "%Y/%m/%d %H:%M:%S"

# BussinessDocType (VXP-PROTOCOL §2.3)
NEW, RECALL, UPDATE, REPLACE = 0, 1, 2, 3

# OtherInfo/Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ (QCVN 102:2016 priority scale;
# the SDK samples carry 0 and 1).
PRIORITIES = {0: "Thường", 1: "Khẩn", 2: "Thượng khẩn", 3: "Hỏa tốc", 4: "Hỏa tốc hẹn giờ"}

STATUS_CODES = ("01", "02", "03", "04", "05", "06", "13", "15", "16")

# DocumentType (Type, TypeDetail) by type name. The SDK ships no code list: Type 1 is an administrative document
# and Công văn is 1/0, as in the SDK's own samples (VXP-PROTOCOL §2.2); every other type's TypeDetail is its
# place in the list of administrative documents of Decree 30/2020/NĐ-CP, Article 7 (Nghị quyết 1 … Thư công 29).
# Received packages are matched by TypeName, not by these numbers, which real senders fill unevenly.
_DECREE_30_ORDER = (
    "Nghị quyết",
    "Quyết định",
    "Chỉ thị",
    "Quy chế",
    "Quy định",
    "Thông cáo",
    "Thông báo",
    "Hướng dẫn",
    "Chương trình",
    "Kế hoạch",
    "Phương án",
    "Đề án",
    "Dự án",
    "Báo cáo",
    "Biên bản",
    "Tờ trình",
    "Hợp đồng",
    "Công văn",
    "Công điện",
    "Bản ghi nhớ",
    "Bản thỏa thuận",
    "Giấy ủy quyền",
    "Giấy mời",
    "Giấy giới thiệu",
    "Giấy nghỉ phép",
    "Phiếu gửi",
    "Phiếu chuyển",
    "Phiếu báo",
    "Thư công",
)
DOCUMENT_TYPES: dict[str, tuple[int, int]] = {name: (1, index) for index, name in enumerate(_DECREE_30_ORDER, 1)}
DOCUMENT_TYPES["Công văn"] = (1, 0)


@dataclass(frozen=True)
class Organ:
    """An agency as a package names it."""

    organ_id: str
    name: str = ""
    in_charge: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file carried in a package, as it was before the builder zipped it (if it did). A file read with a
    `keep` function (parse_message) is in the file store under `sha256` and holds no `data`."""

    name: str
    data: bytes
    content_type: str = "application/pdf"
    description: str = ""
    sha256: str = ""  # of the data, computed when the data is given
    size: int = 0

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())
            object.__setattr__(self, "size", len(self.data))


@dataclass(frozen=True)
class Staff:
    """The clerk or officer who sent a package or a status."""

    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class Reference:
    """The document a status (or an answering document) is about: `ResponseFor`."""

    document_id: str
    organ_id: str = ""
    code: str = ""  # "07/STNMT-VP"
    promulgation_date: str = ""  # yyyy/MM/dd as written


@dataclass(frozen=True)
class Replacement:
    """A document this one replaces, and whose copies (by organ id) it replaces."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Package:
    """A document package (edoc): what the national library reads from one."""

    sender: Organ
    recipients: tuple[Organ, ...]
    document_id: str  # opaque: "OrganId,yyyy/MM/dd,Number/Notation", a UUID, or free text
    code_number: str  # as printed: "07"
    code_notation: str
    place: str
    promulgation_date: str  # yyyy/MM/dd as written (a date that does not parse is kept as it came)
    type: int
    type_detail: int
    type_name: str
    subject: str
    signer_competence: str
    signer_position: str
    signer_name: str
    attachments: tuple[Attachment, ...]
    content: str = ""
    priority: int = 0
    due_date: str = ""
    to_places: tuple[str, ...] = ()
    steering_type: int = 0
    page_amount: int = 0
    promulgation_amount: int = 0
    appendixes: tuple[str, ...] = ()
    business_type: int = NEW
    business_type_written: str | None = None  # the BussinessDocType as read (None: no Bussiness)
    business_reason: str = ""
    business_document_id: str = ""  # an update: the document it updates
    business_receivers: tuple[str, ...] = ()  # an update: the receiver list (organ ids)
    paper: int = 0
    staff: Staff = field(default_factory=Staff)
    replacements: tuple[Replacement, ...] = ()
    response_for: tuple[Reference, ...] = ()
    traces: tuple[tuple[str, str], ...] = ()  # (OrganId, yyyy/MM/dd HH:mm:ss)

    @property
    def code(self) -> str:
        """Number and symbol as printed: "07/STNMT-VP"."""
        return f"{self.code_number}/{self.code_notation}" if self.code_number else self.code_notation

    @property
    def promulgation_day(self) -> dt.date | None:
        """The promulgation date, if it is a real one."""
        return parse_day(self.promulgation_date)

    @property
    def due_day(self) -> dt.date | None:
        """The due date, if it is a real one."""
        return parse_day(self.due_date)


@dataclass(frozen=True)
class Status:
    """A status package: where a document stands at its receiver (01 arrived … 06 done; 13, 15, 16 recall)."""

    sender: Organ
    response_for: Reference
    code: str
    timestamp: str  # yyyy/MM/dd HH:mm:ss in Vietnam time, as written
    description: str = ""
    staff: Staff = field(default_factory=Staff)

    @property
    def document_id(self) -> str:
        """The edXML DocumentId of the document concerned."""
        return self.response_for.document_id

    @property
    def moment(self) -> dt.datetime | None:
        """The timestamp as an aware time, if it parses."""
        try:
            return dt.datetime.strptime(self.timestamp.strip(), MOMENT).replace(tzinfo=VIETNAM)
        except ValueError:
            return None


def document_id(organ_id: str, day: dt.date, code_number: str, code_notation: str) -> str:
    """The composite DocumentId the SDK's samples use: `OrganId,yyyy/MM/dd,Number/Notation`."""
    return f"{organ_id},{day:{DAY}},{code_number}/{code_notation}"


def day_text(day: dt.date | None) -> str:
    """A date as edXML writes it (yyyy/MM/dd), empty for none."""
    return f"{day:{DAY}}" if day is not None else ""


def moment_text(moment: dt.datetime) -> str:
    """A time as edXML writes it: yyyy/MM/dd HH:mm:ss in Vietnam time."""
    return moment.astimezone(VIETNAM).strftime(MOMENT) if moment.tzinfo else moment.strftime(MOMENT)


def parse_day(value: str) -> dt.date | None:
    """A yyyy/MM/dd date, or None when it is missing or not a real date."""
    try:
        return dt.datetime.strptime(value.strip()[:10], DAY).date()
    except ValueError:
        return None


def document_organ(document_id: str) -> str | None:
    """The organ a composite DocumentId (`OrganId,yyyy/MM/dd,Number/Notation`) names, or None for another form
    (a UUID, free text): a sender may only use its own organ's."""
    parts = document_id.split(",")
    if len(parts) == 3 and parse_day(parts[1]) is not None:
        return parts[0].strip()
    return None
