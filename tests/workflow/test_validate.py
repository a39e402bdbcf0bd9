"""POST /api/v1/validate: any signed PDF, validated in an isolated process against the trust list."""

from __future__ import annotations

import time

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
    assert leader["certificate"]["issuer"] and leader["signing_time"].endswith("+00:00")
    assert agency["coverage"] == "ENTIRE_FILE" and agency["ok"]
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
