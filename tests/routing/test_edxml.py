"""edXML packages and status messages: round trip, golden files, schema, malformed input refused."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from routing import edxml
from signing import pki, validation
from signing.errors import SigningError
from tests.conftest import Api

GOLDEN = Path(__file__).with_name("golden")
VN = dt.timezone(dt.timedelta(hours=7))


def sample() -> edxml.Package:
    """A fixed công văn package (the golden file's content)."""
    return edxml.Package(
        sender=edxml.Organ("000.00.12.H57", "Sở Tài nguyên và Môi trường", in_charge="UBND tỉnh Tuyên Quang"),
        recipients=(edxml.Organ("000.00.00.H57", "Ủy ban nhân dân tỉnh Tuyên Quang"),),
        code_number=7,
        code_notation="STNMT-VP",
        place="Tuyên Quang",
        promulgation_date=dt.date(2026, 11, 22),
        type_code="cong_van",
        type_name="Công văn",
        subject="tiếp tục thực hiện công tác phòng, chống dịch COVID-19",
        signer_competence="KT. GIÁM ĐỐC",
        signer_position="Phó Giám đốc",
        signer_name="Hoàng Văn Minh",
        attachments=(
            edxml.Attachment("07-STNMT-VP.pdf", b"%PDF-1.7\n% signed document\n", description="Văn bản"),
            edxml.Attachment("phu-luc-1.pdf", b"%PDF-1.7\n% appendix\n", description="Phụ lục 1"),
        ),
        priority=1,
        due_date=dt.date(2026, 11, 30),
        to_places=("Như trên;", "UBND tỉnh (b/c);", "Lưu: VT, VP."),
        traces=(("000.00.12.H57", dt.datetime(2026, 11, 22, 16, 45, 3, tzinfo=VN)),),
        page_amount=2,
    )


def status() -> edxml.Status:
    return edxml.Status(
        document_id="000.00.12.H57,2026/11/22,7/STNMT-VP",
        sender=edxml.Organ("000.00.00.H57", "Ủy ban nhân dân tỉnh Tuyên Quang"),
        code="03",
        timestamp=dt.datetime(2026, 11, 22, 17, 2, 0, tzinfo=VN),
        description="Đã vào sổ văn bản đến số 1520",
        staff={"department": "Văn phòng", "staff": "Nguyễn Văn Văn Thư"},
    )


def test_golden_files_and_round_trip() -> None:
    package, message = edxml.build(sample()), edxml.build_status(status())
    assert package == (GOLDEN / "cong-van.edxml").read_bytes()
    assert message == (GOLDEN / "status-03.xml").read_bytes()
    assert edxml.parse(package) == sample()
    assert edxml.parse_status(message) == status()
    assert sample().document_id == "000.00.12.H57,2026/11/22,7/STNMT-VP"
    root = etree.fromstring(package)
    assert root.tag == f"{{{edxml.NS}}}edXMLEnvelope" and root.prefix == "edXML"


def _mutate(find: str, replace: str) -> bytes:
    return edxml.build(sample()).replace(find.encode(), replace.encode(), 1)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not xml at all", "edxml_malformed"),
        (b"<?xml version='1.0'?><Envelope/>", "edxml_unexpected"),
        (
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
            b"<edXML:edXMLEnvelope xmlns:edXML='http://www.mic.gov.vn/TBT/QCVN_102_2016'>&e;</edXML:edXMLEnvelope>",
            "edxml_doctype",
        ),
        (_mutate("<edXML:Subject>", "<edXML:Sujet>").replace(b"</edXML:Subject>", b"</edXML:Sujet>"), "edxml_invalid"),
        (_mutate("<edXML:Priority>1<", "<edXML:Priority>9<"), "edxml_invalid"),
        (_mutate(",7/STNMT-VP</edXML:DocumentId>", ",8/STNMT-VP</edXML:DocumentId>"), "edxml_document_id"),
        (
            _mutate(
                "<edXML:ContentId>cid:2</edXML:ContentId>\n        <edXML:AttachmentName>phu",
                "<edXML:ContentId>cid:9</edXML:ContentId>\n        <edXML:AttachmentName>phu",
            ),
            "edxml_manifest",
        ),
        (_mutate("<edXML:Value>", "<edXML:Value>!!"), "edxml_attachment"),
    ],
)
def test_malformed_packages_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(edxml.EdxmlError) as refused:
        edxml.parse(data)
    assert refused.value.code == code, refused.value.message
    assert refused.value.message  # Vietnamese, shown to the clerk


def test_bad_status_messages_are_refused() -> None:
    bad = edxml.build_status(status()).replace(b">03<", b">99<")
    with pytest.raises(edxml.EdxmlError) as refused:
        edxml.parse_status(bad)
    assert refused.value.code == "edxml_status_code"
    with pytest.raises(edxml.EdxmlError) as wrong:
        edxml.parse_status(edxml.build(sample()))
    assert wrong.value.code == "edxml_unexpected"


def test_an_issued_document_exported_as_edxml(api: Api, keys_dir: Path) -> None:
    doc = api.draft(noi_nhan=["Như trên;", "UBND tỉnh (b/c);", "Sở Tài chính;", "Lưu: VT, VP."])
    refused = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_issued"
    api.advance(doc["id"], "dispatched")
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    package = edxml.parse(response.data)  # validates against routing/edxml.xsd
    document = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    number, notation = document["symbol"].split("/", 1)
    assert package.code_number == int(number) and package.code_notation == notation
    assert package.document_id.startswith("000.00.12.H57,")
    assert {r.organ_id for r in package.recipients} == {"000.00.00.H57", "000.00.04.H57"}
    assert package.signer_name == "Phạm Mạnh Duyệt" and package.subject == document["summary"]
    pdf = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf").data
    assert package.attachments[0].data == pdf
    roots = validation.load_certs((keys_dir / "roots.pem").read_bytes())
    assert validation.report(package.attachments[0].data, roots).verdict == "valid"
    assert base64.b64encode(pdf).decode() in response.data.decode()
    signature = base64.b64decode(response.headers["Edxml-Signature"])
    assert validation.verify_detached(response.data, signature, roots).name.startswith("Sở Tài nguyên và Môi trường")
    tampered = response.data.replace(b"<edXML:Priority>0<", b"<edXML:Priority>3<")
    with pytest.raises(SigningError) as changed:
        validation.verify_detached(tampered, signature, roots)
    assert changed.value.code == "signature_invalid"
    stranger = validation.load_certs(pki.cert_pem(pki.make_root("Other CA", "x").cert))
    with pytest.raises(SigningError) as untrusted:
        validation.verify_detached(response.data, signature, stranger)
    assert untrusted.value.code == "signature_untrusted"
    with pytest.raises(SigningError) as garbage:
        validation.verify_detached(response.data, b"not a signature", roots)
    assert garbage.value.code == "signature_unreadable"


def test_a_secret_document_is_never_packaged(api: Api) -> None:
    doc = api.draft(confidentiality="mat")
    api.advance(doc["id"], "issued")
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "confidential_no_electronic_dispatch"
