"""Case files on SQLite and PostgreSQL: the year's list drafted by the clerk and the units' heads, approved by the
leader and copied forward; files opened by who keeps them, outgoing and incoming documents put in (one document in
several files), counts kept, closed; who may do and see what."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from routing.records import package as records_package
from tests.routing.foreign import Foreign, arrive, package_from_snv
from tests.support import processes
from tests.support.api import Api

pytestmark = pytest.mark.both_databases


def _unit(api: Api, code: str) -> int:
    agencies = api.as_("admin", "GET", "/api/v1/directory").get_json()["agencies"]
    return next(u["id"] for a in agencies for u in a.get("units") or [] if u["code"] == code)


def _call(api: Api, user: str, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    response = api.as_(user, method, path, json=body)
    return response.status_code, response.get_json()


def _code(answer: tuple[int, Any]) -> tuple[int, str]:
    return answer[0], answer[1]["error"]["code"]


def issued_symbol(api: Api, document_id: int) -> str:
    return str(api.as_("vanthu", "GET", f"/api/v1/documents/{document_id}").get_json()["symbol"])


def _tampered(data: bytes) -> bytes:
    """The package with one byte of its first document changed, everything else as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.startswith("van-ban/001-"):
                at = content.index(b"/Contents") - 10
                content = content[:at] + bytes([content[at] ^ 1]) + content[at + 1 :]
            target.writestr(name, content)
    return out.getvalue()


def test_a_year_of_files(app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes, tmp_path: Path) -> None:
    year = app.extensions["congvan"].now().year
    office, land = _unit(api, "VP"), _unit(api, "QLDD")
    assert _code(_call(api, "vanthu", "GET", f"/api/v1/file-lists?year={year}")) == (404, "file_list_not_found")
    assert _call(api, "truongphong", "POST", "/api/v1/file-lists", {"year": year})[0] == 403
    status, started = _call(api, "vanthu", "POST", "/api/v1/file-lists", {"year": year})
    assert status == 201 and started["state"] == "draft" and started["entries"] == []
    assert _code(_call(api, "vanthu", "POST", "/api/v1/file-lists", {"year": year})) == (409, "file_list_exists")
    entries = f"/api/v1/file-lists/{started['id']}/entries"
    office_file = {
        "code": "VP.01",
        "title": "Hồ sơ công văn chỉ đạo phòng, chống dịch",
        "unit_id": office,
        "retention_years": 10,
        "keeper_id": api.id_of("chuyenvien"),
    }
    land_file = {
        "code": "QLĐĐ.01",
        "title": "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất năm 2026",
        "unit_id": land,
        "retention_years": None,
        "keeper_id": api.id_of("chuyenvien_dd"),
    }
    # The clerk adds for any unit, a unit's head for theirs only; the keeper works in that unit; codes are unique.
    assert _call(api, "chuyenvien", "POST", entries, office_file)[0] == 404
    assert _call(api, "truongphong", "POST", entries, land_file)[0] == 403
    status, office_entry = _call(api, "vanthu", "POST", entries, office_file)
    assert status == 201 and office_entry["retention"] == "10 năm"
    status, land_entry = _call(api, "truongphong_dd", "POST", entries, land_file)
    assert status == 201 and land_entry["retention"] == "Vĩnh viễn"
    assert _code(_call(api, "vanthu", "POST", entries, office_file)) == (409, "file_code_taken")
    outsider = office_file | {"code": "VP.02", "keeper_id": api.id_of("chuyenvien_dd")}
    assert _code(_call(api, "vanthu", "POST", entries, outsider)) == (400, "invalid_person")
    spare = _call(api, "vanthu", "POST", entries, office_file | {"code": "VP.99"})[1]
    assert _call(api, "vanthu", "DELETE", f"{entries}/{spare['id']}")[0] == 200
    # Not approved yet: no file opens. The leader approves; the list is then fixed.
    opened = {"plan_id": office_entry["id"]}
    assert _code(_call(api, "chuyenvien", "POST", "/api/v1/case-files", opened)) == (409, "file_list_not_approved")
    approve = f"/api/v1/file-lists/{started['id']}/actions/approve"
    assert _call(api, "vanthu", "POST", approve)[0] == 403
    status, approved = _call(api, "giamdoc", "POST", approve)
    assert status == 200 and approved["state"] == "approved" and len(approved["entries"]) == 2
    assert _code(_call(api, "vanthu", "POST", entries, office_file | {"code": "VP.03"})) == (409, "file_list_approved")

    # Who keeps an entry opens its file, once.
    assert _call(api, "truongphong", "POST", "/api/v1/case-files", opened)[0] == 403
    status, office_case = _call(api, "chuyenvien", "POST", "/api/v1/case-files", opened)
    assert status == 201 and office_case["state"] == "open" and office_case["code"] == "VP.01"
    assert _code(_call(api, "chuyenvien", "POST", "/api/v1/case-files", opened)) == (409, "case_file_exists")
    land_case = _call(api, "chuyenvien_dd", "POST", "/api/v1/case-files", {"plan_id": land_entry["id"]})[1]

    # Documents go in: an issued one of ours (a draft does not), an incoming one; one document in two files.
    issued = api.draft(summary="tăng cường phòng, chống dịch")
    api.advance(issued["id"], "dispatched")
    draft = api.draft()
    items = f"/api/v1/case-files/{office_case['id']}/documents"
    assert _code(_call(api, "chuyenvien", "POST", items, {"document_id": draft["id"]})) == (409, "document_not_issued")
    assert _code(_call(api, "chuyenvien", "POST", items, {})) == (400, "invalid_item")
    status, item = _call(api, "chuyenvien", "POST", items, {"document_id": issued["id"]})
    assert status == 201 and item["pages"] >= 1 and item["summary"] == "tăng cường phòng, chống dịch"
    assert _code(_call(api, "chuyenvien", "POST", items, {"document_id": issued["id"]})) == (409, "already_in_file")
    arrived = arrive(app, package_from_snv(signed_pdf, code_number=401))
    _call(api, "vanthu", "POST", f"/api/v1/incoming/{arrived['incoming_id']}/actions/register")
    assign = {"assignees": [{"unit_id": land, "role": "lead"}]}
    _call(api, "giamdoc", "POST", f"/api/v1/incoming/{arrived['incoming_id']}/actions/assign", assign)
    land_items = f"/api/v1/case-files/{land_case['id']}/documents"
    assert _call(api, "chuyenvien", "POST", land_items, {"incoming_id": arrived["incoming_id"]})[0] == 404
    assert _call(api, "chuyenvien_dd", "POST", land_items, {"incoming_id": arrived["incoming_id"]})[0] == 201
    assert _call(api, "chuyenvien_dd", "POST", land_items, {"document_id": issued["id"]})[0] == 201  # it reached QLĐĐ
    case = _call(api, "chuyenvien_dd", "GET", f"/api/v1/case-files/{land_case['id']}")[1]
    assert case["documents"] == 2 and case["pages"] >= 2 and case["retention"] == "Vĩnh viễn"

    # Who sees which file: the keeper, its unit's heads, leaders and clerks.
    assert [f["code"] for f in _call(api, "chuyenvien", "GET", "/api/v1/case-files")[1]["files"]] == ["VP.01"]
    assert len(_call(api, "giamdoc", "GET", "/api/v1/case-files")[1]["files"]) == 2
    assert _call(api, "truongphong_dd", "GET", f"/api/v1/case-files/{land_case['id']}")[0] == 200
    assert _call(api, "chuyenvien_cntt", "GET", f"/api/v1/case-files/{land_case['id']}")[0] == 404

    # Closed with its end date (not in the future); nothing more goes in.
    close = f"/api/v1/case-files/{office_case['id']}/actions/close"
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert _code(_call(api, "chuyenvien", "POST", close, {"end_date": tomorrow})) == (400, "date_out_of_range")
    status, closed = _call(api, "chuyenvien", "POST", close, {})
    assert (
        status == 200
        and closed["state"] == "closed"
        and closed["end_date"] == str(app.extensions["congvan"].now().date())
    )
    assert _code(_call(api, "chuyenvien", "POST", items, {"document_id": draft["id"]})) == (409, "case_file_closed")

    # Handed over to the archive: returned once with a reason, handed over again, accepted, then read-only.
    office = f"/api/v1/case-files/{office_case['id']}"
    assert _code(_call(api, "chuyenvien", "GET", f"{office}/export.zip")) == (409, "case_file_not_accepted")
    assert _call(api, "truongphong", "POST", f"{office}/actions/hand-over")[0] == 403
    assert _call(api, "chuyenvien", "POST", f"{office}/actions/hand-over")[1]["state"] == "handed_over"
    assert _call(api, "chuyenvien", "POST", f"{office}/actions/accept")[0] == 403  # the archivist answers
    assert _code(_call(api, "vanthu", "POST", f"{office}/actions/return", {})) == (400, "reason_required")
    returned = _call(api, "vanthu", "POST", f"{office}/actions/return", {"reason": "Thiếu mục lục văn bản."})[1]
    assert returned["state"] == "closed" and returned["return_reason"] == "Thiếu mục lục văn bản."
    _call(api, "chuyenvien", "POST", f"{office}/actions/hand-over")
    accepted = _call(api, "vanthu", "POST", f"{office}/actions/accept")[1]
    assert accepted["state"] == "accepted" and accepted["return_reason"] is None
    assert _code(_call(api, "chuyenvien", "POST", f"{office}/actions/hand-over")) == (409, "case_file_not_closed")
    assert _code(_call(api, "chuyenvien", "POST", close, {})) == (409, "case_file_closed")

    # Exported as a package that verifies offline: every digest, every signature; a tampered one names the document.
    exported = api.as_("giamdoc", "GET", f"{office}/export.zip")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as package:
        names = package.namelist()
        metadata = package.read("ho-so.xml").decode()
        sums = package.read("SHA256SUMS").decode()
    assert "ho-so.xml" in names and "trust/roots.pem" in names and any(n.startswith("van-ban/001-") for n in names)
    assert "<MaHoSo>VP.01</MaHoSo>" in metadata and "<ThoiHanBaoQuan>10 năm</ThoiHanBaoQuan>" in metadata
    assert "tăng cường phòng, chống dịch" in metadata and "ho-so.xml" in sums
    verdicts = records_package.verify(exported.data)
    assert [v.ok for v in verdicts] == [True] and "chữ ký hợp lệ" in verdicts[0].said, verdicts
    tampered = _tampered(exported.data)
    (bad,) = [v for v in records_package.verify(tampered) if not v.ok]
    assert bad.name.endswith(issued_symbol(api, issued["id"])) and "bị thay đổi" in bad.said
    # The same by the command an archivist runs on their own machine: exit 0 when all holds, 1 otherwise.
    for data, code, said in ((exported.data, 0, "1/1 đạt"), (tampered, 1, "KHÔNG ĐẠT")):
        path = tmp_path / "ho-so.zip"
        path.write_bytes(data)
        done = subprocess.run(
            [*processes.congvan_command(), "archive", "verify", str(path)],
            env=os.environ | app.extensions["congvan"].settings.environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == code and said in done.stdout, done.stdout + done.stderr

    # The next year's list starts with this year's entries, copied forward, as a draft.
    status, following = _call(api, "vanthu", "POST", "/api/v1/file-lists", {"year": year + 1})
    assert status == 201 and following["state"] == "draft"
    assert [(e["code"], e["retention_years"]) for e in following["entries"]] == [("QLĐĐ.01", None), ("VP.01", 10)]


def test_the_drafter_chooses_the_file_before_issuance_defaulting_to_the_last_used(app: Flask, api: Api) -> None:
    year = app.extensions["congvan"].now().year
    started = _call(api, "vanthu", "POST", "/api/v1/file-lists", {"year": year})[1]
    entries = f"/api/v1/file-lists/{started['id']}/entries"
    keeper, office = api.id_of("chuyenvien"), _unit(api, "VP")
    plans = [
        _call(api, "vanthu", "POST", entries, {"code": code, "title": title, "unit_id": office, "keeper_id": keeper})[1]
        for code, title in (("VP.01", "Hồ sơ phòng, chống dịch"), ("VP.02", "Hồ sơ chuyển đổi số"))
    ]
    _call(api, "giamdoc", "POST", f"/api/v1/file-lists/{started['id']}/actions/approve")
    first, second = (_call(api, "chuyenvien", "POST", "/api/v1/case-files", {"plan_id": p["id"]})[1] for p in plans)
    draft = api.draft()
    filing = f"/api/v1/documents/{draft['id']}/case-file"
    asked = _call(api, "chuyenvien", "GET", filing)[1]
    assert asked["case_file_id"] is None and {c["id"] for c in asked["choices"]} == {first["id"], second["id"]}
    assert _call(api, "truongphong", "PUT", filing, {"case_file_id": second["id"]})[0] == 403  # the drafter chooses
    assert _code(_call(api, "chuyenvien", "PUT", filing, {"case_file_id": 999999})) == (400, "invalid_case_file")
    assert _call(api, "chuyenvien", "PUT", filing, {"case_file_id": second["id"]})[1]["case_file_id"] == second["id"]
    api.advance(draft["id"], "dispatched")
    filed = _call(api, "chuyenvien", "GET", f"/api/v1/case-files/{second['id']}")[1]
    assert [i["document_id"] for i in filed["items"]] == [draft["id"]] and filed["pages"] >= 1
    assert _code(_call(api, "chuyenvien", "PUT", filing, {"case_file_id": first["id"]})) == (409, "already_issued")
    # The next one, not asked: it goes where the drafter last filed, as the question's default said.
    following = api.draft(summary="đôn đốc báo cáo chuyển đổi số")
    default = _call(api, "chuyenvien", "GET", f"/api/v1/documents/{following['id']}/case-file")[1]
    assert default == default | {"case_file_id": second["id"], "chosen": False}
    api.advance(following["id"], "dispatched")
    filed = _call(api, "chuyenvien", "GET", f"/api/v1/case-files/{second['id']}")[1]
    assert [i["document_id"] for i in filed["items"]] == [draft["id"], following["id"]]
    # "No file" is an answer too.
    third = api.draft()
    _call(api, "chuyenvien", "PUT", f"/api/v1/documents/{third['id']}/case-file", {"case_file_id": None})
    api.advance(third["id"], "dispatched")
    assert _call(api, "chuyenvien", "GET", f"/api/v1/case-files/{second['id']}")[1]["documents"] == 2
