"""Writing edXML packages and status packages laid out as VNPT's EdXML102 builder writes them
(../shared/interop/VXP-PROTOCOL.md §2–3): root `edXML`, an `edXMLEnvelope` with header and manifest,
`AttachmentEncoded` after the envelope; the model and the reading are in routing/edxml.py."""

from __future__ import annotations

import base64

from lxml import etree

from routing.exchange.edxml import NS, UPDATE, E, Organ, Package, Reference, Staff, Status


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, E + tag)
    if text is not None:
        node.text = text
    return node


def _organ(parent: etree._Element, tag: str, organ: Organ) -> None:
    node = _sub(parent, tag)
    for name, value in (
        ("OrganId", organ.organ_id),
        ("OrganizationInCharge", organ.in_charge),
        ("OrganName", organ.name),
        ("OrganAdd", organ.address),
        ("Email", organ.email),
        ("Telephone", organ.telephone),
        ("Fax", organ.fax),
        ("Website", organ.website),
    ):
        _sub(node, name, value)


def _staff(parent: etree._Element, staff: Staff) -> None:
    node = _sub(parent, "StaffInfo")
    for name, value in (
        ("Department", staff.department),
        ("Staff", staff.staff),
        ("Email", staff.email),
        ("Mobile", staff.mobile),
    ):
        _sub(node, name, value)


def _reference(parent: etree._Element, reference: Reference) -> None:
    node = _sub(parent, "ResponseFor")
    _sub(node, "OrganId", reference.organ_id)
    _sub(node, "Code", reference.code)
    _sub(node, "PromulgationDate", reference.promulgation_date)
    _sub(node, "DocumentId", reference.document_id)


def _document() -> tuple[etree._Element, etree._Element]:
    """The root and its envelope: a default namespace on the root, the edXML prefix on the envelope."""
    root = etree.Element(E + "edXML", nsmap={None: NS})  # type: ignore[dict-item]
    envelope = etree.SubElement(root, E + "edXMLEnvelope", nsmap={"edXML": NS})
    return root, envelope


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


DSIG = "http://www.w3.org/2000/09/xmldsig#"


def build(package: Package, *, signature_place: bool = False) -> bytes:
    """The package as edXML bytes (UTF-8), laid out as VNPT's builder writes it; with `signature_place`, an empty
    `ds:Signature Id="placeholder"` ends the header, where the sender's XML signature goes (signing.xmldsig)."""
    root, envelope = _document()
    header = _sub(envelope, "edXMLHeader")
    _message_header(_sub(header, "MessageHeader"), package)
    traces = _sub(header, "TraceHeaderList")
    for organ_id, moment in package.traces:
        trace = _sub(traces, "TraceHeader")
        _sub(trace, "OrganId", organ_id)
        _sub(trace, "Timestamp", moment)
    _business(_sub(traces, "Bussiness"), package)
    if signature_place:
        etree.SubElement(header, f"{{{DSIG}}}Signature", nsmap={"ds": DSIG}).set("Id", "placeholder")
    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    # After the envelope, unprefixed in the root's default namespace: where the national library reads it.
    encoded = etree.SubElement(root, E + "AttachmentEncoded")
    for index, attachment in enumerate(package.attachments, start=1):
        content_id = f"cid:{index}"
        reference = _sub(manifest, "Reference")
        _sub(reference, "ContentId", content_id)
        _sub(reference, "ContentType", attachment.content_type)
        _sub(reference, "Description", attachment.description or attachment.name)
        _sub(reference, "AttachmentName", attachment.name)
        item = etree.SubElement(encoded, E + "Attachment")
        for tag, value in (
            ("ContentId", content_id),
            ("AttachmentName", attachment.name),
            ("Description", attachment.description or attachment.name),
            ("ContentType", attachment.content_type),
        ):
            etree.SubElement(item, E + tag).text = value
        content = etree.SubElement(item, E + "ContentTransferEncoded", nsmap={"edXML": NS})
        content.text = base64.b64encode(attachment.data).decode("ascii")
    return _serialise(root)


def _message_header(header: etree._Element, package: Package) -> None:
    _organ(header, "From", package.sender)
    for recipient in package.recipients:
        _organ(header, "To", recipient)
    _sub(header, "DocumentId", package.document_id)
    code = _sub(header, "Code")
    _sub(code, "CodeNumber", package.code_number)
    _sub(code, "CodeNotation", package.code_notation)
    promulgation = _sub(header, "PromulgationInfo")
    _sub(promulgation, "Place", package.place)
    _sub(promulgation, "PromulgationDate", package.promulgation_date)
    kind = _sub(header, "DocumentType")
    _sub(kind, "Type", str(package.type))
    _sub(kind, "TypeDetail", str(package.type_detail))
    _sub(kind, "TypeName", package.type_name)
    _sub(header, "Subject", package.subject)
    _sub(header, "Content", package.content or package.subject)
    signer = _sub(header, "SignerInfo")
    _sub(signer, "Competence", package.signer_competence)
    _sub(signer, "Position", package.signer_position)
    _sub(signer, "FullName", package.signer_name)
    if package.due_date:
        _sub(header, "DueDate", package.due_date)
    other = _sub(header, "OtherInfo")
    _sub(other, "Priority", str(package.priority))
    _sub(other, "PromulgationAmount", str(package.promulgation_amount))
    _sub(other, "PageAmount", str(package.page_amount))
    appendixes = _sub(other, "Appendixes")
    for appendix in package.appendixes:
        _sub(appendixes, "Appendix", appendix)
    for reference in package.response_for:
        _reference(header, reference)
    _sub(header, "SteeringType", str(package.steering_type))
    places = _sub(header, "ToPlaces")
    for place in package.to_places:
        _sub(places, "Place", place)


def _business(node: etree._Element, package: Package) -> None:
    if package.business_document_id:
        _sub(node, "DocumentId", package.business_document_id)
    _sub(node, "BussinessDocType", str(package.business_type))
    _sub(node, "BussinessDocReason", package.business_reason)
    _sub(node, "Paper", str(package.paper))
    if package.business_type == UPDATE:
        info = _sub(node, "BussinessDocumentInfo")
        _sub(info, "DocumentInfo", "1")
        _sub(info, "DocumentReceiver", "1" if package.business_receivers else "0")
        receivers = _sub(info, "ReceiverList")
        for organ_id in package.business_receivers:
            receiver = _sub(receivers, "Receiver")
            _sub(receiver, "OrganId", organ_id)
            _sub(receiver, "ReceiverType", "0")
    if package.replacements:
        replacements = _sub(node, "ReplacementInfoList")
        for replacement in package.replacements:
            info = _sub(replacements, "ReplacementInfo")
            _sub(info, "DocumentId", replacement.document_id)
            organs = _sub(info, "OrganIdList")
            for organ_id in replacement.organ_ids:
                _sub(organs, "OrganId", organ_id)
    _staff(node, package.staff)


def build_status(status: Status) -> bytes:
    """A status package as edXML bytes: the envelope's header holds only its MessageHeader."""
    root, envelope = _document()
    header = _sub(_sub(envelope, "edXMLHeader"), "MessageHeader")
    _organ(header, "From", status.sender)
    _reference(header, status.response_for)
    _staff(header, status.staff)
    _sub(header, "StatusCode", status.code)
    _sub(header, "Description", status.description)
    _sub(header, "Timestamp", status.timestamp)
    return _serialise(root)
