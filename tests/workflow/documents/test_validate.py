"""POST /api/v1/validate: any signed PDF, validated in an isolated process against the trust list."""

from __future__ import annotations

import io
import time

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from tests.support.api import Api


def _issued_pdf(api: Api) -> bytes:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    return bytes(api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf").data)


def _validate(api: Api, data: bytes, user: str = "vanthu") -> tuple[int, dict]:
    response = api.as_(user, "POST", "/api/v1/validate", data=data, content_type="application/pdf")
    return response.status_code, response.get_json()


def test_an_issued_document_is_valid_with_a_full_report(api: Api) -> None:
    data = _issued_pdf(api)
    status, report = _validate(api, data)
    assert status == 200 and report["verdict"] == "valid", report
    leader, agency = report["signatures"]
    assert leader["signer"] == "Phạm Mạnh Duyệt" and leader["modification_level"] == "FORM_FILLING"
    assert leader["chain"][-1] == "congvan Demo Root CA" and leader["level"] == "B-B"
    # Times in Vietnam time, as every other time the API answers.
    assert leader["certificate"]["issuer"] and leader["signing_time"].endswith("+07:00")
    assert (leader["verdict"], leader["covers"]) == ("valid", "signed_revision_and_allowed_additions")
    assert (agency["verdict"], agency["covers"], agency["coverage"]) == ("valid", "whole_file", "ENTIRE_FILE")
    assert report["trust_list"] and len(report["sha256"]) == 64


def test_tampered_unsigned_and_bad_files(api: Api) -> None:
    data = _issued_pdf(api)
    at = data.index(b"stream") + 100
    status, report = _validate(api, data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
    assert status == 200 and report["verdict"] == "invalid"
    assert any(problem for s in report["signatures"] for problem in s["problems"])
    from io import BytesIO

    out = BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 700, "chưa ký")
    page.showPage()
    page.save()
    assert _validate(api, out.getvalue())[1]["verdict"] == "unsigned"
    status, body = _validate(api, b"<html>not a pdf</html>")
    assert status == 400 and body["error"]["code"] == "not_a_pdf" and "PDF" in body["error"]["message"]
    status, body = _validate(api, b"")
    assert status == 400 and body["error"]["code"] == "missing_file"
    anonymous = api.client.post("/api/v1/validate", data=data, content_type="application/pdf")
    assert anonymous.status_code == 401


def test_a_page_added_after_signing_reads_invalid_in_every_signature(api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    data = bytes(api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf").data)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(v) for v in (0, 0, 595, 842)),
                generic.pdf_name("/Resources"): generic.DictionaryObject(),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    status, report = _validate(api, out.getvalue())
    assert status == 200 and report["verdict"] == "invalid"
    for signature in report["signatures"]:
        # pyHanko's own check of the value still passes; no answer says "valid" of this signature.
        assert signature["value_ok"] and signature["intact"] and "valid" not in signature
        assert (signature["verdict"], signature["covers"]) == ("invalid", "not_the_file_as_it_is"), signature


def test_a_hostile_file_is_refused_quickly(api: Api) -> None:
    depth = 200_000
    body = b"[" * depth + b"]" * depth
    hostile = (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Deep " + body + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    started = time.monotonic()
    status, answer = _validate(api, hostile)
    assert 400 <= status < 500 and answer["error"]["code"], answer
    assert time.monotonic() - started < 25
    assert _validate(api, _issued_pdf(api))[1]["verdict"] == "valid"  # the service is unaffected
