"""Reading edXML packages and status packages as the national exchange's library reads them (the model is
routing/edxml.py).

Reading is tolerant the way real packages need (VXP-PROTOCOL §5): names matched by local name in any order, unknown
elements ignored, undeclared prefixes recovered, a missing Bussiness meaning new, opaque DocumentIds, ZIP payloads
found by their signature, lenient base64, dates kept as written. Still refused, with a stable code and nothing
stored by the caller: DTDs and entities, oversize packages, nesting past the parser's depth, zip bombs, too many
files or too much once unzipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from routing.exchange import payload
from routing.exchange.edxml import (
    MAX_PACKAGE_BYTES,
    NEW,
    NS,
    Attachment,
    Organ,
    Package,
    Reference,
    Replacement,
    Staff,
    Status,
)
from routing.exchange.payload import Bounds, EdxmlError

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
        kind = payload.content_type_of(name, data)
        if keep is None:  # held: the attachment hashes its own data
            attachments.append(Attachment(name, data, kind, description))
        else:  # in the store already: only its name there is kept
            attachments.append(Attachment(name, b"", kind, description, sha256=keep(data), size=len(data)))
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
