"""edXML packages and status packages as the national exchange's library writes and reads them: golden files,
round trips, tolerance of real packages, refusals, and conformance with VNPT's own parser (`vxp read`)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from routing.exchange import edxml, edxml_build, edxml_read, payload
from signing import pki, signers, validation, xmldsig
from tests.support import processes
from tests.support.api import Api

GOLDEN = Path(__file__).with_name("golden")
INTEROP = Path(__file__).resolve().parents[4] / "shared" / "interop"
SAMPLES = sorted((INTEROP / "samples").glob("*.edxml"))
STNMT, UBND = "000.00.12.H57", "000.00.00.H57"


def sample() -> edxml.Package:
    """A fixed công văn package (the golden file's content)."""
    return edxml.Package(
        sender=edxml.Organ(STNMT, "Sở Tài nguyên và Môi trường", in_charge="UBND tỉnh Tuyên Quang"),
        recipients=(edxml.Organ(UBND, "Ủy ban nhân dân tỉnh Tuyên Quang"),),
        document_id=f"{STNMT},2026/11/22,07/STNMT-VP",
        code_number="07",
        code_notation="STNMT-VP",
        place="Tuyên Quang",
        promulgation_date="2026/11/22",
        type=1,
        type_detail=0,
        type_name="Công văn",
        subject="tiếp tục thực hiện công tác phòng, chống dịch COVID-19",
        content="tiếp tục thực hiện công tác phòng, chống dịch COVID-19",
        signer_competence="KT. GIÁM ĐỐC",
        signer_position="Phó Giám đốc",
        signer_name="Hoàng Văn Minh",
        attachments=(
            edxml.Attachment("07-STNMT-VP.pdf", b"%PDF-1.7\n% signed document\n", description="Văn bản"),
            edxml.Attachment("phu-luc-1.pdf", b"%PDF-1.7\n% appendix\n", description="Phụ lục 1"),
        ),
        priority=1,
        due_date="2026/11/30",
        to_places=("Ủy ban nhân dân tỉnh Tuyên Quang",),
        page_amount=2,
        appendixes=("phu-luc-1.pdf",),
        business_type_written="0",
        staff=edxml.Staff(department="Văn thư", staff="Lê Thị Hoa"),
        traces=((STNMT, "2026/11/22 16:45:03"),),
    )


def status(code: str = "03") -> edxml.Status:
    return edxml.Status(
        sender=edxml.Organ(UBND, "Ủy ban nhân dân tỉnh Tuyên Quang"),
        response_for=edxml.Reference(f"{STNMT},2026/11/22,07/STNMT-VP", STNMT, "07/STNMT-VP", "2026/11/22"),
        code=code,
        timestamp="2026/11/22 17:02:00",
        description="Đã vào sổ văn bản đến số 1520",
        staff=edxml.Staff(department="Văn phòng", staff="Nguyễn Văn Văn Thư"),
    )


def test_golden_files_and_round_trip() -> None:
    package, message = edxml_build.build(sample()), edxml_build.build_status(status())
    assert package == (GOLDEN / "cong-van.edxml").read_bytes()
    assert message == (GOLDEN / "status-03.edxml").read_bytes()
    assert edxml_read.parse(package) == sample()
    assert edxml_read.parse_status(message) == status()
    assert edxml_read.parse_message(message) == status()
    # The national library's layout: root edXML, AttachmentEncoded after the envelope, the number as printed.
    assert package.startswith(b"<?xml") and b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">' in package
    assert package.index(b"</edXML:edXMLEnvelope>") < package.index(b"<AttachmentEncoded>")
    assert b"<edXML:CodeNumber>07</edXML:CodeNumber>" in package


def _vxp(kind: str, *files: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(INTEROP / "vxp"), "read", kind, *map(str, files)], capture_output=True, text=True, timeout=300, check=False
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == len(files), done.stderr
    return lines


def _as_vxp(summary: dict[str, Any]) -> dict[str, Any]:
    """congvan's reading in the shape `vxp read` prints (which leaves out what is null)."""
    out = {k: v for k, v in summary.items() if k != "kind" and v is not None}
    if summary["kind"] == "edoc":
        out["attachments"] = [
            {"name": a["name"], "sha256_size": f"{a['sha256']}:{a['size']}"} for a in out["attachments"]
        ]
    return out


def _theirs(line: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in line.items() if k != "file"}
    for attachment in out.get("attachments", []):
        attachment.pop("content_type")
    return out


def test_every_sdk_sample_reads_as_the_national_library_reads_it() -> None:
    assert len(SAMPLES) >= 15
    for kind, files in (
        ("ed", [f for f in SAMPLES if f.name.startswith("edoc")]),
        ("status", [f for f in SAMPLES if f.name.startswith("status")]),
    ):
        for path, line in zip(files, _vxp(kind, *files), strict=True):
            assert "refused" not in line, line
            ours = _as_vxp(edxml_read.summary(edxml_read.parse_message(path.read_bytes())))
            assert ours == _theirs(line), path.name


def _packages() -> dict[str, edxml.Package]:
    """One package of each kind congvan sends."""
    base = sample()
    xlsx = _zip("bang-ke.xml", b"not really a spreadsheet")  # an xlsx is itself a ZIP: carried as it is
    return {
        "new": dataclasses.replace(
            base,
            attachments=(
                *base.attachments,
                edxml.Attachment("bang-ke.xlsx", xlsx, payload.CONTENT_TYPES[".xlsx"], "Bảng kê"),
            ),
        ),
        "update": dataclasses.replace(
            base,
            business_type=edxml.UPDATE,
            business_type_written="2",
            business_reason="Cập nhật hạn xử lý",
            business_document_id=base.document_id,
            business_receivers=(UBND,),
            due_date="2026/12/05",
        ),
        "replacement": dataclasses.replace(
            base,
            document_id=f"{STNMT},2026/11/23,08/STNMT-VP",
            code_number="08",
            business_type=edxml.REPLACE,
            business_type_written="3",
            business_reason="Thay thế văn bản số 07/STNMT-VP",
            replacements=(edxml.Replacement(base.document_id, (UBND,)),),
        ),
        "revocation": dataclasses.replace(
            base, business_type=edxml.RECALL, business_type_written="1", business_reason="Thu hồi do ban hành nhầm"
        ),
        "hỏa tốc hẹn giờ": dataclasses.replace(base, priority=4),
    }


def test_what_congvan_writes_the_national_library_reads(tmp_path: Path) -> None:
    written = []
    for name, package in _packages().items():
        path = tmp_path / f"{name}.edxml"
        path.write_bytes(edxml_build.build(package))
        written.append((path, package))
    for (path, package), line in zip(written, _vxp("ed", *(p for p, _ in written)), strict=True):
        assert "refused" not in line, line
        assert _theirs(line) == _as_vxp(edxml_read.summary(package)), path.name
        assert edxml_read.parse(path.read_bytes()) == package  # and congvan reads back what it meant
    statuses = []
    for code in edxml.STATUS_CODES:
        path = tmp_path / f"status-{code}.edxml"
        path.write_bytes(edxml_build.build_status(status(code)))
        statuses.append((path, status(code)))
    for (path, message), line in zip(statuses, _vxp("status", *(p for p, _ in statuses)), strict=True):
        assert _theirs(line) == _as_vxp(edxml_read.summary(message)), path.name
        assert edxml_read.parse_status(path.read_bytes()) == message


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def _with_payload(package: bytes, payload: bytes, name: str = "07-STNMT-VP.pdf") -> bytes:
    """The golden package with its first attachment's bytes replaced."""
    first = base64.b64encode(sample().attachments[0].data)
    return package.replace(first, base64.b64encode(payload), 1).replace(b"07-STNMT-VP.pdf", name.encode())


def test_real_packages_are_read_tolerantly() -> None:
    golden = (GOLDEN / "cong-van.edxml").read_bytes()
    pdf = b"%PDF-1.7\n% zipped by the sender's builder\n"
    # Zipped whatever the labels say (one ZIP entry named by the builder): found by its signature.
    zipped = edxml_read.parse(_with_payload(golden, _zip("0b1c.pdf", pdf)))
    assert zipped.attachments[0].data == pdf and zipped.attachments[0].content_type == "application/pdf"
    # A .doc, a BOM, unknown elements, a SteeringType with spaces, no Bussiness: all read.
    loose = b"\xef\xbb\xbf" + golden.replace(b"<edXML:SteeringType>0<", b"<edXML:SteeringType> 2 <").replace(
        b"<edXML:Subject>", b"<edXML:Unknown>x</edXML:Unknown><edXML:Subject>"
    ).replace(b"<edXML:BussinessDocType>0</edXML:BussinessDocType>", b"")
    read = edxml_read.parse(loose)
    assert read.steering_type == 2 and read.subject == sample().subject and read.business_type == edxml.NEW
    # Lenient base64, as the national library: line breaks and stray characters skipped.
    wrapped = base64.b64encode(pdf)
    spaced = b"\n".join(wrapped[i : i + 10] for i in range(0, len(wrapped), 10)) + b"\n!!"
    with_spaces = _with_payload(golden, b"").replace(
        b"></edXML:ContentTransferEncoded>", b">" + spaced + b"</edXML:ContentTransferEncoded>", 1
    )
    assert edxml_read.parse(with_spaces).attachments[0].data == pdf
    # An attachment name cannot walk out of anywhere.
    walked = edxml_read.parse(_with_payload(golden, pdf, name="../../etc/passwd.pdf"))
    assert walked.attachments[0].name == "passwd.pdf"
    # Dates that do not parse are kept as written.
    odd = edxml_read.parse(
        golden.replace(b">2026/11/22</edXML:PromulgationDate>", b">2014/02/30</edXML:PromulgationDate>")
    )
    assert odd.promulgation_date == "2014/02/30" and odd.promulgation_day is None


def _deep(depth: int) -> bytes:
    return (
        b"<?xml version='1.0'?><edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'><edXMLEnvelope><edXMLHeader>"
        + b"<a>" * depth
        + b"</a>" * depth
        + b"</edXMLHeader></edXMLEnvelope></edXML>"
    )


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("not xml", "edxml_malformed"),
        ("junk before the declaration", "edxml_malformed"),
        ("no envelope", "edxml_unexpected"),
        ("no namespace", "edxml_unexpected"),
        ("a DTD with entities", "edxml_doctype"),
        ("nesting 100,000 deep", "edxml_too_deep"),
        ("100 MB of base64", "edxml_too_large"),
        ("a zip bomb", "edxml_zip_bomb"),
        ("a zip-slip entry", "edxml_zip_slip"),
        ("an attachment without content", "edxml_attachment"),
    ],
)
def test_hostile_packages_are_refused(case: str, code: str) -> None:
    golden = (GOLDEN / "cong-van.edxml").read_bytes()
    data = {
        "not xml": b"not xml at all",
        "junk before the declaration": b"1212" + golden,
        "no envelope": b"<?xml version='1.0'?><edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'/>",
        "no namespace": golden.replace(b' xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"', b"", 1).replace(
            b'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', b'xmlns:edXML="urn:other"'
        ),
        "a DTD with entities": b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
        b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'>&e;</edXML>",
        "nesting 100,000 deep": _deep(100_000),
        "100 MB of base64": golden.replace(b"JVBER", b"QUFB" * (25 * 1024 * 1024) + b"JVBER", 1),
        "a zip bomb": _with_payload(golden, _zip("bom.pdf", bytes(payload.MAX_UNZIPPED_BYTES + 1))),
        "a zip-slip entry": _with_payload(golden, _zip("../../../etc/cron.d/x.pdf", b"%PDF-1.7\n")),
        "an attachment without content": golden.replace(b"<edXML:ContentTransferEncoded", b"<edXML:Other", 1).replace(
            b"</edXML:ContentTransferEncoded>", b"</edXML:Other>", 1
        ),
    }[case]
    with pytest.raises(edxml_read.EdxmlError) as refused:
        edxml_read.parse(data)
    assert refused.value.code == code, refused.value.message
    assert refused.value.message  # Vietnamese, shown to the clerk


def _parse_command(path: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [*processes.congvan_command(), "edxml", "parse", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def test_the_parse_command_prints_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "goi-tin.edxml"
    path.write_bytes(edxml_build.build(sample()))
    code, read = _parse_command(path)
    assert code == 0
    assert read["kind"] == "edoc" and read["code_number"] == "07" and read["bussiness_doc_type"] == "0"
    assert read["attachments"][0] == {
        "name": "07-STNMT-VP.pdf",
        "content_type": "application/pdf",
        "sha256": hashlib.sha256(sample().attachments[0].data).hexdigest(),
        "size": len(sample().attachments[0].data),
    }
    path.write_bytes(b"not xml")
    code, refused = _parse_command(path)
    assert code == 1 and refused["refused"] == "edxml_malformed"


def test_an_issued_document_exported_as_edxml(api: Api, keys_dir: Path, tmp_path: Path) -> None:
    doc = api.draft(noi_nhan=["- Như trên;", "- UBND tỉnh (b/c);", "- Sở Tài chính;", "- Lưu: VT, VP."])
    refused = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_issued"
    api.advance(doc["id"], "dispatched")
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    package = edxml_read.parse(response.data)
    document = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    number, notation = document["symbol"].split("/", 1)
    assert package.code_number == number and package.code_notation == notation and len(number) >= 2
    assert package.document_id == f"{STNMT},{package.promulgation_date},{number}/{notation}"
    assert (package.type, package.type_detail, package.type_name) == (1, 0, "Công văn")
    assert {r.organ_id for r in package.recipients} == {UBND, "000.00.04.H57"}
    assert package.to_places == ("Các phòng, đơn vị trực thuộc Sở", "UBND tỉnh", "Sở Tài chính")
    assert package.signer_name == "Phạm Mạnh Duyệt" and package.subject == document["summary"]
    assert package.staff.staff == "Lê Thị Hoa" and package.business_type == edxml.NEW
    pdf = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf").data
    assert package.attachments[0].data == pdf
    roots = validation.load_certs((keys_dir / "roots.pem").read_bytes())
    assert validation.report(package.attachments[0].data, roots).verdict == "valid"
    path = tmp_path / "exported.edxml"
    path.write_bytes(response.data)
    (line,) = _vxp("ed", path)
    assert _theirs(line) == _as_vxp(edxml_read.summary(package))


def test_a_secret_document_is_never_packaged(api: Api) -> None:
    doc = api.draft(confidentiality="mat")
    api.advance(doc["id"], "issued")
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "confidential_no_electronic_dispatch"


def _agency_signer(name: str) -> tuple[signers.KeySigner, bytes]:
    root = pki.make_root(f"CA thử {name}", name)
    identity = pki.issue_signing_cert(root, name, name)
    p12 = pki.to_pkcs12(identity, [root.cert], b"x", name)
    return signers.load_pkcs12(p12, b"x"), pki.cert_pem(identity.cert)


def test_the_package_carries_its_senders_xml_signature(tmp_path: Path) -> None:
    signer, certificate = _agency_signer("Sở Tài nguyên và Môi trường")
    _, stranger = _agency_signer("Cơ quan khác")
    signed = xmldsig.sign(edxml_build.build(sample(), signature_place=True), signer)
    # Enveloped in the header, after the trace headers, covering the whole package.
    header = signed[signed.index(b"<edXML:edXMLHeader>") : signed.index(b"</edXML:edXMLHeader>")]
    assert b"<ds:Signature" in header and b"rsa-sha256" in header and b'URI=""' in header
    assert xmldsig.verify(signed, certificate).status == "valid"
    assert edxml_read.parse(signed) == sample()  # the signature changes nothing congvan reads
    path = tmp_path / "signed.edxml"
    path.write_bytes(signed)
    (line,) = _vxp("ed", path)  # nor what the national library reads
    assert _theirs(line) == _as_vxp(edxml_read.summary(sample()))
    changed = signed.replace(b"<edXML:Priority>1<", b"<edXML:Priority>3<")
    assert xmldsig.verify(changed, certificate).status == "invalid"
    assert xmldsig.verify(signed, stranger).status == "invalid"
    assert xmldsig.verify(edxml_build.build(sample()), certificate).status == "absent"
    # The national library's own signature (unprefixed, SHA-1, a placeholder certificate): recorded, not refused.
    assert xmldsig.verify((SAMPLES[0].parent / "edoc_update.edxml").read_bytes(), certificate).status == "unverifiable"
