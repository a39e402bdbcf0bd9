"""The printable incoming register and the reports of a period, on SQLite and PostgreSQL: every figure checked
against what the test made, as JSON, CSV, XLSX and the page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from routing.models import IncomingAssignee
from tests.routing.foreign import Foreign, arrive, package_from_snv
from tests.routing.incoming.test_registration import _register
from tests.support.api import Api
from tests.support.scans import scanned
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.both_databases


def _act(api: Api, user: str, incoming_id: int, action: str, body: dict[str, Any] | None = None) -> Any:
    response = api.as_(user, "POST", f"/api/v1/incoming/{incoming_id}/actions/{action}", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _unit(api: Api, code: str) -> int:
    agencies = api.as_("admin", "GET", "/api/v1/directory").get_json()["agencies"]
    return next(u["id"] for a in agencies for u in a.get("units") or [] if u["code"] == code)


def _lines(report: dict[str, Any]) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        line["name"]: (line["received"], line["on_time"], line["late"], line["overdue"], line["open"])
        for line in report["lines"]
    }


def test_incoming_register_and_reports(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes, tmp_path: Path
) -> None:
    rt = app.extensions["congvan"]
    today = rt.now().date()
    later = (today + dt.timedelta(days=5)).isoformat()
    ids = []
    for number in (101, 102):
        answer = arrive(app, package_from_snv(signed_pdf, code_number=number))
        _act(api, "vanthu", answer["incoming_id"], "register")
        ids.append(answer["incoming_id"])
    scan = _register(api, scanned(), issued_on=today.isoformat(), received_at=None)
    assert scan.status_code == 201, scan.get_json()
    ids.append(scan.get_json()["id"])
    first, second, third = ids
    land, it_unit, it_person = _unit(api, "QLDD"), _unit(api, "CNTT"), api.id_of("chuyenvien_cntt")
    _act(
        api,
        "giamdoc",
        first,
        "assign",
        {
            "assignees": [
                {"unit_id": land, "role": "lead", "deadline": later},
                {"person_id": it_person, "role": "support", "deadline": later},
                {"unit_id": _unit(api, "VP"), "role": "info"},
            ]
        },
    )
    _act(api, "giamdoc", second, "assign", {"assignees": [{"unit_id": it_unit, "role": "lead", "deadline": later}]})
    _act(api, "giamdoc", third, "assign", {"assignees": [{"unit_id": land, "role": "lead"}]})
    _act(api, "chuyenvien_cntt", first, "progress", {"progress": "done", "note": "Xong phần phối hợp."})
    _act(api, "chuyenvien_dd", first, "progress", {"progress": "done"})
    with rt.sessions() as session, session.begin():
        # The supporting person finished after their deadline; the IT unit's own part is past its deadline.
        for row in session.scalars(select(IncomingAssignee)):
            if row.person_id == it_person:
                row.deadline = today - dt.timedelta(days=1)
            elif row.unit_id == it_unit:
                row.deadline = today - dt.timedelta(days=2)

    # By unit: the land unit had two (one done on time, one open, no deadline); the IT unit two (its own overdue,
    # its person's late); a part for information is no work to count.
    by_unit = api.as_("giamdoc", "GET", "/api/v1/reports/incoming?by=unit").get_json()
    lines = _lines(by_unit)
    assert lines == {
        "Phòng Quản lý đất đai": (2, 1, 0, 0, 1),
        "Trung tâm Công nghệ Thông tin Tài nguyên và Môi trường": (2, 0, 1, 1, 0),
    }, lines
    assert by_unit["total"]["received"] == 4 and by_unit["total"]["median_days"] == 0.0
    assert by_unit["since"] == today.replace(day=1).isoformat() and by_unit["until"] == today.isoformat()
    by_person = api.as_("vanthu", "GET", "/api/v1/reports/incoming?by=person").get_json()
    assert _lines(by_person) == {"Ngô Quang Huy": (1, 0, 1, 0, 0)}

    # The same as CSV (Excel reads its accents) and as an Excel workbook.
    response = api.as_("giamdoc", "GET", "/api/v1/reports/incoming?by=unit&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Đơn vị", "Nhận", "Xong đúng hạn"]
    assert rows[1][:6] == ["Phòng Quản lý đất đai", "2", "1", "0", "0", "1"] and rows[-1][:2] == ["Tổng cộng", "4"]
    response = api.as_("giamdoc", "GET", "/api/v1/reports/incoming?by=unit&format=xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "Phòng Quản lý đất đai" in strings and "Tổng cộng" in strings

    # Outgoing: by the office, the signed document the packages carry and one more issued, one still a draft.
    issued = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(issued["id"], "dispatched")
    api.draft()
    outgoing = api.as_("giamdoc", "GET", "/api/v1/reports/outgoing?by=unit").get_json()
    assert _lines(outgoing) == {"Văn phòng Sở": (3, 2, 0, 0, 1)}
    assert outgoing["columns"]["received"] == "Dự thảo"
    receipts = api.as_("giamdoc", "GET", "/api/v1/reports/receipts?by=unit").get_json()
    # Receipts: the land unit got both issued documents and finished one (no deadline: on time).
    deliveries = api.as_("vanthu", "GET", f"/api/v1/documents/{issued['id']}/deliveries").get_json()["deliveries"]
    land_copy = next(d for d in deliveries if (d["recipient"]["unit"] or {}).get("code") == "QLDD")
    for status in ("03", "06"):
        path = f"/api/v1/deliveries/{land_copy['id']}/status"
        assert api.as_("truongphong_dd", "POST", path, json={"status": status}).status_code == 200
    receipts = api.as_("giamdoc", "GET", "/api/v1/reports/receipts?by=unit").get_json()
    assert _lines(receipts)["Phòng Quản lý đất đai"] == (2, 1, 0, 0, 1)
    assert _lines(receipts)["Phòng Tài nguyên nước - Khoáng sản"] == (1, 0, 0, 0, 1)
    by_who = api.as_("giamdoc", "GET", "/api/v1/reports/receipts?by=person").get_json()
    assert _lines(by_who) == {"Vũ Thị Mai": (1, 1, 0, 0, 0)}

    # Refused: who may not see reports, a period backwards or too long, an unknown grouping or report.
    assert api.as_("chuyenvien", "GET", "/api/v1/reports/incoming").status_code == 403
    for query, code in (
        ("from=2026-12-05&to=2026-12-01", "invalid_period"),
        ("from=2024-01-01&to=2026-01-01", "period_too_long"),
        ("by=agency", "invalid_by"),
        ("format=pdf", "invalid_format"),
        ("from=01/12/2026", "invalid_date"),
    ):
        response = api.as_("giamdoc", "GET", f"/api/v1/reports/incoming?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code, query
    assert api.as_("giamdoc", "GET", "/api/v1/reports/weather").status_code == 404

    # The page: the chart, the table, and the files behind its buttons.
    page = sign_in(app, "giamdoc").get("/reports?kind=incoming&by=unit").get_data(as_text=True)
    assert "<svg" in page and 'class="overdue"' in page and "Phòng Quản lý đất đai" in page and "Tổng cộng" in page
    download = sign_in(app, "vanthu").get(f"/reports?kind=incoming&from=01/{today:%m/%Y}&format=csv")
    assert download.status_code == 200 and "Phòng Quản lý đất đai" in download.data.decode("utf-8-sig")

    # The year's incoming register in print: the decree's columns, the paper one, who was given each.
    response = api.as_("vanthu", "GET", f"/api/v1/incoming-register.pdf?year={today.year}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "so-den.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    text = " ".join(text.split())  # a cell's words wrapped onto lines
    for part in (
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        f"Năm {today.year}",
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Ký nhận",
        "1002/SLĐTBXH-VP",
        "101/SNV-TCBC",
        "Bản giấy",
        "Phòng Quản lý đất đai (chủ trì)",
    ):
        assert part in text, part
    assert api.as_("chuyenvien", "GET", "/api/v1/incoming-register.pdf").status_code == 403
    assert sign_in(app, "vanthu").get("/incoming/register.pdf").mimetype == "application/pdf"
