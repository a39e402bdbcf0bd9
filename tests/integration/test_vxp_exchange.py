"""Congvan agencies exchange through a congvan hub (on PostgreSQL, as in production) over the national
exchange's protocol (VXP), the only one: each agency is a system registered at the hub; A's clerk issues, the
package goes by sendEdoc, B's scheduler takes it with getReceivedEdocList/getEdoc and answers done, and B's
statuses travel back the same way to A's board — with recall, update and replacement, B down for a while (the
document arrives once), an agency whose system never comes up (flagged on the board) and one the exchange does
not know (failed at once, shown, clerks notified). The SDK's own client takes part as a third system."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from congvan.demo_day import http_api, run_exchange
from routing.exchange import edxml, edxml_build, edxml_read, vxp
from routing.models import ExchangeMessage, HubMessage
from tests.routing.exchange.test_edxml import _vxp
from tests.support import processes
from tests.support.network import (
    INTEROP,
    SNV,
    STC,
    STNMT,
    Instance,
    _runtime,
    add_peer,
    add_system,
    make_instance,
    sdk_client,
    wait_for,
)

pytestmark = pytest.mark.integration

SECRETS = {STNMT: "vxp-secret-of-stnmt-2026", SNV: "vxp-secret-of-snv-2026", STC: "vxp-secret-of-stc-2026"}
VPCP = "000.00.00.G22"
SYT = "000.00.11.H57"  # Sở Y tế: in A's directory, unknown to the exchange


@dataclass
class Network:
    """The hub and the two agencies."""

    hub: Instance
    a: Instance
    b: Instance


@pytest.fixture(scope="module")
def network(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str, pg_server: str
) -> Iterator[Network]:
    base = tmp_path_factory.mktemp("vxp-network")
    root = redis_url.rsplit("/", 1)[0]
    hub_env = {"CONGVAN_HUB_MODE": "true", "CONGVAN_DATABASE_URL": processes.create_database(pg_server, "hub")}
    hub_instance, _ = make_instance(base, "hub", f"{root}/3", password_hash, None, hub_env)
    agencies = {}
    names = {STNMT: "Sở Tài nguyên và Môi trường tỉnh Tuyên Quang", SNV: "Sở Nội vụ tỉnh Tuyên Quang"}
    for name, organ, db in (("a", STNMT, 4), ("b", SNV, 5)):
        env = {
            "CONGVAN_VXP_URL": f"{hub_instance.url}/vxp",
            "CONGVAN_VXP_SYSTEM_ID": f"sys-{name}",
            "CONGVAN_VXP_SECRET": SECRETS[organ],
            # A recipient with no 01 is flagged on the board at once (the agency that never comes up).
            "CONGVAN_ARRIVAL_DEADLINE_MINUTES": "0",
            # Every hour of every day is working time here: the flag is due at once, whenever the test runs.
            "CONGVAN_WORKING_DAYS": "1234567",
            "CONGVAN_WORKDAY_START": "00:00",
            "CONGVAN_WORKDAY_END": "23:59",
        }
        agencies[name] = make_instance(base, name, f"{root}/{db}", password_hash, organ, env)
        add_system(hub_instance, organ, names[organ], f"sys-{name}", SECRETS[organ])
    # Sở Tài chính's system is registered but never comes up; Văn phòng Chính phủ runs the SDK's own client.
    add_system(hub_instance, STC, "Sở Tài chính tỉnh Tuyên Quang", "sys-stc", SECRETS[STC])
    add_system(hub_instance, VPCP, "Văn phòng Chính phủ", VPCP, "vxp-secret-of-vpcp-2026")
    (a, a_identity), (b, b_identity) = agencies["a"], agencies["b"]
    assert a_identity and b_identity
    # Each pins the other's certificate (for the packages' XML signatures); everything goes by the hub.
    add_peer(a, b_identity)
    add_peer(b, a_identity)
    for instance in (hub_instance, a, b):
        instance.start()
    yield Network(hub_instance, a, b)
    for instance in (hub_instance, a, b):
        instance.stop()


def _status_of(a: Instance, document_id: int, code: str, organ: str = SNV) -> dict[str, Any] | None:
    delivery = a.delivery_to(document_id, organ)
    return delivery if delivery["status"] == code else None


def _hub_states(hub: Instance, organ: str) -> list[str]:
    rt = _runtime(hub)
    try:
        with rt.readers() as session:
            return list(session.scalars(select(HubMessage.state).where(HubMessage.to_organ == organ)))
    finally:
        rt.close()


def test_a_document_travels_over_vxp_and_every_status_comes_back(network: Network) -> None:
    a, b = network.a, network.b
    document = a.issue(summary="đề nghị phối hợp qua trục liên thông")
    assert document["state"] == "dispatched"

    # B's scheduler takes the package, checks its signatures and answers 01 by itself.
    arrived = wait_for(b.incoming, 60, "the package at B", a, b, network.hub)
    item = arrived[0]
    assert item["symbol"] == document["symbol"] and item["state"] == "received"
    assert item["sender"] == {"code": STNMT, "name": "Sở Tài nguyên và Môi trường"}
    assert item["signatures"]["verdict"] == "valid"
    # The package's own XML signature, checked against A's certificate pinned in B's directory.
    assert item["signatures"]["xml_signature"]["status"] == "valid", item["signatures"]
    day = document["issued_at"][:10].replace("-", "/")
    assert item["document_key"] == f"{STNMT},{day},{document['symbol']}"  # the number as printed: "01"
    assert b.call("vanthu", "GET", f"/api/v1/incoming/{item['id']}/pdf")[0] == 200
    wait_for(lambda: _status_of(a, document["id"], "01"), 60, "01 at A", a, b, network.hub)
    # The internal unit of A got its copy as well.
    internal = a.ok("vanthu", "GET", f"/api/v1/documents/{document['id']}/deliveries")["deliveries"]
    assert any(d["recipient"]["unit"] and d["recipient"]["unit"]["code"] == "QLDD" for d in internal)

    # B's clerk registers it with the next incoming number of the year (03) ...
    registered = b.ok("vanthu", "POST", f"/api/v1/incoming/{item['id']}/actions/register")
    assert registered["incoming_number"] == 1 and registered["state"] == "registered"
    wait_for(lambda: _status_of(a, document["id"], "03"), 60, "03 at A", a, b, network.hub)
    # ... the leader assigns a lead unit, a supporting unit and a deadline (04) ...
    assignment = {
        "lead_unit_id": b.unit_id("QLDD"),
        "supporting_unit_ids": [b.unit_id("CNTT")],
        "deadline": "2026-12-31",
    }
    b.ok("giamdoc", "POST", f"/api/v1/incoming/{item['id']}/actions/assign", assignment)
    wait_for(lambda: _status_of(a, document["id"], "04"), 60, "04 at A", a, b, network.hub)
    # ... the lead unit works on it (05) and finishes (06).
    assert b.call("chuyenvien_cntt", "POST", f"/api/v1/incoming/{item['id']}/actions/start")[0] == 403
    b.ok("truongphong_dd", "POST", f"/api/v1/incoming/{item['id']}/actions/start")
    b.ok("truongphong_dd", "POST", f"/api/v1/incoming/{item['id']}/actions/finish")
    final = wait_for(lambda: _status_of(a, document["id"], "06"), 60, "06 at A", a, b, network.hub)
    assert final["transport"] == "delivered"

    # A's clerk sees each status with its time on the board; B's register and history agree.
    board = a.ok("vanthu", "GET", "/api/v1/dispatch-board")
    row = next(r for r in board["documents"] if r["document"]["id"] == document["id"])
    recipient = next(r for r in row["recipients"] if r["recipient"]["kind"] == "agency")
    assert [h["status"] for h in recipient["history"]] == ["01", "03", "04", "05", "06"]
    assert recipient["overdue"] == []
    assert [e["incoming_number"] for e in b.ok("vanthu", "GET", "/api/v1/incoming-register")["entries"]] == [1]
    detail = b.ok("vanthu", "GET", f"/api/v1/incoming/{item['id']}")
    assert [h["code"] for h in detail["history"]] == ["01", "03", "04", "05", "06"]
    # Each item was taken once and answered done at the hub: nothing is left waiting for A or B there.
    assert set(_hub_states(network.hub, SNV)) == {"delivered"}
    assert set(_hub_states(network.hub, STNMT)) == {"delivered"}


def test_recall_accepted_and_refused(network: Network) -> None:
    a, b = network.a, network.b
    accepted = a.issue(summary="văn bản sẽ được thu hồi")
    refused = a.issue(summary="văn bản thu hồi bị từ chối")
    for document in (accepted, refused):
        wait_for(lambda d=document: _status_of(a, d["id"], "01"), 60, "01 at A", a, b, network.hub)
        a.ok("vanthu", "POST", f"/api/v1/documents/{document['id']}/actions/recall", {"reason": "Sai thể thức."})

    def incoming_of(document: dict[str, Any]) -> dict[str, Any] | None:
        found = [i for i in b.incoming() if i["symbol"] == document["symbol"]]
        return found[0] if found and found[0]["recall_request"] else None

    to_accept = wait_for(lambda: incoming_of(accepted), 60, "13 at B", a, b, network.hub)
    to_refuse = wait_for(lambda: incoming_of(refused), 60, "13 at B", a, b, network.hub)
    assert to_accept["recall_request"] == "Sai thể thức."
    status, body = b.call("vanthu", "POST", f"/api/v1/incoming/{to_refuse['id']}/actions/refuse_recall")
    assert status == 400 and body["error"]["code"] == "reason_required"
    b.ok("vanthu", "POST", f"/api/v1/incoming/{to_accept['id']}/actions/accept_recall")
    b.ok("vanthu", "POST", f"/api/v1/incoming/{to_refuse['id']}/actions/refuse_recall", {"reason": "Đã triển khai."})

    wait_for(lambda: _status_of(a, accepted["id"], "15"), 60, "15 at A", a, b, network.hub)
    answer = wait_for(lambda: _status_of(a, refused["id"], "16"), 60, "16 at A", a, b, network.hub)
    assert answer["status_reason"] == "Đã triển khai."
    # The recalled document is gone from B's lists and kept, marked recalled, for the record.
    assert all(i["id"] != to_accept["id"] for i in b.incoming())
    assert b.ok("vanthu", "GET", f"/api/v1/incoming/{to_accept['id']}")["state"] == "recalled"
    assert any(i["id"] == to_refuse["id"] for i in b.incoming())


def test_update_and_replace_are_applied(network: Network) -> None:
    a, b = network.a, network.b
    original = a.issue(summary="báo cáo tình hình quản lý đất đai")
    wait_for(lambda: _status_of(a, original["id"], "01"), 60, "01 at A", a, b, network.hub)

    # Update (BussinessDocType 2): the new due date reaches B's incoming document.
    a.ok(
        "vanthu",
        "POST",
        f"/api/v1/documents/{original['id']}/exchange-update",
        {"reason": "Điều chỉnh hạn báo cáo.", "due_date": "2026-12-15"},
    )

    def updated() -> dict[str, Any] | None:
        found = next(i for i in b.incoming() if i["symbol"] == original["symbol"])
        return found if found["revision"] == 1 else None

    item = wait_for(updated, 60, "the update at B", a, b, network.hub)
    assert item["due_date"] == "2026-12-15"
    assert len([i for i in b.incoming() if i["symbol"] == original["symbol"]]) == 1

    # Replacement (BussinessDocType 3): a new document replaces the original at B.
    replacement = a.issue(summary="báo cáo tình hình quản lý đất đai (thay thế)", replaces_id=original["id"])
    new = wait_for(
        lambda: next((i for i in b.incoming() if i["symbol"] == replacement["symbol"]), None),
        60,
        "the replacement at B",
        a,
        b,
        network.hub,
    )
    assert new["replaces_id"] == item["id"]
    assert all(i["symbol"] != original["symbol"] for i in b.incoming())
    assert b.ok("vanthu", "GET", f"/api/v1/incoming/{item['id']}")["state"] == "replaced"


def test_b_down_for_a_while_gets_the_document_exactly_once(network: Network) -> None:
    a, b = network.a, network.b
    before = len(b.incoming())
    b.stop()
    try:
        document = a.issue(summary="văn bản gửi khi Sở Nội vụ mất kết nối")
        # The exchange keeps it for B; A's board shows it sent, with no 01 yet.
        sent = wait_for(
            lambda: (d := a.delivery_to(document["id"], SNV))["transport"] == "delivered" and d, 60, "sent", a
        )
        assert sent["status"] is None
        assert "pending" in _hub_states(network.hub, SNV)
    finally:
        b.start()
    wait_for(lambda: _status_of(a, document["id"], "01"), 90, "01 at A after B came back", a, b, network.hub)
    arrived = [i for i in b.incoming() if i["symbol"] == document["symbol"]]
    assert len(arrived) == 1 and len(b.incoming()) == before + 1
    assert "pending" not in _hub_states(network.hub, SNV)


def test_agencies_that_never_answer_or_are_unknown_are_shown(network: Network) -> None:
    a = network.a
    document = a.issue(summary="văn bản gửi Sở Tài chính và Sở Y tế", kinh_gui=["Sở Tài chính", "Sở Y tế"])
    # Sở Y tế is not at the exchange: refused for good at once, shown, the clerks notified.
    failed = wait_for(
        lambda: (d := a.delivery_to(document["id"], SYT))["transport"] == "failed" and d, 60, "the failure", a
    )
    assert "vxp_unknown_recipient" in str(failed["last_error"])
    # Sở Tài chính's system never comes up: the exchange keeps the package; the board flags no arrival.
    kept = wait_for(lambda: (d := a.delivery_to(document["id"], STC))["transport"] == "delivered" and d, 60, "kept", a)
    assert kept["status"] is None
    board = a.ok("vanthu", "GET", "/api/v1/dispatch-board")
    row = next(r for r in board["documents"] if r["document"]["id"] == document["id"])
    flags = {r["recipient"]["agency"]["code"]: r["overdue"] for r in row["recipients"] if r["recipient"]["agency"]}
    assert flags[SYT] == ["failed"] and "no_arrival" in flags[STC]
    assert row["attention"] >= 2
    notes = a.ok("vanthu", "GET", "/api/v1/notifications?unread=1")["notifications"]
    assert any(n["kind"] == "delivery_failed" and document["symbol"] in n["message"] for n in notes)
    assert _hub_states(network.hub, STC) == ["pending"]


def test_the_directory_follows_the_exchange(network: Network, tmp_path: Path) -> None:
    def known() -> dict[str, str] | None:
        agencies = network.a.ok("vanthu", "GET", "/api/v1/directory")["agencies"]
        found = {a["code"]: a["name"] for a in agencies}
        return found if VPCP in found else None

    found = wait_for(known, 60, "the exchange's agencies in A's directory", network.a, network.hub)
    assert found[VPCP] == "Văn phòng Chính phủ" and SNV in found
    # A "Kính gửi" line naming it as clerks type it (no accents) resolves to it, and the package reaches its
    # system, which runs the SDK's own client.
    document = network.a.issue(summary="báo cáo gửi Văn phòng Chính phủ", kinh_gui=["van phong chinh phu"])
    delivery = network.a.delivery_to(document["id"], VPCP)
    assert delivery["recipient"]["kind"] == "agency"

    def waiting() -> list[dict[str, Any]] | None:
        items = sdk(network.hub, "received", "edoc").get("knobsticks") or []
        return [i for i in items if i["from"] == STNMT] or None

    (item,) = wait_for(waiting, 60, "the package at the SDK's system", network.a, network.hub)
    folder = tmp_path / "vpcp"
    assert sdk(network.hub, "get", item["id"], str(folder)).get("status") == "OK"
    (saved,) = folder.rglob("*.edxml")
    assert edxml_read.parse(saved.read_bytes()).subject == "báo cáo gửi Văn phòng Chính phủ"
    assert sdk(network.hub, "update", item["id"], "done").get("status") == "OK"


def test_a_system_on_the_sdk_reaches_a_congvan_agency(network: Network, tmp_path: Path) -> None:
    """The SDK's own client, registered at the hub for Văn phòng Chính phủ, sends an SDK sample (addressed to
    A, its .doc file zipped by VNPT's builder) through congvan's hub; A takes it and its clerk sees it flagged;
    the SDK's client then takes A's 01 and 03 status packages back and marks them done."""
    a = network.a
    sample = (INTEROP / "samples" / "edoc_update.edxml").read_bytes()
    addressed = sample.replace(
        b"<edXML:OrganId>000.00.00.H41</edXML:OrganId>", f"<edXML:OrganId>{STNMT}</edXML:OrganId>".encode(), 1
    )
    path = tmp_path / "gui-stnmt.edxml"
    path.write_bytes(addressed)
    sent = sdk(network.hub, "send", str(path), STNMT)
    assert sent.get("status") == "OK", sent

    def arrived() -> dict[str, Any] | None:
        return next((i for i in a.incoming() if i["sender"]["code"] == VPCP), None)

    item = wait_for(arrived, 60, "the SDK's package at A", a, network.hub)
    assert item["signatures"]["verdict"] == "no_pdf" and item["signatures"]["attention"]
    assert item["signatures"]["xml_signature"]["status"] == "unverifiable"  # VNPT's own unprefixed form
    a.ok("vanthu", "POST", f"/api/v1/incoming/{item['id']}/actions/register", {"reason": "Đã đối chiếu bản giấy."})

    def statuses() -> list[dict[str, Any]] | None:
        found = sdk(network.hub, "received", "status").get("knobsticks") or []
        return found if len(found) >= 2 else None

    waiting = wait_for(statuses, 60, "01 and 03 at the SDK's system", a, network.hub)
    codes = []
    for entry in waiting:
        folder = tmp_path / entry["id"]
        assert sdk(network.hub, "get", entry["id"], str(folder)).get("status") == "OK"
        (saved,) = folder.rglob("*.edxml")
        codes.append(edxml_read.parse_status(saved.read_bytes()).code)
        assert sdk(network.hub, "update", entry["id"], "done").get("status") == "OK"
    assert sorted(codes) == ["01", "03"]
    assert not sdk(network.hub, "received", "status").get("knobsticks")
    # The SDK's directory call lists both: the congvan agency and its own.
    listed = {entry["code"] for entry in sdk(network.hub, "agencies")["agencies"]}
    assert {STNMT, VPCP} <= listed


def sdk(hub: Instance, *args: str) -> dict[str, Any]:
    """The SDK's own client as Văn phòng Chính phủ's system."""
    return sdk_client(hub, VPCP, "vxp-secret-of-vpcp-2026", *args)


def test_another_system_cannot_change_or_pre_empt_a_document(network: Network) -> None:
    """Sở Tài chính's system (registered at the hub) turns hostile against the document A sent B."""
    a, b, hub = network.a, network.b, network.hub
    document = a.issue(summary="đề nghị kiểm tra an toàn trục liên thông")
    day = document["issued_at"][:10].replace("-", "/")
    key = f"{STNMT},{day},{document['symbol']}"
    arrived = wait_for(lambda: [i for i in b.incoming() if i["document_key"] == key], 60, "A's package at B", a, b)
    genuine = arrived[0]

    def send_as_stc(package: edxml.Package) -> dict[str, Any]:
        body = edxml_build.build(package)
        params = {"from": STC, "servicetype": "eDoc", "messagetype": "edoc", "hash-file": vxp.file_hash(body)}
        headers = vxp.sign("sys-stc", SECRETS[STC], params, "application/octet-stream")
        return dict(requests.post(f"{hub.url}/vxp/sendEdoc", data=body + b"\r\n", headers=headers, timeout=60).json())

    forged = edxml.Package(
        sender=edxml.Organ(STC, "Sở Tài chính tỉnh Tuyên Quang"),
        recipients=(edxml.Organ(SNV, "Sở Nội vụ tỉnh Tuyên Quang"),),
        document_id=key,
        code_number=document["symbol"].split("/")[0],
        code_notation=document["symbol"].split("/", 1)[1],
        place="Tuyên Quang",
        promulgation_date=day,
        type=1,
        type_detail=0,
        type_name="Công văn",
        subject="V/v nội dung đã bị sửa",
        signer_competence="",
        signer_position="",
        signer_name="",
        attachments=(edxml.Attachment("sua.pdf", b"%PDF-1.7\n% forged\n"),),
        business_type=edxml.UPDATE,
        business_type_written="2",
        business_document_id=key,
    )
    # Under A's DocumentId (to change it, or to have taken it before A's came): refused by the hub.
    refused = send_as_stc(forged)
    assert refused["ErrorCode"] == "vxp_foreign_document_id", refused
    # Under a DocumentId of its own, updating A's: it reaches B as a document of Sở Tài chính's, A's untouched.
    own_key = f"{STC},{day},99/STC-TH"
    sent = send_as_stc(dataclasses.replace(forged, document_id=own_key, code_number="99", code_notation="STC-TH"))
    assert sent["status"] == "OK", sent
    theirs = wait_for(lambda: [i for i in b.incoming() if i["document_key"] == own_key], 60, "STC's package at B", b)
    assert theirs[0]["sender"]["code"] == STC and theirs[0]["subject"] == "V/v nội dung đã bị sửa"
    (still,) = [i for i in b.incoming() if i["document_key"] == key]
    assert (still["id"], still["subject"], still["revision"], still["sender"]["code"]) == (
        genuine["id"],
        genuine["subject"],
        genuine["revision"],
        STNMT,
    )


def test_the_incoming_chain_at_b_answers_back_to_a(network: Network, tmp_path: Path) -> None:
    a, b = network.a, network.b
    today = dt.date.today()
    days = {n: (today + dt.timedelta(days=n)).isoformat() for n in (5, 7, 8, 9, 10)}
    document = a.issue(summary="đề nghị báo cáo số liệu đất đai năm 2026", due_date=days[5])

    def arrived() -> list[dict[str, Any]]:
        return [i for i in b.incoming() if i["symbol"] == document["symbol"]]

    item = wait_for(arrived, 60, "the package at B", a, b, network.hub)[0]
    b.ok("vanthu", "POST", f"/api/v1/incoming/{item['id']}/actions/register")
    # The leader's instruction: the land unit leads, a person supports, the office is told.
    assignees = [
        {"unit_id": b.unit_id("QLDD"), "role": "lead", "deadline": days[10]},
        {"person_id": _person(b, "chuyenvien_cntt"), "role": "support", "deadline": days[7]},
        {"unit_id": b.unit_id("VP"), "role": "info"},
    ]
    instruction = {"instruction": "Phòng QLĐĐ chủ trì, đồng chí Huy phối hợp.", "assignees": assignees}
    b.ok("giamdoc", "POST", f"/api/v1/incoming/{item['id']}/actions/assign", instruction)
    forward = {"person_id": _person(b, "chuyenvien_dd"), "deadline": days[8], "note": "Đồng chí Nam tham mưu."}
    b.ok("truongphong_dd", "POST", f"/api/v1/incoming/{item['id']}/actions/forward", forward)
    asked = b.ok(
        "chuyenvien_dd",
        "POST",
        f"/api/v1/incoming/{item['id']}/actions/extend",
        {"wanted": days[9], "reason": "Chờ số liệu."},
    )
    b.ok("truongphong_dd", "POST", f"/api/v1/incoming/{item['id']}/extensions/{asked['id']}/actions/grant", {})
    detail = b.ok("giamdoc", "GET", f"/api/v1/incoming/{item['id']}")
    support = next(x for x in detail["assignees"] if x["role"] == "support")
    b.ok("vanthu", "POST", f"/api/v1/incoming/{item['id']}/actions/remind", {"assignee_id": support["id"]})
    b.ok(
        "chuyenvien_cntt",
        "POST",
        f"/api/v1/incoming/{item['id']}/actions/progress",
        {"progress": "done", "note": "Đã gửi số liệu."},
    )
    b.ok("chuyenvien_dd", "POST", f"/api/v1/incoming/{item['id']}/actions/progress", {"progress": "working"})
    # The answer, drafted by the specialist it was passed to, issued: B's document is finished (06).
    answer = b.issue(
        drafter="chuyenvien_dd",
        reviewer="truongphong_dd",
        summary="báo cáo số liệu đất đai năm 2026",
        kinh_gui=["Sở Tài nguyên và Môi trường"],
        noi_nhan=["Như trên;", "Lưu: VT, QLDD."],
        replies_to_incoming_id=item["id"],
    )
    done = b.ok("vanthu", "GET", f"/api/v1/incoming/{item['id']}")
    assert done["state"] == "done" and done["answered_by_id"] == answer["id"]
    # At A: every status came back, and the answer arrived linked to the document it answers.
    wait_for(lambda: _status_of(a, document["id"], "06"), 60, "06 at A", a, b, network.hub)

    def answered() -> list[dict[str, Any]]:
        return [i for i in a.incoming() if i["symbol"] == answer["symbol"]]

    reply = wait_for(answered, 60, "the answer at A", a, b, network.hub)[0]
    assert reply["answers_document_id"] == document["id"]
    board = a.ok("vanthu", "GET", "/api/v1/dispatch-board")
    row = next(r for r in board["documents"] if r["document"]["id"] == document["id"])
    recipient = next(r for r in row["recipients"] if r["recipient"]["kind"] == "agency")
    assert recipient["answered_by"]["symbol"] == answer["symbol"] and "no_answer" not in recipient["overdue"]
    assert [h["status"] for h in recipient["history"]] == ["01", "03", "04", "05", "06"]
    # VNPT's parser reads the answer's ResponseFor and every status as we meant them.
    rt = _runtime(a)
    try:
        with rt.readers() as session:
            taken = session.scalars(select(ExchangeMessage).where(ExchangeMessage.direction == "in")).all()
            package = next(m for m in taken if m.kind == "package" and m.incoming_id == reply["id"])
            statuses = [m for m in taken if m.kind == "status" and m.document_key == item["document_key"]]
            files = []
            for n, message in enumerate([package, *statuses]):
                path = tmp_path / f"{n}.edxml"
                path.write_bytes(rt.store.get(message.body_sha256, ".xml"))
                files.append(path)
    finally:
        rt.close()
    (read,) = _vxp("ed", files[0])
    assert read["response_for"] == [
        {"organ_id": STNMT, "code": document["symbol"], "document_id": item["document_key"]}
    ], read
    codes = sorted(line["status_code"] for line in _vxp("status", *files[1:]))
    assert codes == ["01", "03", "04", "05", "06"], codes


def _person(instance: Instance, username: str) -> int:
    people = instance.ok("vanthu", "GET", "/api/v1/directory")["people"]
    return int(next(p["id"] for p in people if p["username"] == username))


def test_the_demo_day_between_two_agencies(network: Network) -> None:
    # What `congvan demo-day` plays between the demo's two agencies, here A and B.
    a, b = network.a, network.b
    a.issue(summary="đề nghị phối hợp cung cấp số liệu biên chế năm 2026")
    made = run_exchange(http_api(a.url), http_api(b.url), "Sở Tài nguyên và Môi trường", "Sở Nội vụ", timeout=60)
    assert made["linked"]["answers_document_id"] == made["asked"]["id"]
    sent = made["sent"]
    document = next(
        d for d in a.ok("vanthu", "GET", "/api/v1/documents?limit=50")["documents"] if d["symbol"] == sent["symbol"]
    )
    wait_for(lambda: _status_of(a, document["id"], "06"), 60, "06 at A", a, b, network.hub)
    arrived = a.ok("vanthu", "GET", f"/api/v1/incoming/{made['arrived']['id']}")
    assert arrived["state"] == "done" and arrived["answered_by_id"] == made["answer"]["id"]
    assert {p["role"] for p in arrived["assignees"]} == {"lead", "support", "info"}
