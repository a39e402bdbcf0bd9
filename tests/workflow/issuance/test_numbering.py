"""Numbers, symbols and date lines per Decree 30; a failed issuance leaves a voided entry."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from tests.support.api import Api, build_app
from workflow.issuance import registers
from workflow.issuance import service as issuance
from workflow.models import Agency, Document, Register, Unit


def _doc(doc_type: str) -> Document:
    agency = Agency(code="x", name="Sở", abbreviation="STNMT")
    return Document(doc_type=doc_type, agency=agency, drafting_unit=Unit(code="VP", name="Văn phòng"))


def test_symbols() -> None:
    register = Register(typed_pattern="{type}-{agency}", cong_van_pattern="{agency}-{unit}")
    assert registers.make_symbol(register, _doc("cong_van"), 7) == "07/STNMT-VP"
    assert registers.make_symbol(register, _doc("thong_bao"), 3) == "03/TB-STNMT"
    assert registers.make_symbol(register, _doc("quyet_dinh"), 15) == "15/QĐ-STNMT"
    dotted = Register(typed_pattern="{type}-{agency}.{unit}", cong_van_pattern="{agency}-{unit}")
    assert registers.make_symbol(dotted, _doc("ke_hoach"), 5799) == "5799/KH-STNMT.VP"


def test_date_lines() -> None:
    assert issuance.date_line("Hà Nội", dt.date(2020, 1, 5)) == "Hà Nội, ngày 05 tháng 01 năm 2020"
    assert issuance.date_line("Tuyên Quang", dt.date(2026, 2, 9)) == "Tuyên Quang, ngày 09 tháng 02 năm 2026"
    assert issuance.date_line("Tuyên Quang", dt.date(2026, 11, 22)) == "Tuyên Quang, ngày 22 tháng 11 năm 2026"
    assert issuance.date_line("Lạng Sơn", dt.date(2020, 3, 27)) == "Lạng Sơn, ngày 27 tháng 3 năm 2020"


def test_counters_are_per_register_and_year(app: Flask) -> None:
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        taken = [registers.take_number(session, 1, 2026) for _ in range(3)]
        taken += [registers.take_number(session, 2, 2026), registers.take_number(session, 1, 2027)]
    assert taken == [1, 2, 3, 1, 1]


def test_failed_issuance_voids_the_number(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    keys = tmp_path / "keys"
    shutil.copytree(keys_dir, keys)
    agency_key = next(keys.glob("agency-*.p12"))
    saved = agency_key.read_bytes()
    agency_key.unlink()
    app = build_app(f"sqlite:///{tmp_path}/c.db", tmp_path, keys, password_hash)
    api = Api(app.test_client())
    doc = api.draft()
    api.advance(doc["id"], "signed")

    failed = api.act("vanthu", doc["id"], "issue")
    body = failed.get_json()
    assert failed.status_code == 503 and body["error"]["code"] == "issue_failed"
    assert body["error"]["detail"]["voided"] == {"number": 1, "symbol": "01/STNMT-VP"}
    assert api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()["state"] == "signed"

    agency_key.write_bytes(saved)
    issued = api.act("vanthu", doc["id"], "issue").get_json()
    assert issued["document"]["symbol"] == "02/STNMT-VP"
    register = api.as_("vanthu", "GET", "/api/v1/registers").get_json()["registers"][0]
    year = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    entries = api.as_("vanthu", "GET", f"/api/v1/registers/{register['id']}/entries?year={year}").get_json()
    assert [(e["number"], e["status"]) for e in entries["entries"]] == [(1, "voided"), (2, "issued")]
    assert "key_missing" in entries["entries"][0]["void_reason"]
    app.extensions["congvan"].close()


def test_printed_register(api: Api, tmp_path: Path) -> None:
    doc = api.draft(summary="đôn đốc báo cáo kết quả cấp giấy chứng nhận quyền sử dụng đất")
    api.advance(doc["id"], "dispatched")
    register = api.as_("vanthu", "GET", "/api/v1/registers").get_json()["registers"][0]
    year = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    response = api.as_("vanthu", "GET", f"/api/v1/registers/{register['id']}/entries.pdf?year={year}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "register.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    for part in (
        "SỔ ĐĂNG KÝ CÔNG VĂN ĐI",
        f"Năm {year}",
        "01/STNMT-VP",
        "Công văn: đôn đốc báo cáo",
        "Phạm Mạnh Duyệt",
        "UBND tỉnh (b/c);",
    ):
        assert part in text, part
    bad = api.as_("vanthu", "GET", f"/api/v1/registers/{register['id']}/entries.pdf?year=abc")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_year"
