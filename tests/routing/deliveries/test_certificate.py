"""The certificate of issuance: signed by the agency, naming the issued file, its signatures, its history and
every recipient's receipts; accepted by the validation service and by poppler's pdfsig."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from flask import Flask

from tests.signing.test_pdf import pdftotext
from tests.support.api import Api
from tests.support.pdfcheck import nss_db
from tests.web.test_pages import sign_in


def test_certificate_of_an_issued_document(app: Flask, api: Api, keys_dir: Path, tmp_path: Path) -> None:
    doc = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Sở Tài chính;", "Lưu: VT, VP."])
    url = f"/api/v1/documents/{doc['id']}/certificate.pdf"
    early = api.as_("chuyenvien", "GET", url)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_issued"
    api.advance(doc["id"], "dispatched")
    inbox = api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()["deliveries"]
    delivery = next(d for d in inbox if d["document_id"] == doc["id"])
    answer = api.as_("chuyenvien_dd", "POST", f"/api/v1/deliveries/{delivery['id']}/status", json={"status": "03"})
    assert answer.status_code == 200
    issued = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    issued_pdf = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf").data

    response = api.as_("vanthu", "GET", url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="chung-nhan-phat-hanh-01-STNMT-VP.pdf"'
    assert response.headers["Cache-Control"].startswith("no-store")
    data = response.data

    # What it states, read back from the PDF's text.
    text = " ".join(pdftotext(data, tmp_path).split())
    assert "GIẤY CHỨNG NHẬN PHÁT HÀNH VĂN BẢN" in text
    assert issued["symbol"] == "01/STNMT-VP" and "01/STNMT-VP" in text
    assert hashlib.sha256(issued_pdf).hexdigest() in text.replace(" ", "")
    signatures = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/signatures").get_json()["signatures"]
    assert len(signatures) == 2
    for signature in signatures:  # leader and agency, with their certificates
        assert signature["certificate"]["serial"] in text.replace(" ", "")
    for who in ("Nguyễn Thị Lan", "Trần Văn Hùng", "Phạm Mạnh Duyệt", "Lê Thị Hoa", "Đỗ Văn Nam"):
        assert who in text, who
    for step in ("Trình duyệt", "Duyệt", "Ký", "Phát hành", "Đã tiếp nhận"):
        assert step in text, step
    assert "Phòng Quản lý đất đai" in text and "Sở Tài chính" in text

    # The validation service accepts it, signed by the agency over the whole file.
    report = api.as_("vanthu", "POST", "/api/v1/validate", data=data, content_type="application/pdf").get_json()
    assert report["verdict"] == "valid", report
    (check,) = report["signatures"]
    assert check["field"] == "chu_ky_chung_nhan" and check["coverage"] == "ENTIRE_FILE"
    assert "Sở Tài nguyên và Môi trường" in check["signer"]
    path = tmp_path / "chung-nhan.pdf"
    path.write_bytes(data)
    nss = nss_db(keys_dir, tmp_path / "nss")
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Signature is Valid." in out.stdout and "Certificate is Trusted." in out.stdout, out.stdout

    # The drafting side and the clerk have it; the receiving unit reads the document only; others see nothing.
    assert api.as_("chuyenvien", "GET", url).status_code == 200
    refused = api.as_("chuyenvien_dd", "GET", url)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "recipient_only"
    assert api.as_("phogiamdoc", "GET", url).status_code == 404
    page = sign_in(app, "vanthu")
    document_page = page.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert f"/documents/{doc['id']}/certificate.pdf" in document_page
    assert "Bạn xem với tư cách</dt><dd>Văn thư</dd>" in document_page
    received = sign_in(app, "chuyenvien_dd").get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Bạn xem với tư cách</dt><dd>Đơn vị nhận</dd>" in received
    assert "certificate.pdf" not in received and "Quá trình xử lý" not in received  # not the drafting file
    shown = page.get(f"/documents/{doc['id']}/certificate.pdf")
    assert shown.status_code == 200 and shown.mimetype == "application/pdf"
