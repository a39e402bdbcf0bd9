"""An uploaded PDF (made elsewhere) goes through review, signing and issuance like a rendered one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from tests.support.api import Api
from tests.support.pdfcheck import assert_issued_pdf, nss_db
from workflow.documents.render import register_fonts

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def letter(signer: str = "Phạm Mạnh Duyệt") -> bytes:
    """A one-page công văn laid out like sample 002, as another editor would produce it."""
    register_fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont("Serif", 12)
    c.drawCentredString(150, 790, "UBND TỈNH TUYÊN QUANG")
    c.drawCentredString(150, 775, "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG")
    c.drawCentredString(420, 790, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(420, 775, "Độc lập - Tự do - Hạnh phúc")
    c.drawString(90, 740, "Số: /STNMT-VP")
    c.drawString(330, 740, "Tuyên Quang, ngày tháng năm 2026")
    c.drawString(90, 700, "Kính gửi: Phòng Quản lý đất đai")
    c.drawString(90, 670, "Đề nghị Phòng Quản lý đất đai báo cáo kết quả trước ngày 30/11/2026./.")
    c.drawString(380, 600, "GIÁM ĐỐC")
    c.drawString(370, 520, signer)
    c.showPage()
    c.save()
    return out.getvalue()


def test_uploaded_pdf_is_issued_with_both_signatures_valid(api: Api, keys_dir: Path, tmp_path: Path) -> None:
    doc = api.upload(letter())
    api.advance(doc["id"], "dispatched")
    issued = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    assert issued["symbol"] == "01/STNMT-VP"
    pdf = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf").data
    assert_issued_pdf(pdf, keys_dir, nss_db(keys_dir, tmp_path / "nss"), tmp_path, "01/STNMT-VP")
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/signatures").get_json()
    assert [(s["field"], s["ok"], s["modification_level"]) for s in report["signatures"]] == [
        ("chu_ky_lanh_dao", True, "FORM_FILLING"),
        ("chu_ky_co_quan", True, "NONE"),
    ]
    inbox = api.as_("chuyenvien_dd", "GET", "/api/v1/inbox").get_json()["deliveries"]
    assert [(d["document"]["symbol"], d["purpose"]) for d in inbox] == [("01/STNMT-VP", "action")]
