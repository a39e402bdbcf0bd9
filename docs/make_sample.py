"""Render a sample issued công văn and an appendix to docs/sample-*.png with pdftoppm.

The pages at 80 dpi, and the signature block at 150 dpi, to look at the Decree-30 appearances:
the leader's blue signature image with "Ký bởi" and the time, the agency's red seal over its left third,
the number and date in their places, and the appendix's signature text at the top right.

Usage: .venv/bin/python docs/make_sample.py
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from congvan.demo import SEAL_MM, seal_png, signature_png
from congvan.demo_day import BODIES
from signing import appearance, inspection, issuance, pdf, pki, signers
from workflow.documents.render import Draft, register_fonts, render
from workflow.issuance.service import date_line


def appendix_pdf(now: dt.datetime) -> bytes:
    """A one-page appendix in its own file, as drafters attach them."""
    register_fonts()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("Serif-Bold", 14)
    page.drawCentredString(297.6, 760, "PHỤ LỤC")
    page.setFont("Serif-Bold", 13)
    page.drawCentredString(297.6, 740, "Danh sách đơn vị kiểm tra công tác phòng, chống dịch")
    page.setFont("Serif-Italic", 13)
    page.drawCentredString(
        297.6, 720, f"(Kèm theo Công văn số 07/STNMT-VP ngày {now:%d/%m/%Y} của Sở Tài nguyên và Môi trường)"
    )
    page.setFont("Serif", 13)
    for i, unit in enumerate(["Văn phòng Sở", "Phòng Quản lý đất đai", "Phòng Tài nguyên nước - Khoáng sản"]):
        page.drawString(90, 680 - 22 * i, f"{i + 1}. {unit}: kiểm tra trước ngày 30/11/{now.year}.")
    page.showPage()
    page.save()
    return out.getvalue()


def main() -> None:
    root = pki.make_root("congvan Demo Root CA", "congvan (chỉ dùng thử)")
    leader = pki.issue_signing_cert(root, "Hoàng Văn Minh", "Sở Tài nguyên và Môi trường")
    agency = pki.issue_signing_cert(root, "Sở Tài nguyên và Môi trường tỉnh Tuyên Quang", "Sở Tài nguyên và Môi trường")
    leader_signer = signers.load_pkcs12(pki.to_pkcs12(leader, [root.cert], b"x", "l"), b"x")
    agency_signer = signers.load_pkcs12(pki.to_pkcs12(agency, [root.cert], b"x", "a"), b"x")
    font = appearance.prepare_font(appearance.find_serif_font())
    now = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    data, layout = render(
        Draft(
            superior="UBND tỉnh Tuyên Quang",
            agency="Sở Tài nguyên và Môi trường",
            place="Tuyên Quang",
            type_name=None,
            summary="tiếp tục thực hiện công tác phòng, chống dịch COVID-19",
            body="\n".join(BODIES),
            kinh_gui=["Văn phòng Sở;", "Các phòng, đơn vị trực thuộc Sở."],
            marks=["Khẩn"],
            noi_nhan=["Như trên (thực hiện);", "UBND tỉnh (b/c);", "Lãnh đạo Sở;", "Lưu: VT, VP."],
            authority="KT. GIÁM ĐỐC",
            position="PHÓ GIÁM ĐỐC",
            signer_name="Hoàng Văn Minh",
        )
    )
    signed = pdf.sign_leader(
        pdf.prepare(data, layout),
        leader_signer,
        signer_name="Hoàng Văn Minh",
        position="KT. GIÁM ĐỐC, Phó Giám đốc",
        agency="Sở Tài nguyên và Môi trường",
        moment=now,
        font=font,
        image=signature_png("Hoàng Văn Minh"),
    )
    issued = issuance.issue(
        signed,
        agency_signer,
        number_text="07/STNMT-VP",
        date_text=date_line("Tuyên Quang", now.date()),
        agency="Sở Tài nguyên và Môi trường",
        moment=now,
        font=font,
        seal=seal_png("Sở Tài nguyên và Môi trường", "UBND tỉnh Tuyên Quang"),
        seal_mm=SEAL_MM,
        leader_image=signature_png("Hoàng Văn Minh"),
    )
    appendix_data = appendix_pdf(now)
    appendix = issuance.sign_appendix(appendix_data, agency_signer, symbol="07/STNMT-VP", moment=now, font=font)
    out = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.pdf"
        path.write_bytes(issued)
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(out / "sample-cong-van")], check=True)
        last = str(inspection.inspect(issued).pages)
        block = ["-r", "150", "-f", last, "-l", last, "-x", "560", "-y", "1080", "-W", "620", "-H", "330"]
        subprocess.run(["pdftoppm", *block, "-png", "-singlefile", str(path), str(out / "sample-chu-ky")], check=True)
        path.write_bytes(appendix)
        top = ["-r", "100", "-f", "1", "-l", "1", "-png", "-singlefile"]
        subprocess.run(["pdftoppm", *top, str(path), str(out / "sample-phu-luc")], check=True)
    print(sorted(p.name for p in out.glob("sample-*.png")))


if __name__ == "__main__":
    main()
