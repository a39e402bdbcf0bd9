"""Render a sample issued công văn (leader and agency signatures) to docs/sample-*.png with pdftoppm.

Usage: .venv/bin/python docs/make_sample.py
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from signing import appearance, pdf, pki, signers
from workflow.demo_day import BODIES
from workflow.render import Draft, render
from workflow.services import date_line


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
            kinh_gui=["Các phòng, đơn vị trực thuộc Sở"],
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
    )
    issued = pdf.issue(
        signed,
        agency_signer,
        number_text="07/STNMT-VP",
        date_text=date_line("Tuyên Quang", now.date()),
        agency="Sở Tài nguyên và Môi trường",
        moment=now,
        font=font,
    )
    out = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.pdf"
        path.write_bytes(issued)
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(out / "sample-cong-van")], check=True)
    print(sorted(p.name for p in out.glob("sample-cong-van*.png")))


if __name__ == "__main__":
    main()
