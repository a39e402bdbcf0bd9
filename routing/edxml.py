"""edXML packages and status messages (QCVN 102:2016): build, validate against our schema, parse.

Pure data in and out. Parsing untrusted XML: no DTDs, no entities, no network, a size cap, then
the XML Schema in routing/edxml.xsd, then the checks a schema cannot make (attachments match the
manifest, base64 decodes, DocumentId matches the code and date).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
E = f"{{{NS}}}"
SCHEMA = Path(__file__).with_name("edxml.xsd")
MAX_PACKAGE_BYTES = 64 * 1024 * 1024

# BussinessDocType
NEW, RECALL, UPDATE, REPLACE = 0, 1, 2, 3


class EdxmlError(Exception):
    """A package or status message that cannot be accepted, with a stable code and a Vietnamese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Organ:
    """A sending or receiving agency."""

    organ_id: str
    name: str
    in_charge: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file carried in the package: the signed PDF or an appendix."""

    name: str
    data: bytes
    content_type: str = "application/pdf"
    description: str = ""


@dataclass(frozen=True)
class Package:
    """An outgoing document as another agency receives it."""

    sender: Organ
    recipients: tuple[Organ, ...]
    code_number: int
    code_notation: str
    place: str
    promulgation_date: dt.date
    type_code: str
    type_name: str
    subject: str
    signer_competence: str
    signer_position: str
    signer_name: str
    attachments: tuple[Attachment, ...]
    priority: int = 0
    due_date: dt.date | None = None
    to_places: tuple[str, ...] = ()
    steering_type: int = 0
    business_type: int = NEW
    business_reason: str = ""
    response_for: tuple[str, ...] = ()
    traces: tuple[tuple[str, dt.datetime], ...] = ()
    page_amount: int = 0

    @property
    def document_id(self) -> str:
        """`<OrganId>,<yyyy/MM/dd>,<number>/<symbol>`: the document's identity across agencies."""
        return f"{self.sender.organ_id},{self.promulgation_date:%Y/%m/%d},{self.code_number}/{self.code_notation}"


@dataclass(frozen=True)
class Status:
    """A status message about a document (01 arrived … 06 done, 13/15/16 recall)."""

    document_id: str
    sender: Organ
    code: str
    timestamp: dt.datetime
    description: str = ""
    staff: dict[str, str] = field(default_factory=dict)


STATUS_CODES = ("01", "02", "03", "04", "05", "06", "13", "15", "16")


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, E + tag)
    if text is not None:
        node.text = text
    return node


def _organ(parent: etree._Element, tag: str, organ: Organ) -> None:
    node = _sub(parent, tag)
    _sub(node, "OrganId", organ.organ_id)
    _sub(node, "OrganizationInCharge", organ.in_charge)
    _sub(node, "OrganName", organ.name)
    _sub(node, "OrganAdd", organ.address)
    _sub(node, "Email", organ.email)
    _sub(node, "Telephone", organ.telephone)


def _date(value: dt.date) -> str:
    return value.strftime("%Y/%m/%d")


def _time(value: dt.datetime) -> str:
    # Microseconds kept: statuses of one document can follow each other within a second.
    return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds")


def build(package: Package) -> bytes:
    """The package as edXML bytes (UTF-8), valid against routing/edxml.xsd."""
    envelope = etree.Element(E + "edXMLEnvelope", nsmap={"edXML": NS})
    _message_header(_sub(_sub(envelope, "edXMLHeader"), "MessageHeader"), package)
    traces = _sub(envelope[0], "TraceHeaderList")
    for organ_id, moment in package.traces:
        trace = _sub(traces, "TraceHeader")
        _sub(trace, "OrganId", organ_id)
        _sub(trace, "Timestamp", _time(moment))
    business = _sub(traces, "Bussiness")
    _sub(business, "BussinessDocType", str(package.business_type))
    _sub(business, "BussinessDocReason", package.business_reason)
    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _sub(envelope, "AttachmentEncoded")
    for index, attachment in enumerate(package.attachments, start=1):
        content_id = f"cid:{index}"
        reference = _sub(manifest, "Reference")
        _sub(reference, "ContentId", content_id)
        _sub(reference, "AttachmentName", attachment.name)
        _sub(reference, "Description", attachment.description)
        _sub(reference, "ContentType", attachment.content_type)
        item = _sub(encoded, "Attachment")
        _sub(item, "ContentId", content_id)
        _sub(item, "AttachmentName", attachment.name)
        _sub(item, "ContentType", attachment.content_type)
        _sub(item, "Value", base64.b64encode(attachment.data).decode("ascii"))
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _message_header(header: etree._Element, package: Package) -> None:
    _organ(header, "From", package.sender)
    for recipient in package.recipients:
        _organ(header, "To", recipient)
    _sub(header, "DocumentId", package.document_id)
    code = _sub(header, "Code")
    _sub(code, "CodeNumber", str(package.code_number))
    _sub(code, "CodeNotation", package.code_notation)
    promulgation = _sub(header, "PromulgationInfo")
    _sub(promulgation, "Place", package.place)
    _sub(promulgation, "PromulgationDate", _date(package.promulgation_date))
    kind = _sub(header, "DocumentType")
    _sub(kind, "Type", package.type_code)
    _sub(kind, "TypeName", package.type_name)
    _sub(header, "Subject", package.subject)
    signer = _sub(header, "SignerInfo")
    _sub(signer, "Competence", package.signer_competence)
    _sub(signer, "Position", package.signer_position)
    _sub(signer, "FullName", package.signer_name)
    if package.due_date is not None:
        _sub(header, "DueDate", _date(package.due_date))
    places = _sub(header, "ToPlaces")
    for place in package.to_places:
        _sub(places, "Place", place)
    other = _sub(header, "OtherInfo")
    _sub(other, "Priority", str(package.priority))
    _sub(other, "PageAmount", str(package.page_amount))
    _sub(other, "Appendixes", str(max(0, len(package.attachments) - 1)))
    _sub(header, "SteeringType", str(package.steering_type))
    for document_id in package.response_for:
        _sub(_sub(header, "ResponseFor"), "DocumentId", document_id)


def build_status(status: Status) -> bytes:
    """A status message as edXML bytes, valid against routing/edxml.xsd."""
    root = etree.Element(E + "Status", nsmap={"edXML": NS})
    header = _sub(_sub(root, "Header"), "MessageHeader")
    _sub(_sub(header, "ResponseFor"), "DocumentId", status.document_id)
    _organ(header, "From", status.sender)
    _sub(header, "StatusCode", status.code)
    _sub(header, "Description", status.description)
    _sub(header, "Timestamp", _time(status.timestamp))
    staff = _sub(header, "StaffInfo")
    for tag in ("Department", "Staff", "Email", "Mobile"):
        _sub(staff, tag, status.staff.get(tag.lower(), ""))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _load(data: bytes, *root_tags: str) -> etree._Element:
    if len(data) > MAX_PACKAGE_BYTES:
        raise EdxmlError("edxml_too_large", "Gói tin edXML quá lớn.")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise EdxmlError("edxml_malformed", "Gói tin không phải XML hợp lệ.") from exc
    if root.getroottree().docinfo.doctype:
        # No DTDs, hence no entities: nothing in a package may point outside it or expand.
        raise EdxmlError("edxml_doctype", "Gói tin không được chứa khai báo DOCTYPE hay thực thể (entity).")
    if root.tag not in {E + tag for tag in root_tags}:
        raise EdxmlError("edxml_unexpected", f"Gói tin không phải edXML {' / '.join(root_tags)} (QCVN 102:2016).")
    schema = _schema()
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise EdxmlError("edxml_invalid", "Gói tin edXML không đúng cấu trúc.") from exc
    if not valid:
        first = schema.error_log.last_error
        line = f" (dòng {first.line})" if first is not None else ""
        raise EdxmlError("edxml_invalid", f"Gói tin edXML không đúng cấu trúc{line}.")
    return root


def _get(node: etree._Element, *tags: str) -> str:
    for tag in tags:
        found = node.find(E + tag)
        if found is None:
            return ""
        node = found
    return node.text or ""


def _parse_organ(node: etree._Element) -> Organ:
    return Organ(
        organ_id=_get(node, "OrganId"),
        name=_get(node, "OrganName"),
        in_charge=_get(node, "OrganizationInCharge"),
        address=_get(node, "OrganAdd"),
        email=_get(node, "Email"),
        telephone=_get(node, "Telephone"),
    )


def _parse_date(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y/%m/%d").date()


def parse_message(data: bytes) -> Package | Status:
    """Parse a package or a status message, whichever the bytes hold."""
    root = _load(data, "edXMLEnvelope", "Status")
    return _package(root) if root.tag == E + "edXMLEnvelope" else _status(root)


def parse(data: bytes) -> Package:
    """Parse and check an edXML package; raise EdxmlError (Vietnamese message) when it is not acceptable."""
    return _package(_load(data, "edXMLEnvelope"))


def _package(root: etree._Element) -> Package:
    header = root.find(f"{E}edXMLHeader/{E}MessageHeader")
    traces = root.find(f"{E}edXMLHeader/{E}TraceHeaderList")
    assert header is not None and traces is not None  # the schema requires them
    manifest = {_get(ref, "ContentId"): ref for ref in root.iterfind(f"{E}edXMLBody/{E}edXMLManifest/{E}Reference")}
    attachments = []
    for item in root.iterfind(f"{E}AttachmentEncoded/{E}Attachment"):
        content_id = _get(item, "ContentId")
        if content_id not in manifest:
            raise EdxmlError("edxml_manifest", "Tệp đính kèm không có trong danh mục (manifest) của gói tin.")
        try:
            payload = base64.b64decode(_get(item, "Value"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EdxmlError("edxml_attachment", "Tệp đính kèm không giải mã được (base64).") from exc
        attachments.append(
            Attachment(
                name=_get(item, "AttachmentName"),
                data=payload,
                content_type=_get(item, "ContentType"),
                description=_get(manifest.pop(content_id), "Description"),
            )
        )
    if manifest:
        raise EdxmlError("edxml_manifest", "Danh mục (manifest) nêu tệp đính kèm không có trong gói tin.")
    due = _get(header, "DueDate")
    package = Package(
        sender=_parse_organ(header.find(E + "From")),  # type: ignore[arg-type]
        recipients=tuple(_parse_organ(node) for node in header.iterfind(E + "To")),
        code_number=int(_get(header, "Code", "CodeNumber")),
        code_notation=_get(header, "Code", "CodeNotation"),
        place=_get(header, "PromulgationInfo", "Place"),
        promulgation_date=_parse_date(_get(header, "PromulgationInfo", "PromulgationDate")),
        type_code=_get(header, "DocumentType", "Type"),
        type_name=_get(header, "DocumentType", "TypeName"),
        subject=_get(header, "Subject"),
        signer_competence=_get(header, "SignerInfo", "Competence"),
        signer_position=_get(header, "SignerInfo", "Position"),
        signer_name=_get(header, "SignerInfo", "FullName"),
        attachments=tuple(attachments),
        priority=int(_get(header, "OtherInfo", "Priority") or 0),
        due_date=_parse_date(due) if due else None,
        to_places=tuple(node.text or "" for node in header.iterfind(f"{E}ToPlaces/{E}Place")),
        steering_type=int(_get(header, "SteeringType") or 0),
        business_type=int(_get(traces, "Bussiness", "BussinessDocType")),
        business_reason=_get(traces, "Bussiness", "BussinessDocReason"),
        response_for=tuple(_get(node, "DocumentId") for node in header.iterfind(E + "ResponseFor")),
        traces=tuple(
            (_get(node, "OrganId"), dt.datetime.fromisoformat(_get(node, "Timestamp")))
            for node in traces.iterfind(E + "TraceHeader")
        ),
        page_amount=int(_get(header, "OtherInfo", "PageAmount") or 0),
    )
    if _get(header, "DocumentId") != package.document_id:
        raise EdxmlError("edxml_document_id", "DocumentId không khớp với cơ quan gửi, ngày và số, ký hiệu.")
    if not package.attachments or package.attachments[0].content_type != "application/pdf":
        raise EdxmlError("edxml_no_document", "Gói tin không có tệp PDF văn bản.")
    return package


def parse_status(data: bytes) -> Status:
    """Parse and check a status message; raise EdxmlError when it is not acceptable."""
    return _status(_load(data, "Status"))


def _status(root: etree._Element) -> Status:
    header = root.find(f"{E}Header/{E}MessageHeader")
    assert header is not None
    code = _get(header, "StatusCode")
    if code not in STATUS_CODES:
        raise EdxmlError("edxml_status_code", f"Mã trạng thái không hợp lệ: {code}.")
    staff = header.find(E + "StaffInfo")
    return Status(
        document_id=_get(header, "ResponseFor", "DocumentId"),
        sender=_parse_organ(header.find(E + "From")),  # type: ignore[arg-type]
        code=code,
        timestamp=dt.datetime.fromisoformat(_get(header, "Timestamp")),
        description=_get(header, "Description"),
        staff={k: v for k in ("department", "staff", "email", "mobile") if (v := _get(staff, k.capitalize()))}
        if staff is not None
        else {},
    )
