"""Three instances on 127.0.0.1 — a hub (PostgreSQL) and agencies A (Sở TN&MT) and B (Sở Nội vụ) —
exchange documents and statuses: the hub pushes to A and B pulls from the hub."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests import processes
from tests.network import SNV, STNMT, Instance, make_instance, register_at_hub, wait_for

pytestmark = pytest.mark.integration


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
    base = tmp_path_factory.mktemp("hub-network")
    root = redis_url.rsplit("/", 1)[0]
    # The hub on PostgreSQL, as in production; the agencies on the embedded SQLite.
    hub_db = {"CONGVAN_HUB_MODE": "true", "CONGVAN_DATABASE_URL": processes.create_database(pg_server, "hub")}
    hub_instance, _ = make_instance(base, "hub", f"{root}/11", password_hash, None, hub_db)
    hub_env = {"CONGVAN_EXCHANGE_HUB_URL": hub_instance.url}
    a, a_identity = make_instance(
        base,
        "a",
        f"{root}/12",
        password_hash,
        STNMT,
        hub_env | {"CONGVAN_EXCHANGE_HUB_TOKEN": "token-of-a", "CONGVAN_EXCHANGE_PULL": "false"},
    )
    b, b_identity = make_instance(
        base, "b", f"{root}/13", password_hash, SNV, hub_env | {"CONGVAN_EXCHANGE_HUB_TOKEN": "token-of-b"}
    )
    assert a_identity and b_identity
    register_at_hub(hub_instance, a_identity, "token-of-a", push_url=a.url)  # the hub pushes to A
    register_at_hub(hub_instance, b_identity, "token-of-b")  # B pulls
    for instance in (hub_instance, a, b):
        instance.start()
    yield Network(hub_instance, a, b)
    for instance in (hub_instance, a, b):
        instance.stop()


def _status_of(a: Instance, document_id: int, code: str) -> dict[str, object] | None:
    delivery = a.delivery_to(document_id, SNV)
    return delivery if delivery["status"] == code else None


def test_document_travels_through_the_hub_and_every_status_comes_back(network: Network) -> None:
    a, b = network.a, network.b
    document = a.issue()
    assert document["state"] == "dispatched"

    # B pulls the package from the hub, verifies the PDF's signatures and answers 01 automatically.
    arrived = wait_for(b.incoming, 60, "the package at B", a, b, network.hub)
    assert len(arrived) == 1
    item = arrived[0]
    assert item["symbol"] == document["symbol"] and item["state"] == "received"
    assert item["sender"] == {"code": STNMT, "name": "Sở Tài nguyên và Môi trường"}
    assert item["signatures"]["verdict"] == "valid"
    # The package's own XML signature, checked against the sender's certificate pinned from the hub.
    assert item["signatures"]["xml_signature"]["status"] == "valid", item["signatures"]
    day = document["issued_at"][:10].replace("-", "/")
    assert item["document_key"] == f"{STNMT},{day},{document['symbol']}"  # the number as printed: "01"
    pdf = b.call("vanthu", "GET", f"/api/v1/incoming/{item['id']}/pdf")
    assert pdf[0] == 200
    wait_for(lambda: _status_of(a, document["id"], "01"), 60, "01 at A", a, b, network.hub)

    # The internal unit of A got its copy as well.
    internal = [d for d in a.ok("vanthu", "GET", f"/api/v1/documents/{document['id']}/deliveries")["deliveries"]]
    assert any(d["recipient"]["unit"] and d["recipient"]["unit"]["code"] == "QLDD" for d in internal)

    # B's clerk registers it with the next incoming number of the year (03) ...
    registered = b.ok("vanthu", "POST", f"/api/v1/incoming/{item['id']}/actions/register")
    assert registered["incoming_number"] == 1 and registered["state"] == "registered"
    wait_for(lambda: _status_of(a, document["id"], "03"), 60, "03 at A")
    # ... the leader assigns a lead unit, a supporting unit and a deadline (04) ...
    assignment = {
        "lead_unit_id": b.unit_id("QLDD"),
        "supporting_unit_ids": [b.unit_id("CNTT")],
        "deadline": "2026-12-31",
    }
    b.ok("giamdoc", "POST", f"/api/v1/incoming/{item['id']}/actions/assign", assignment)
    wait_for(lambda: _status_of(a, document["id"], "04"), 60, "04 at A")
    # ... the lead unit works on it (05) and finishes (06).
    assert b.call("chuyenvien_cntt", "POST", f"/api/v1/incoming/{item['id']}/actions/start")[0] == 403
    b.ok("truongphong_dd", "POST", f"/api/v1/incoming/{item['id']}/actions/start")
    b.ok("truongphong_dd", "POST", f"/api/v1/incoming/{item['id']}/actions/finish")
    final = wait_for(lambda: _status_of(a, document["id"], "06"), 60, "06 at A")
    assert final["transport"] == "delivered"

    # A's clerk sees each status with its time on the board.
    board = a.ok("vanthu", "GET", "/api/v1/dispatch-board")
    row = next(r for r in board["documents"] if r["document"]["id"] == document["id"])
    recipient = next(r for r in row["recipients"] if r["recipient"]["kind"] == "agency")
    assert [h["status"] for h in recipient["history"]] == ["01", "03", "04", "05", "06"]
    assert recipient["overdue"] == []
    # B's incoming register of the year and the document's history.
    register = b.ok("vanthu", "GET", "/api/v1/incoming-register")
    assert [e["incoming_number"] for e in register["entries"]] == [1]
    detail = b.ok("vanthu", "GET", f"/api/v1/incoming/{item['id']}")
    assert [h["code"] for h in detail["history"]] == ["01", "03", "04", "05", "06"]


def test_recall_accepted_and_refused(network: Network) -> None:
    a, b = network.a, network.b
    accepted = a.issue(summary="văn bản sẽ được thu hồi")
    refused = a.issue(summary="văn bản thu hồi bị từ chối")
    for document in (accepted, refused):
        wait_for(lambda d=document: _status_of(a, d["id"], "01"), 60, "01 at A")
        a.ok("vanthu", "POST", f"/api/v1/documents/{document['id']}/actions/recall", {"reason": "Sai thể thức."})

    def incoming_of(document: dict[str, object]) -> dict[str, object] | None:
        found = [i for i in b.incoming() if i["symbol"] == document["symbol"]]
        return found[0] if found and found[0]["recall_request"] else None

    to_accept = wait_for(lambda: incoming_of(accepted), 60, "13 at B")
    to_refuse = wait_for(lambda: incoming_of(refused), 60, "13 at B")
    assert to_accept["recall_request"] == "Sai thể thức."
    status, body = b.call("vanthu", "POST", f"/api/v1/incoming/{to_refuse['id']}/actions/refuse_recall")
    assert status == 400 and body["error"]["code"] == "reason_required"
    b.ok("vanthu", "POST", f"/api/v1/incoming/{to_accept['id']}/actions/accept_recall")
    b.ok("vanthu", "POST", f"/api/v1/incoming/{to_refuse['id']}/actions/refuse_recall", {"reason": "Đã triển khai."})

    wait_for(lambda: _status_of(a, accepted["id"], "15"), 60, "15 at A")
    answer = wait_for(lambda: _status_of(a, refused["id"], "16"), 60, "16 at A")
    assert answer["status_reason"] == "Đã triển khai."
    # The recalled document is gone from B's lists and kept, marked recalled, for the record.
    assert all(i["id"] != to_accept["id"] for i in b.incoming())
    assert b.ok("vanthu", "GET", f"/api/v1/incoming/{to_accept['id']}")["state"] == "recalled"
    assert any(i["id"] == to_refuse["id"] for i in b.incoming())


def test_update_and_replace_are_applied(network: Network) -> None:
    a, b = network.a, network.b
    original = a.issue(summary="báo cáo tình hình quản lý đất đai")
    wait_for(lambda: _status_of(a, original["id"], "01"), 60, "01 at A")

    # Update (BussinessDocType 2): the new due date reaches B's incoming document.
    a.ok(
        "vanthu",
        "POST",
        f"/api/v1/documents/{original['id']}/exchange-update",
        {"reason": "Điều chỉnh hạn báo cáo.", "due_date": "2026-12-15"},
    )

    def updated() -> dict[str, object] | None:
        found = next(i for i in b.incoming() if i["symbol"] == original["symbol"])
        return found if found["revision"] == 1 else None

    item = wait_for(updated, 60, "the update at B")
    assert item["due_date"] == "2026-12-15"
    assert len([i for i in b.incoming() if i["symbol"] == original["symbol"]]) == 1

    # Replace (BussinessDocType 3): a new document replaces the original at B.
    replacement = a.issue(summary="báo cáo tình hình quản lý đất đai (thay thế)", replaces_id=original["id"])
    new = wait_for(
        lambda: next((i for i in b.incoming() if i["symbol"] == replacement["symbol"]), None), 60, "the replacement"
    )
    assert new["replaces_id"] == item["id"]
    assert all(i["symbol"] != original["symbol"] for i in b.incoming())
    assert b.ok("vanthu", "GET", f"/api/v1/incoming/{item['id']}")["state"] == "replaced"
