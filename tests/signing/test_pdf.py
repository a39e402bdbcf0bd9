"""The signing adapter on its own: font, layout, fields, leader and agency signatures."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from reportlab.pdfgen import canvas

from signing import inspection, issuance, pdf, validation
from signing.errors import PdfError, SigningError
from workflow.documents.render import Draft, register_fonts, render

NOW = dt.datetime(2026, 11, 22, 16, 45, 3, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def draft() -> Draft:
    return Draft(
        superior="UBND tỉnh Tuyên Quang",
        agency="Sở Tài nguyên và Môi trường",
        place="Tuyên Quang",
        type_name=None,
        summary="tiếp tục thực hiện công tác phòng, chống dịch COVID-19",
        body="Giám đốc Sở yêu cầu các phòng, đơn vị nghiêm túc thực hiện./.",
        kinh_gui=["Các phòng, đơn vị trực thuộc Sở"],
        noi_nhan=["Như trên;", "Lưu: VT, VP."],
        authority="KT. GIÁM ĐỐC",
        position="PHÓ GIÁM ĐỐC",
        signer_name="Hoàng Văn Minh",
    )


def pdftotext(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_font_is_prepared_for_vietnamese(font: bytes) -> None:
    prepared = TTFont(io.BytesIO(font))
    assert prepared["head"].unitsPerEm == 1000  # pyHanko writes raw widths (SIGNING-NOTES §4)
    assert {ord(c) for c in "Ký bởi Thời gian ký Đặng Hoàng Phượng"} <= set(prepared.getBestCmap())
    assert len(font) < 150_000


def test_rendered_document_has_decree_30_parts(tmp_path: Path) -> None:
    data, layout = render(draft())
    text = pdftotext(data, tmp_path)
    for part in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG",
        "V/v tiếp tục thực hiện công tác phòng,",
        "Kính gửi: Các phòng, đơn vị trực thuộc Sở",
        "Nơi nhận:",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Hoàng Văn Minh",
        "- Lưu: VT, VP.",
    ):
        assert part in text, part
    # "Số:" is drawn but reads as nothing: once issued, the number field prints the whole line "Số: 07/…".
    assert "Số:" not in text
    assert layout.number.page == 0 and layout.number.y1 > 650
    assert layout.leader.x1 > 250


def test_leader_then_agency_signatures_validate(identities: dict, font: bytes, tmp_path: Path) -> None:
    data, layout = render(draft())
    prepared = pdf.prepare(data, layout)
    assert inspection.inspect(prepared).signatures == 0
    signed = pdf.sign_leader(
        prepared,
        identities["leader"],
        signer_name="Hoàng Văn Minh",
        position="KT. GIÁM ĐỐC, Phó Giám đốc",
        agency="Sở Tài nguyên và Môi trường",
        moment=NOW,
        font=font,
    )
    with pytest.raises(SigningError) as twice:
        pdf.sign_leader(signed, identities["leader"], signer_name="x", position="p", agency="y", moment=NOW, font=font)
    assert twice.value.code == "already_signed"
    issued = issuance.issue(
        signed,
        identities["agency"],
        number_text="05/STNMT-VP",
        date_text="Tuyên Quang, ngày 22 tháng 11 năm 2026",
        agency="Sở Tài nguyên và Môi trường",
        moment=NOW,
        font=font,
    )
    leader, agency = validation.validate(issued, identities["roots"])
    assert leader.ok and leader.modification_level == "FORM_FILLING" and leader.signer == "Hoàng Văn Minh"
    assert agency.ok and agency.coverage == "ENTIRE_FILE"
    with pytest.raises(SigningError) as again:
        issuance.issue(issued, identities["agency"], number_text="x", date_text="y", agency="z", moment=NOW, font=font)
    assert again.value.code == "already_issued"
    # The stamps are drawn: the signature area of the last page is no longer blank.
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True, timeout=60)
    assert list(tmp_path.glob("page*.png"))


def test_issue_refuses_an_unsigned_document(identities: dict, font: bytes) -> None:
    data, layout = render(draft())
    with pytest.raises(SigningError) as refused:
        issuance.issue(
            pdf.prepare(data, layout),
            identities["agency"],
            number_text="1",
            date_text="d",
            agency="a",
            moment=NOW,
            font=font,
        )
    assert refused.value.code == "not_signed"


def test_layout_found_from_the_text_of_an_uploaded_pdf() -> None:
    register_fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont("Serif", 13)
    c.drawString(90, 700, "Số: /STNMT-VP")
    c.drawString(330, 700, "Tuyên Quang, ngày tháng 5 năm 2021")
    c.showPage()
    c.setFont("Serif", 13)
    c.drawString(380, 300, "GIÁM ĐỐC")
    c.drawString(370, 200, "Phạm Mạnh Duyệt")
    c.showPage()
    c.save()
    layout = inspection.locate_layout(out.getvalue(), "Phạm Mạnh Duyệt")
    assert layout.number.page == 0 and 690 < layout.number.y1 < 700 and layout.number.x1 > 100
    assert layout.date.page == 0 and abs(layout.date.x1 - 330) < 5
    assert layout.leader.page == 1 and layout.leader.y1 > 200 and layout.leader.y2 < 300


def test_unreadable_pdfs_raise_pdf_errors() -> None:
    for data, code in [(b"hello", "not_a_pdf"), (b"%PDF-1.7\nxx", "pdf_unreadable")]:
        with pytest.raises(PdfError) as error:
            inspection.inspect(data)
        assert error.value.code == code


def test_vietnam_time_format() -> None:
    assert pdf.vn_time(NOW) == "22.11.2026 16:45:03 +07:00"
