"""The whole working day through the HTTP API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from congvan.demo_day import run_day
from routing.exchange import outbound
from tests.support.api import Api
from tests.support.pdfcheck import assert_issued_pdf, nss_db

MAIN_PATH = ["create", "submit", "approve", "sign", "signature_applied", "issue", "dispatch"]
RETURNED_PATH = [
    "create",
    "submit",
    "return",
    "new_version",
    "submit",
    "approve",
    "sign",
    "signature_applied",
    "issue",
    "dispatch",
]


@pytest.mark.both_databases
def test_full_day(app: Flask, api: Api, keys_dir: Path, tmp_path: Path) -> None:
    day = run_day(api, drafts=20, returned=2)
    vanthu = api.token("vanthu")
    year = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year

    # Numbers consecutive from 1 in each register of the year, no gap or duplicate, 20 in all.
    status, body = api("GET", "/api/v1/registers", vanthu)
    assert status == 200
    issued_symbols = []
    for register in body["registers"]:
        status, entries = api("GET", f"/api/v1/registers/{register['id']}/entries?year={year}", vanthu)
        assert status == 200
        numbers = [e["number"] for e in entries["entries"]]
        assert numbers == list(range(1, len(numbers) + 1))
        assert all(e["status"] == "issued" for e in entries["entries"])
        issued_symbols += [e["symbol"] for e in entries["entries"]]
    assert len(issued_symbols) == 20 == len(set(issued_symbols))
    assert sorted(issued_symbols) == sorted(day.issued.values())

    # The batch held the 19 non-urgent documents, each with the SHA-256 the leader saw, all signed.
    status, batch = api("GET", f"/api/v1/signing-batches/{day.batch_id}", api.token("giamdoc"))
    assert batch["state"] == "done" and batch["count"] == 19 and batch["counts"] == {"signed": 19}
    assert day.urgent not in [i["document_id"] for i in batch["items"]]

    nss = nss_db(keys_dir, tmp_path / "nss")
    for doc_id in day.documents:
        status, doc = api("GET", f"/api/v1/documents/{doc_id}", vanthu)
        assert doc["state"] == "dispatched"
        assert doc["symbol"] == day.issued[doc_id]
        if doc["doc_type"] == "cong_van":
            assert doc["symbol"].endswith("/STNMT-VP")
        response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert_issued_pdf(response.data, keys_dir, nss, tmp_path, doc["symbol"])

        status, versions = api("GET", f"/api/v1/documents/{doc_id}/versions", vanthu)
        kinds = [v["kind"] for v in versions["versions"]]
        assert kinds[-3:] == ["prepared", "leader_signed", "issued"]
        assert response.headers["X-Content-SHA256"] == versions["versions"][-1]["sha256"]

        status, events = api("GET", f"/api/v1/documents/{doc_id}/events", vanthu)
        actions = [e["action"] for e in events["events"] if not e["action"].startswith(("receipt_", "delivery_"))]
        assert actions == (RETURNED_PATH if doc_id in day.returned else MAIN_PATH)

        status, deliveries = api("GET", f"/api/v1/documents/{doc_id}/deliveries", vanthu)
        by_label = {d["recipient"]["label"]: d for d in deliveries["deliveries"]}
        assert by_label["UBND tỉnh"]["recipient"]["kind"] == "agency"
        assert by_label["UBND tỉnh"]["purpose"] == "report"
        # No hub and no direct route in this deployment: a visible failure, not a silent wait.
        assert by_label["UBND tỉnh"]["transport"] == "failed"
        assert by_label["UBND tỉnh"]["last_error"] == outbound.NOT_CONNECTED
        assert by_label["Sở Nội vụ"]["channel"] == "edxml"
        # "Lãnh đạo Sở" names people: each leader gets it in person (in Ban Giám đốc's inbox, theirs alone).
        leaders = [d["recipient"] for d in deliveries["deliveries"] if d["recipient"]["kind"] == "person"]
        assert sorted(r["person"]["full_name"] for r in leaders) == ["Hoàng Văn Minh", "Phạm Mạnh Duyệt"]
        assert {r["unit"]["code"] for r in leaders} == {"BGD"}
        units = {d["recipient"]["unit"]["code"] for d in deliveries["deliveries"] if d["recipient"]["unit"]}
        expected_units = {"BGD", "QLDD"} | ({"TNN", "CNTT"} if doc["doc_type"] == "cong_van" else set())
        assert units == expected_units  # the drafting unit VP keeps its archive copy only
        assert all(
            d["transport"] == "delivered" and d["status"] in ("01", "03", "05", "06")
            for d in deliveries["deliveries"]
            if d["channel"] == "internal"
        )

    # The receiving unit's updates are visible to the clerk per recipient, with their history.
    status, inbox = api("GET", "/api/v1/inbox", api.token("chuyenvien_dd"))
    done = [d for d in inbox["deliveries"] if d["status"] == "06"]
    assert len(inbox["deliveries"]) == 20 and len(done) == 3
    status, board = api("GET", f"/api/v1/documents/{done[0]['document_id']}/deliveries", vanthu)
    qldd = next(d for d in board["deliveries"] if d["recipient"]["unit"] and d["recipient"]["unit"]["code"] == "QLDD")
    assert qldd["status"] == "06" and qldd["status_label"] == "Hoàn thành"
