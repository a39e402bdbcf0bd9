"""Bad input gets a clear Vietnamese error with a stable code and a 4xx status, and stores nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from flask import Flask
from reportlab.pdfgen import canvas

from tests.support.api import Api, build_app
from workflow.documents.render import register_fonts

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def small_pdf(text: str = "Số: /STNMT-VP") -> bytes:
    register_fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont("Serif", 13)  # a font with Vietnamese letters: "Số:" must be readable for the number's place
    c.drawString(100, 750, text)
    c.showPage()
    c.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(small_pdf())))
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def small_app(tmp_path: Path, keys_dir: Path, password_hash: str) -> Iterator[Flask]:
    application = build_app(f"sqlite:///{tmp_path}/c.db", tmp_path, keys_dir, password_hash, MAX_UPLOAD_BYTES=64 * 1024)
    yield application
    application.extensions["congvan"].close()


def upload(api: Api, data: bytes, name: str = "vb.pdf", **fields: str) -> tuple[int, dict]:
    form = {
        "doc_type": "cong_van",
        "summary": "thử tải tệp",
        "signer_id": str(api.id_of("giamdoc")),
        "noi_nhan": "Như trên;\nLưu: VT, VP.",
    } | fields
    response = api.as_(
        "chuyenvien",
        "POST",
        "/api/v1/documents",
        data={**form, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_json()


def document_count(api: Api) -> int:
    return len(api.as_("vanthu", "GET", "/api/v1/documents").get_json()["documents"])


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"<html><body>not a pdf</body></html>", 400, "not_a_pdf"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage", 400, "pdf_unreadable"),
        (small_pdf()[:300], 400, "pdf_unreadable"),
        (encrypted_pdf(), 400, "pdf_encrypted"),
        (b"%PDF-1.4\n" + b"0" * (70 * 1024), 400, "file_too_large"),
    ],
    ids=["html", "garbage", "truncated", "encrypted", "too-large-for-config"],
)
def test_bad_uploads(small_app: Flask, data: bytes, status: int, code: str) -> None:
    api = Api(small_app.test_client())
    before = document_count(api)
    got_status, body = upload(api, data)
    assert (got_status, body["error"]["code"]) == (status, code)
    assert body["error"]["message"]  # a Vietnamese sentence for the user
    assert document_count(api) == before


def test_request_over_the_limit_is_413(small_app: Flask) -> None:
    api = Api(small_app.test_client())
    boundary = "congvan-boundary"
    raw = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%PDF-1.4\n"
        + b"0" * (2 * 1024 * 1024)
        + (f"\r\n--{boundary}--\r\n").encode()
    )
    response = api.as_(
        "chuyenvien", "POST", "/api/v1/documents", data=raw, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "file_too_large"


def test_good_upload_is_accepted(api: Api) -> None:
    status, body = upload(api, small_pdf())
    assert status == 201, body
    assert body["current_version"]["kind"] == "uploaded"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"summary": "x", "body": "y"}, "invalid_doc_type", "doc_type"),
        ({"doc_type": "cong_van", "body": "y"}, "missing_field", "summary"),
        ({"doc_type": "cong_van", "summary": "x"}, "missing_field", "body"),
        ({"doc_type": "cong_van", "summary": "x", "body": "y", "urgency": "gap"}, "invalid_urgency", "urgency"),
        (
            {"doc_type": "cong_van", "summary": "x", "body": "y", "confidentiality": "x"},
            "invalid_confidentiality",
            "confidentiality",
        ),
        ({"doc_type": "cong_van", "summary": "x", "body": "y", "due_date": "31/12/2026"}, "invalid_date", "due_date"),
    ],
)
def test_missing_or_invalid_fields(api: Api, payload: dict, code: str, field: str) -> None:
    payload.setdefault("signer_id", api.id_of("giamdoc"))
    response = api.as_("chuyenvien", "POST", "/api/v1/documents", json=payload)
    body = response.get_json()
    assert response.status_code == 400
    assert body["error"]["code"] == code and body["error"]["detail"]["field"] == field


def test_signer_must_be_a_leader(api: Api) -> None:
    response = api.as_(
        "chuyenvien",
        "POST",
        "/api/v1/documents",
        json={"doc_type": "cong_van", "summary": "x", "body": "y", "signer_id": api.id_of("vanthu")},
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_signer"


def test_multipart_without_file(api: Api) -> None:
    response = api.as_(
        "chuyenvien", "POST", "/api/v1/documents", data={"doc_type": "cong_van"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "missing_file"


def test_body_that_is_not_json(api: Api) -> None:
    response = api.as_("chuyenvien", "POST", "/api/v1/documents", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/999999",
        "/api/v1/documents/abc",
        "/api/v1/documents/999/pdf",
        "/api/v1/signing-batches/42",
        "/api/v1/registers/77/entries",
        "/api/v1/nowhere",
    ],
)
def test_unknown_ids_are_404(api: Api, path: str) -> None:
    response = api.as_("vanthu", "GET", path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] in {
        "document_not_found",
        "not_found",
        "batch_not_found",
        "register_not_found",
    }


def test_unknown_action_and_method(api: Api) -> None:
    doc = api.draft()
    assert api.act("chuyenvien", doc["id"], "publish").status_code == 404
    response = api.as_("chuyenvien", "DELETE", f"/api/v1/documents/{doc['id']}")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_authentication_errors(api: Api) -> None:
    assert api("GET", "/api/v1/documents")[0] == 401
    status, body = api("GET", "/api/v1/documents", "not-a-token")
    assert status == 401 and body["error"]["code"] == "bad_token"
    status, body = api("POST", "/api/v1/auth/login", json={"username": "giamdoc", "password": "sai"})
    assert status == 401 and body["error"]["code"] == "bad_credentials"
    status, body = api("POST", "/api/v1/auth/login", json={"username": "giamdoc"})
    assert status == 400


def test_return_needs_a_reason_and_changes_nothing(api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "in_review")
    response = api.act("truongphong", doc["id"], "return")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "reason_required"
    assert api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}").get_json()["state"] == "in_review"


def test_secret_document_is_issued_but_never_sent_over_the_network(api: Api) -> None:
    doc = api.draft(confidentiality="mat")
    api.advance(doc["id"], "signed")
    response = api.act("vanthu", doc["id"], "issue")
    body = response.get_json()
    assert response.status_code == 200
    assert body["document"]["state"] == "issued"
    assert body["document"]["symbol"] == "01/STNMT-VP"  # its own confidential series
    assert body["result"]["dispatch"]["error"]["code"] == "confidential_no_electronic_dispatch"
    assert api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"] == []
    again = api.act("vanthu", doc["id"], "dispatch")
    assert again.status_code == 422
    assert "không được gửi qua mạng" in again.get_json()["error"]["message"]


def test_delivery_status_rules(api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    inbox = api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()["deliveries"]
    delivery = inbox[0]["id"]
    path = f"/api/v1/deliveries/{delivery}/status"
    assert api.as_("chuyenvien_dd", "POST", path, json={"status": "99"}).get_json()["error"]["code"] == "invalid_status"
    assert (
        api.as_("chuyenvien_dd", "POST", path, json={"status": "02"}).get_json()["error"]["code"] == "reason_required"
    )
    assert api.as_("chuyenvien_dd", "POST", path, json={}).status_code == 400
    assert api.as_("chuyenvien", "POST", path, json={"status": "03"}).status_code == 404  # not their unit
    assert api.as_("chuyenvien_dd", "POST", path, json={"status": "05"}).status_code == 200
    stale = api.as_("chuyenvien_dd", "POST", path, json={"status": "03"})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_status"
    assert api.as_("chuyenvien_dd", "POST", path, json={"status": "06"}).status_code == 200
    final = api.as_("chuyenvien_dd", "POST", path, json={"status": "02", "reason": "x"})
    assert final.status_code == 409 and final.get_json()["error"]["code"] == "status_final"


def test_rejected_delivery_keeps_its_reason(api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    delivery = api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()["deliveries"][0]["id"]
    response = api.as_(
        "chuyenvien_dd",
        "POST",
        f"/api/v1/deliveries/{delivery}/status",
        json={"status": "02", "reason": "Không thuộc thẩm quyền của phòng."},
    )
    assert response.status_code == 200
    board = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/deliveries").get_json()["deliveries"]
    rejected = next(d for d in board if d["id"] == delivery)
    assert rejected["status"] == "02" and rejected["status_reason"] == "Không thuộc thẩm quyền của phòng."


def test_recalled_document_leaves_the_inbox(api: Api) -> None:
    doc = api.draft()
    api.advance(doc["id"], "dispatched")
    assert len(api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()["deliveries"]) == 1
    assert api.act("vanthu", doc["id"], "recall").status_code == 400  # needs a reason
    assert api.act("vanthu", doc["id"], "recall", "Ban hành nhầm.").status_code == 200
    assert api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()["deliveries"] == []


def test_duplicate_symbol_is_warned(api: Api) -> None:
    normal = api.draft()
    api.advance(normal["id"], "dispatched")
    secret = api.draft(confidentiality="mat")
    api.advance(secret["id"], "signed")
    body = api.act("vanthu", secret["id"], "issue").get_json()
    assert body["document"]["symbol"] == "01/STNMT-VP"  # the confidential series starts at 01 as well
    assert [w["code"] for w in body["result"]["warnings"]] == ["duplicate_symbol"]


def test_comments_and_versions(api: Api) -> None:
    doc = api.draft()
    assert (
        api.as_("truongphong", "POST", f"/api/v1/documents/{doc['id']}/comments", json={"body": " "}).status_code == 400
    )
    added = api.as_(
        "truongphong",
        "POST",
        f"/api/v1/documents/{doc['id']}/comments",
        json={"body": "Đề nghị bổ sung căn cứ pháp lý."},
    )
    assert added.status_code == 201
    comments = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}/comments").get_json()["comments"]
    assert [(c["author"], c["body"]) for c in comments] == [("Trần Văn Hùng", "Đề nghị bổ sung căn cứ pháp lý.")]
    changed = api.as_(
        "chuyenvien",
        "POST",
        f"/api/v1/documents/{doc['id']}/versions",
        json={"summary": "tiếp tục thực hiện công tác phòng, chống dịch (bổ sung)"},
    )
    assert changed.status_code == 201
    assert api.as_("truongphong", "POST", f"/api/v1/documents/{doc['id']}/versions", json={}).status_code == 403
    versions = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}/versions").get_json()["versions"]
    assert [v["seq"] for v in versions] == [1, 2] and versions[0]["sha256"] != versions[1]["sha256"]
    first = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}/pdf?version=1")
    assert first.headers["X-Content-SHA256"] == versions[0]["sha256"]
    api.advance(doc["id"], "in_review")
    frozen = api.as_("chuyenvien", "POST", f"/api/v1/documents/{doc['id']}/versions", json={})
    assert frozen.status_code == 409


def test_a_stored_file_that_changed_is_never_served(api: Api) -> None:
    doc = api.draft()
    sha = doc["current_version"]["sha256"]
    path = Path(api.client.application.extensions["congvan"].settings.files_dir) / sha[:2] / f"{sha}.pdf"
    path.write_bytes(path.read_bytes() + b"%tampered")
    response = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}/pdf")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "file_corrupted"
