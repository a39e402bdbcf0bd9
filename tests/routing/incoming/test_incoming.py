"""Incoming documents in one instance, on SQLite and PostgreSQL: received once, the register per
year, return with a reason, who may do what, and the clerk's board flags (overdue, failed)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from routing.deliveries import board
from routing.exchange import edxml, edxml_build
from routing.models import Delivery, ExchangeMessage
from tests.routing.foreign import SNV, STNMT, Foreign, arrive, package_from_snv
from tests.support import hostile, processes
from tests.support.api import Api
from tests.web.test_pages import _token, sign_in
from workflow import config as config_module

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


@pytest.fixture
def arrived(app: Flask, foreign: Foreign, signed_pdf: bytes) -> list[int]:
    """Three documents received from Sở Nội vụ."""
    ids = []
    for number in (12, 13, 14):
        answer = arrive(app, package_from_snv(signed_pdf, code_number=number))
        assert answer["result"] == "received", answer
        ids.append(int(answer["incoming_id"]))
    return ids


def _act(api: Api, user: str, incoming_id: int, action: str, body: dict[str, Any] | None = None) -> Any:
    return api.as_(user, "POST", f"/api/v1/incoming/{incoming_id}/actions/{action}", json=body)


def _sent(app: Flask) -> list[tuple[str | None, str]]:
    with app.extensions["congvan"].readers() as session:
        rows = session.scalars(select(ExchangeMessage).where(ExchangeMessage.direction == "out"))
        return [(m.code, m.organ_id) for m in rows]


def test_register_numbers_are_consecutive_per_year_and_return_needs_a_reason(
    app: Flask, api: Api, arrived: list[int]
) -> None:
    first, second, third = arrived
    # Sở Nội vụ's test packages carry no XML signature: recorded for the clerk, not a refusal.
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{first}").get_json()
    assert item["signatures"]["xml_signature"]["status"] == "absent"
    assert _act(api, "chuyenvien", first, "register").status_code == 404  # not even visible to a specialist
    assert _act(api, "giamdoc", first, "register").status_code == 403  # visible to a leader, registered by the clerk
    response = _act(api, "vanthu", second, "return")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "reason_required"
    returned = _act(api, "vanthu", second, "return", {"reason": "Gửi nhầm cơ quan."}).get_json()
    assert returned["state"] == "returned" and returned["incoming_number"] is None
    numbers = [_act(api, "vanthu", i, "register").get_json()["incoming_number"] for i in (third, first)]
    assert numbers == [1, 2]
    again = _act(api, "vanthu", first, "register")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    year = dt.datetime.now(app.extensions["congvan"].tz).year
    register = api.as_("vanthu", "GET", f"/api/v1/incoming-register?year={year}").get_json()
    assert [(e["incoming_number"], e["id"]) for e in register["entries"]] == [(1, third), (2, first)]
    assert api.as_("chuyenvien", "GET", "/api/v1/incoming-register").status_code == 403
    # Every step went back to the sender: 01 three times, 02 with the reason, 03 twice.
    codes = sorted(code or "" for code, organ in _sent(app) if organ == "000.00.09.H57")
    assert codes == ["01", "01", "01", "02", "03", "03"]


def test_assignment_rules_and_who_sees_what(app: Flask, api: Api, arrived: list[int]) -> None:
    incoming_id = arrived[0]
    response = _act(api, "giamdoc", incoming_id, "assign", {"lead_unit_id": 1})
    assert response.status_code == 409  # not registered yet
    _act(api, "vanthu", incoming_id, "register")
    assert _act(api, "vanthu", incoming_id, "assign", {"lead_unit_id": 3}).status_code == 403  # leaders assign
    response = _act(api, "giamdoc", incoming_id, "assign", {})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_assignees"
    for bad in ({"lead_unit_id": 999}, {"lead_unit_id": 3, "supporting_unit_ids": [999]}):
        response = _act(api, "giamdoc", incoming_id, "assign", bad)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_unit"
    response = _act(api, "giamdoc", incoming_id, "assign", {"lead_unit_id": 3, "deadline": "31/12/2026"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_date"
    # Before the assignment the land unit does not see it; after it, it does.
    assert api.as_("chuyenvien_dd", "GET", f"/api/v1/incoming/{incoming_id}").status_code == 404
    body = {"lead_unit_id": 3, "supporting_unit_ids": [5], "deadline": "2026-12-31"}
    assigned = _act(api, "giamdoc", incoming_id, "assign", body).get_json()
    assert assigned["state"] == "assigned" and assigned["deadline"] == "2026-12-31"
    assert api.as_("chuyenvien_dd", "GET", f"/api/v1/incoming/{incoming_id}").status_code == 200
    assert [i["id"] for i in api.as_("chuyenvien_cntt", "GET", "/api/v1/incoming").get_json()["incoming"]] == [
        incoming_id
    ]
    # Filtered in the database: a page of one is the unit's one document, not an empty page of someone else's.
    for user in ("chuyenvien_dd", "chuyenvien_cntt"):
        page = api.as_(user, "GET", "/api/v1/incoming?limit=1").get_json()
        assert [i["id"] for i in page["incoming"]] == [incoming_id] and page["next_before"] is None, user
    assert api.as_("chuyenvien", "GET", "/api/v1/incoming").get_json()["incoming"] == []
    assert _act(api, "chuyenvien_cntt", incoming_id, "start").status_code == 403  # supporting unit
    assert _act(api, "chuyenvien_dd", incoming_id, "finish").status_code == 409  # start first
    assert _act(api, "chuyenvien_dd", incoming_id, "start").get_json()["state"] == "in_progress"
    assert _act(api, "chuyenvien_dd", incoming_id, "finish").get_json()["state"] == "done"
    assert _act(api, "chuyenvien_dd", incoming_id, "fly").status_code == 404
    assert _act(api, "vanthu", incoming_id, "accept_recall").status_code == 409  # nothing to answer
    assert api.as_("vanthu", "GET", "/api/v1/incoming/abc").status_code == 404
    assert api.as_("vanthu", "GET", "/api/v1/incoming?state=x").status_code == 400


def test_board_flags(app: Flask) -> None:
    config = config_module.load({"ARRIVAL_DEADLINE_MINUTES": 60, "WORKDAY_END": "17:00"})
    rt = app.extensions["congvan"]
    rt_config, rt.settings = rt.settings, config
    try:
        issued = dt.datetime(2026, 11, 23, 9, 0, tzinfo=rt.tz)

        def flags(status: str | None, transport: str, minutes: int) -> list[str]:
            delivery = Delivery(channel="edxml", transport=transport, status_code=status)
            return board.overdue(rt, delivery, issued, issued + dt.timedelta(minutes=minutes))

        assert flags(None, "pending", 30) == []
        assert flags(None, "delivered", 61) == ["no_arrival"]
        assert flags("01", "delivered", 61) == []
        assert flags("01", "delivered", 8 * 60 + 1) == ["not_registered"]  # 17:01, still only 01
        assert flags(None, "pending", 8 * 60 + 1) == ["no_arrival", "not_registered"]
        assert flags("03", "delivered", 24 * 60) == []
        assert flags(None, "failed", 1) == ["failed"]
        # Issued at 23:14 on Monday: nothing is late that night; judged from Tuesday 07:30.
        late = dt.datetime(2026, 11, 23, 23, 14, tzinfo=rt.tz)
        delivery = Delivery(channel="edxml", transport="pending", status_code=None)
        assert board.overdue(rt, delivery, late, late + dt.timedelta(minutes=6)) == []
        tuesday = dt.datetime(2026, 11, 24, 8, 31, tzinfo=rt.tz)
        assert board.overdue(rt, delivery, late, tuesday) == ["no_arrival"]
        assert board.overdue(rt, delivery, late, tuesday.replace(hour=17, minute=1)) == [
            "no_arrival",
            "not_registered",
        ]
        # Issued on Friday evening: judged on Monday.
        friday = dt.datetime(2026, 11, 27, 18, 0, tzinfo=rt.tz)
        assert board.overdue(rt, delivery, friday, dt.datetime(2026, 11, 29, 12, 0, tzinfo=rt.tz)) == []
        monday = dt.datetime(2026, 11, 30, 8, 31, tzinfo=rt.tz)
        assert board.overdue(rt, delivery, friday, monday) == ["no_arrival"]
    finally:
        rt.settings = rt_config


def test_a_clerk_imports_a_package_received_by_other_means(
    app: Flask, api: Api, signed_pdf: bytes, tmp_path: Path
) -> None:
    package = package_from_snv(signed_pdf, code_number=31)
    refused = api.as_("chuyenvien", "POST", "/api/v1/incoming/import", data=package, content_type="application/xml")
    assert refused.status_code == 403
    taken = api.as_("vanthu", "POST", "/api/v1/incoming/import", data=package, content_type="application/xml")
    assert taken.status_code == 201 and taken.get_json()["result"] == "received", taken.get_json()
    incoming_id = taken.get_json()["incoming_id"]
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{incoming_id}").get_json()
    assert item["symbol"] == "31/SNV-TCBC" and item["signatures"]["verdict"] == "valid"
    # Who imported it stays in its history.
    (arrival,) = item["history"]
    assert arrival["code"] == "01" and arrival["detail"]["imported"] is True
    assert arrival["actor"] == api.as_("vanthu", "GET", "/api/v1/me").get_json()["full_name"]
    again = api.as_("vanthu", "POST", "/api/v1/incoming/import", data=package, content_type="application/xml")
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    status = edxml_build.build_status(
        edxml.Status(edxml.Organ(SNV), edxml.Reference("x", STNMT), "03", "2026/11/27 10:00:00")
    )
    wrong = api.as_("vanthu", "POST", "/api/v1/incoming/import", data=status, content_type="application/xml")
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "edxml_unexpected"
    # From the page: the clerk picks the file and lands on the incoming document.
    clerk = sign_in(app, "vanthu")
    form = {
        "csrf_token": _token(clerk, "/incoming"),
        "file": (io.BytesIO(package_from_snv(signed_pdf, code_number=32)), "goi-tin.edxml"),
    }
    response = clerk.post("/incoming/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 302 and "/incoming/" in response.headers["Location"]
    assert "32/SNV-TCBC" in clerk.get(response.headers["Location"]).get_data(as_text=True)
    # And from the command line (a file handed over on a USB stick).
    path = tmp_path / "goi-tin.edxml"
    path.write_bytes(package_from_snv(signed_pdf, code_number=33))
    rt = app.extensions["congvan"]
    env = rt.settings.environment()
    done = subprocess.run(
        [*processes.congvan_command(), "edxml", "import", str(path), "--clerk", "vanthu"],
        env=os.environ | env | {"CONGVAN_JOB_MODE": "inline"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["result"] == "received"


def _zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


def test_real_packages_arrive_for_the_clerk_to_decide(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes
) -> None:
    # A .doc zipped by the sender's builder, and an unsigned PDF beside it: no valid signed PDF.
    doc = edxml.Attachment("1896_QD.doc", _zipped("4a1f.doc", b"\xd0\xcf\x11\xe0 a word file"), "application/zip")
    unsigned = edxml.Attachment("bang-ke.pdf", hostile.plain(), "application/pdf")
    answer = arrive(app, package_from_snv(signed_pdf, code_number=41, attachments=(doc, unsigned)))
    assert answer["result"] == "received" and answer["status"] == "01", answer
    incoming_id = answer["incoming_id"]
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{incoming_id}").get_json()
    files = item["signatures"]["files"]
    assert [(f["name"], f["verdict"]) for f in files] == [("1896_QD.doc", "not_pdf"), ("bang-ke.pdf", "unsigned")]
    assert item["signatures"]["attention"]
    clerk = sign_in(app, "vanthu")
    page = clerk.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    assert "1896_QD.doc" in page and "Cần xem xét trước khi vào sổ" in page
    # Registering it needs the clerk's own reason, which stays in its history.
    refused = api.as_("vanthu", "POST", f"/api/v1/incoming/{incoming_id}/actions/register", json={})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "reason_required"
    reason = "Đã đối chiếu bản giấy có dấu đỏ."
    registered = api.as_("vanthu", "POST", f"/api/v1/incoming/{incoming_id}/actions/register", json={"reason": reason})
    assert registered.status_code == 200
    history = api.as_("vanthu", "GET", f"/api/v1/incoming/{incoming_id}").get_json()["history"]
    assert history[-1]["code"] == "03" and history[-1]["detail"]["reason"] == reason

    # The return form is written for the clerk: one step.
    answer = arrive(app, package_from_snv(hostile.plain(), code_number=42))
    page = clerk.get(f"/incoming/{answer['incoming_id']}").get_data(as_text=True)
    assert 'id="lydo-return" name="reason" placeholder="Lý do" value="Chữ ký số trên văn bản không hợp lệ' in page
    # A file that is no PDF at all, though it says so: its page still opens, its files listed.
    answer = arrive(app, package_from_snv(b"%PDF-1.4\n%%EOF\n", code_number=43))
    assert clerk.get(f"/incoming/{answer['incoming_id']}").status_code == 200


def test_a_revocation_package_asks_for_the_recall(app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes) -> None:
    answer = arrive(app, package_from_snv(signed_pdf, code_number=51))
    assert answer["result"] == "received"
    revocation = package_from_snv(
        signed_pdf, code_number=51, business_type=edxml.RECALL, business_reason="Ban hành nhầm đối tượng."
    )
    recalled = arrive(app, revocation)
    assert recalled["result"] == "recall_requested", recalled
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{answer['incoming_id']}").get_json()
    assert item["recall_request"] == "Ban hành nhầm đối tượng."
