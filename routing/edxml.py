"""edXML packages and status packages (QCVN 102:2016): the model, its codes and dates, and reading them as the
national exchange's library reads them (writing them is routing/edxml_build.py).

Pure data in and out; dates `yyyy/MM/dd` and times `yyyy/MM/dd HH:mm:ss` in Vietnam time. Reading is tolerant the
way real packages need (§5): names matched by local name in any order, unknown elements ignored, undeclared prefixes
recovered, a missing Bussiness meaning new, opaque DocumentIds, ZIP payloads found by their signature, lenient
base64, dates kept as written. Still refused, with a stable code and nothing stored by the caller: DTDs and
entities, oversize packages, nesting past the parser's depth, zip bombs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from lxml import etree

from routing import payload
from routing.payload import Bounds, EdxmlError

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
        if self.data and not self.sha256:
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


# --- reading -------------------------------------------------------------------------------------

_UNBOUND = re.compile(r"Namespace prefix (\S+) (?:on|for) \S+ (?:on \S+ )?is not defined")
_KNOWN_PREFIXES = {"edXML": NS, "xlink": "http://www.w3.org/1999/xlink", "ds": "http://www.w3.org/2000/09/xmldsig#"}


def _load(data: bytes) -> etree._Element:
    """Parse untrusted bytes: no DTDs or entities, no network, a size cap, libxml2's depth limit; prefixes the
    sender forgot to declare are declared on the root (the SDK's own sample needs it) and the parse repeated."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise EdxmlError("edxml_too_large", f"Gói tin edXML quá lớn (tối đa {MAX_PACKAGE_BYTES // 2**20} MB).")
    data = data.removeprefix(b"\xef\xbb\xbf")
    head = data[:4096]
    if re.search(rb"<!DOCTYPE|<!ENTITY", head, re.IGNORECASE):
        # No DTDs, hence no entities: nothing in a package may point outside it or expand.
        raise EdxmlError("edxml_doctype", "Gói tin không được chứa khai báo DOCTYPE hay thực thể (entity).")
    declared: set[str] = set()
    for _ in range(8):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            missing = {m.group(1) for m in _UNBOUND.finditer(str(exc))} | {
                m.group(1) for e in parser.error_log for m in _UNBOUND.finditer(e.message)
            }
            missing -= declared
            if not missing:
                if "depth" in str(exc).lower() or "nested" in str(exc).lower():
                    raise EdxmlError("edxml_too_deep", "Gói tin edXML lồng quá sâu.") from exc
                raise EdxmlError("edxml_malformed", "Gói tin không phải XML hợp lệ.") from exc
            data = _declare(data, missing)
            declared |= missing
            continue
        if root.getroottree().docinfo.doctype:
            raise EdxmlError("edxml_doctype", "Gói tin không được chứa khai báo DOCTYPE hay thực thể (entity).")
        return root
    raise EdxmlError("edxml_malformed", "Gói tin không phải XML hợp lệ (tiền tố không khai báo).")


def _declare(data: bytes, prefixes: set[str]) -> bytes:
    """The same document with namespace declarations for `prefixes` added to the root's start tag."""
    start = re.search(rb"<(?![?!])[^\s>/]+", data)
    if start is None:
        raise EdxmlError("edxml_malformed", "Gói tin không phải XML hợp lệ.")
    names = "".join(
        f' xmlns:{p}="{_KNOWN_PREFIXES.get(p, "urn:congvan:undeclared:" + p)}"'
        for p in sorted(prefixes)
        if re.fullmatch(r"[A-Za-z_][\w.-]*", p)
    )
    return data[: start.end()] + names.encode() + data[start.end() :]


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _children(node: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if node is None else [child for child in node if _local(child) == name]


def _child(node: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(node, name)
    return found[0] if found else None


def _text(node: etree._Element | None, *path: str) -> str:
    for name in path:
        node = _child(node, name)
    return (node.text or "").strip() if node is not None else ""


def _int(value: str, default: int) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return default


def _envelope(root: etree._Element) -> etree._Element:
    envelope = _child(root, "edXMLEnvelope")
    if envelope is None or etree.QName(envelope).namespace != NS or _child(envelope, "edXMLHeader") is None:
        raise EdxmlError("edxml_unexpected", "Tệp không phải gói tin edXML (QCVN 102:2016).")
    return envelope


def _parse_organ(node: etree._Element | None) -> Organ:
    return Organ(
        organ_id=_text(node, "OrganId"),
        name=_text(node, "OrganName"),
        in_charge=_text(node, "OrganizationInCharge"),
        address=_text(node, "OrganAdd"),
        email=_text(node, "Email"),
        telephone=_text(node, "Telephone"),
        fax=_text(node, "Fax"),
        website=_text(node, "Website"),
    )


def _parse_staff(node: etree._Element | None) -> Staff:
    return Staff(
        department=_text(node, "Department"),
        staff=_text(node, "Staff"),
        email=_text(node, "Email"),
        mobile=_text(node, "Mobile"),
    )


def _parse_reference(node: etree._Element) -> Reference:
    return Reference(
        document_id=_text(node, "DocumentId"),
        organ_id=_text(node, "OrganId"),
        code=_text(node, "Code"),
        promulgation_date=_text(node, "PromulgationDate"),
    )


DEFAULT_BOUNDS = Bounds()
# Puts a decoded file in the file store and returns its SHA-256: files go there one at a time, not all in memory.
Keep = Callable[[bytes], str]


@dataclass(frozen=True)
class Envelope:
    """What an exchange hub routes a message by, read without decoding its files (which it only counts)."""

    is_status: bool
    sender: str
    recipients: tuple[str, ...]  # a package's `To`; a status's ResponseFor/OrganId
    document_id: str
    files: int


class Read:
    """A message's XML parsed once: its envelope to check first, then the whole message (files decoded)."""

    def __init__(self, data: bytes) -> None:
        self._root = _load(data)
        self._header = _child(_child(_envelope(self._root), "edXMLHeader"), "MessageHeader")

    def envelope(self) -> Envelope:
        """The routing part; the files are counted, never decoded."""
        if _child(self._header, "StatusCode") is not None:
            status = _status(self._header)
            organ = status.response_for.organ_id
            return Envelope(True, status.sender.organ_id, (organ,) if organ else (), status.document_id, 0)
        recipients = tuple(t for node in _children(self._header, "To") if (t := _text(node, "OrganId")))
        sender, document = _text(self._header, "From", "OrganId"), _text(self._header, "DocumentId")
        return Envelope(False, sender, recipients, document, len(_items(self._root)))

    def message(self, bounds: Bounds = DEFAULT_BOUNDS, keep: Keep | None = None) -> Package | Status:
        """The package or status package; a package's files within `bounds`, each handed to `keep` as soon as
        it is decoded when one is given."""
        if _child(self._header, "StatusCode") is not None:
            return _status(self._header)
        return _package(self._root, bounds, keep)


def parse_message(data: bytes, bounds: Bounds = DEFAULT_BOUNDS, keep: Keep | None = None) -> Package | Status:
    """Parse a document package or a status package, whichever the bytes hold."""
    return Read(data).message(bounds, keep)


def parse_envelope(data: bytes) -> Envelope:
    """The routing part of a package or status package; its files are counted, never decoded."""
    return Read(data).envelope()


def document_organ(document_id: str) -> str | None:
    """The organ a composite DocumentId (`OrganId,yyyy/MM/dd,Number/Notation`) names, or None for another form
    (a UUID, free text): a sender may only use its own organ's."""
    parts = document_id.split(",")
    if len(parts) == 3 and parse_day(parts[1]) is not None:
        return parts[0].strip()
    return None


def parse(data: bytes, bounds: Bounds = DEFAULT_BOUNDS, keep: Keep | None = None) -> Package:
    """Parse a document package; raise EdxmlError (Vietnamese message) when it cannot be read."""
    message = parse_message(data, bounds, keep)
    if not isinstance(message, Package):
        raise EdxmlError("edxml_unexpected", "Tệp là gói trạng thái, không phải gói văn bản.")
    return message


def parse_status(data: bytes) -> Status:
    """Parse a status package; raise EdxmlError when it cannot be read."""
    root = _load(data)
    return _status(_child(_child(_envelope(root), "edXMLHeader"), "MessageHeader"))


def _items(root: etree._Element) -> list[etree._Element]:
    return [
        item
        for encoded in _children(root, "AttachmentEncoded")
        for item in _children(encoded, "Attachment")
        if len(item)  # an empty <Attachment/> is skipped, as the national library does
    ]


def _package(root: etree._Element, bounds: Bounds, keep: Keep | None) -> Package:
    envelope = _envelope(root)
    head = _child(envelope, "edXMLHeader")
    header = _child(head, "MessageHeader")
    traces = _child(head, "TraceHeaderList")
    business = _child(traces, "Bussiness")
    manifest = {
        _text(ref, "ContentId").removeprefix("cid:"): ref
        for ref in _children(_child(_child(envelope, "edXMLBody"), "edXMLManifest"), "Reference")
    }
    attachments = _attachments(_items(root), manifest, bounds, keep)
    written = _text(business, "BussinessDocType") if business is not None else None
    update_info = _child(business, "BussinessDocumentInfo")
    return Package(
        sender=_parse_organ(_child(header, "From")),
        recipients=tuple(_parse_organ(node) for node in _children(header, "To")),
        document_id=_text(header, "DocumentId"),
        code_number=_text(header, "Code", "CodeNumber"),
        code_notation=_text(header, "Code", "CodeNotation"),
        place=_text(header, "PromulgationInfo", "Place"),
        promulgation_date=_text(header, "PromulgationInfo", "PromulgationDate"),
        # A missing or bad Type is 2 and TypeDetail -1, as the national library reads them.
        type=_int(_text(header, "DocumentType", "Type"), 2),
        type_detail=_int(_text(header, "DocumentType", "TypeDetail"), -1),
        type_name=_text(header, "DocumentType", "TypeName"),
        subject=_text(header, "Subject"),
        content=_text(header, "Content"),
        signer_competence=_text(header, "SignerInfo", "Competence"),
        signer_position=_text(header, "SignerInfo", "Position"),
        signer_name=_text(header, "SignerInfo", "FullName"),
        attachments=attachments,
        priority=_int(_text(header, "OtherInfo", "Priority"), 0),
        due_date=_text(header, "DueDate"),
        to_places=tuple(t for n in _children(_child(header, "ToPlaces"), "Place") if (t := (n.text or "").strip())),
        steering_type=_int(_text(header, "SteeringType"), 0),
        page_amount=_int(_text(header, "OtherInfo", "PageAmount"), 0),
        promulgation_amount=_int(_text(header, "OtherInfo", "PromulgationAmount"), 0),
        appendixes=tuple(
            t for n in _children(_child(_child(header, "OtherInfo"), "Appendixes"), "Appendix") if (t := _text(n))
        ),
        business_type=_int(written or "0", NEW),
        business_type_written=written,
        business_reason=_text(business, "BussinessDocReason"),
        business_document_id=_text(business, "DocumentId"),
        business_receivers=tuple(
            _text(receiver, "OrganId") for receiver in _children(_child(update_info, "ReceiverList"), "Receiver")
        ),
        paper=_int(_text(business, "Paper"), 0),
        staff=_parse_staff(_child(business, "StaffInfo")),
        replacements=tuple(
            Replacement(
                _text(info, "DocumentId"),
                tuple(t for n in _children(_child(info, "OrganIdList"), "OrganId") if (t := (n.text or "").strip())),
            )
            for listing in _children(business, "ReplacementInfoList")
            for info in _children(listing, "ReplacementInfo")
        ),
        # Every ResponseFor as written, an empty one included, as the national library reads them.
        response_for=tuple(_parse_reference(node) for node in _children(header, "ResponseFor")),
        traces=tuple((_text(node, "OrganId"), _text(node, "Timestamp")) for node in _children(traces, "TraceHeader")),
    )


def _status(header: etree._Element | None) -> Status:
    if header is None:
        raise EdxmlError("edxml_unexpected", "Gói trạng thái không có MessageHeader.")
    return Status(
        sender=_parse_organ(_child(header, "From")),
        response_for=_parse_reference(_child(header, "ResponseFor"))
        if _child(header, "ResponseFor") is not None
        else Reference(""),
        code=_text(header, "StatusCode"),
        timestamp=_text(header, "Timestamp"),
        description=_text(header, "Description"),
        staff=_parse_staff(_child(header, "StaffInfo")),
    )


# --- attachments ---------------------------------------------------------------------------------


def _attachments(
    items: list[etree._Element], manifest: dict[str, etree._Element], bounds: Bounds, keep: Keep | None
) -> tuple[Attachment, ...]:
    """A package's files within its bounds: counted first, then decoded (still zipped, at most the package's
    size), their unpacked sizes added up from what each ZIP declares, and only then unzipped one at a time."""
    if len(items) > bounds.max_files:
        raise EdxmlError(
            "edxml_too_many_files", f"Gói tin có {len(items)} tệp đính kèm, quá số cho phép ({bounds.max_files})."
        )
    decoded = [_decoded(item, manifest) for item in items]
    total = sum(payload.unpacked_size(data) if payload.zipped(name, data) else len(data) for _, name, data in decoded)
    if total > bounds.max_unpacked_bytes:
        raise EdxmlError(
            "edxml_too_much",
            f"Các tệp đính kèm giải nén ra {total // 2**20} MB, quá mức cho phép "
            f"({bounds.max_unpacked_bytes // 2**20} MB cho một gói tin).",
        )
    attachments = []
    while decoded:
        item, name, data = decoded.pop(0)  # each file's bytes are let go once it is kept
        if payload.zipped(name, data):
            data = payload.first_entry(data)
        description = _text(item, "Description") or _text(manifest.get(_content_id(item)), "Description")
        digest = keep(data) if keep is not None else hashlib.sha256(data).hexdigest()
        attachments.append(
            Attachment(
                name=name,
                data=b"" if keep is not None else data,
                content_type=payload.content_type_of(name, data),
                description=description,
                sha256=digest,
                size=len(data),
            )
        )
    return tuple(attachments)


def _content_id(item: etree._Element) -> str:
    return _text(item, "ContentId").removeprefix("cid:")


def _decoded(item: etree._Element, manifest: dict[str, etree._Element]) -> tuple[etree._Element, str, bytes]:
    """An attachment's name and its bytes as sent (zipped or not)."""
    content = _child(item, "ContentTransferEncoded")
    if content is None:
        raise EdxmlError("edxml_attachment", "Tệp đính kèm không có nội dung (ContentTransferEncoded).")
    reference = manifest.get(_content_id(item))
    name = payload.safe_name(
        _text(item, "AttachmentName") or _text(reference, "AttachmentName") or _text(item, "Format")
    )
    if not name:
        raise EdxmlError("edxml_attachment", "Tệp đính kèm không có tên (AttachmentName).")
    return item, name, payload.lenient_base64(content.text or "")


def summary(message: Package | Status) -> dict[str, object]:
    """What was read from a package or a status package, as plain data (`congvan edxml parse`)."""
    if isinstance(message, Status):
        return {
            "kind": "status",
            "from": message.sender.organ_id,
            "status_code": message.code,
            "response_for_document_id": message.response_for.document_id,
            "response_for_organ_id": message.response_for.organ_id,
            "response_for_code": message.response_for.code,
            "description": message.description,
            "timestamp": message.timestamp,
        }
    return {
        "kind": "edoc",
        "from": message.sender.organ_id,
        "to": [organ.organ_id for organ in message.recipients],
        "document_id": message.document_id,
        "code_number": message.code_number,
        "code_notation": message.code_notation,
        "promulgation_date": message.promulgation_date or None,
        "place": message.place,
        "subject": message.subject,
        "type": message.type,
        "type_name": message.type_name,
        "signer": message.signer_name,
        "competence": message.signer_competence,
        "due_date": message.due_date or None,
        "steering_type": message.steering_type,
        "priority": message.priority,
        "to_places": list(message.to_places),
        "response_for": [
            {"organ_id": r.organ_id, "code": r.code, "document_id": r.document_id} for r in message.response_for
        ],
        "bussiness_doc_type": message.business_type_written,
        "attachments": [
            {
                "name": attachment.name,
                "content_type": attachment.content_type,
                "sha256": attachment.sha256,
                "size": attachment.size,
            }
            for attachment in message.attachments
        ],
    }
