"""Agencies A and B exchange directly, instance to instance, without a hub; B goes down for a
while; a third agency never comes up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests import processes
from tests.network import SNV, STC, STNMT, Instance, add_peer, make_instance, wait_for

pytestmark = pytest.mark.integration


@dataclass
class Pair:
    """Two agencies connected directly."""

    a: Instance
    b: Instance


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str) -> Iterator[Pair]:
    base = tmp_path_factory.mktemp("direct")
    root = redis_url.rsplit("/", 1)[0]
    a, a_identity = make_instance(base, "a", f"{root}/14", password_hash, STNMT)
    b, b_identity = make_instance(base, "b", f"{root}/15", password_hash, SNV)
    _, c_identity = make_instance(base, "c", f"{root}/10", password_hash, STC)
    assert a_identity and b_identity and c_identity
    add_peer(a, b_identity, b.url, "secret-a-b")
    add_peer(b, a_identity, a.url, "secret-a-b")
    # Sở Tài chính's instance is never started: nothing listens on its port.
    add_peer(a, c_identity, f"http://127.0.0.1:{processes.free_port()}", "secret-a-c")
    a.start()
    b.start()
    yield Pair(a, b)
    a.stop()
    b.stop()


def _status_of(a: Instance, document_id: int, organ_id: str, code: str) -> dict[str, object] | None:
    delivery = a.delivery_to(document_id, organ_id)
    return delivery if delivery["status"] == code else None


def test_direct_exchange_without_a_hub(pair: Pair) -> None:
    a, b = pair.a, pair.b
    document = a.issue(summary="đề nghị cung cấp số liệu biên chế")
    item = wait_for(lambda: next(iter(b.incoming()), None), 60, "the package at B", a, b)
    assert item["symbol"] == document["symbol"] and item["signatures"]["verdict"] == "valid"
    wait_for(lambda: _status_of(a, document["id"], SNV, "01"), 60, "01 at A", a, b)
    b.ok("vanthu", "POST", f"/api/v1/incoming/{item['id']}/actions/register")
    b.ok("giamdoc", "POST", f"/api/v1/incoming/{item['id']}/actions/assign", {"lead_unit_id": b.unit_id("VP")})
    b.ok("truongphong", "POST", f"/api/v1/incoming/{item['id']}/actions/start")
    b.ok("truongphong", "POST", f"/api/v1/incoming/{item['id']}/actions/finish")
    wait_for(lambda: _status_of(a, document["id"], SNV, "06"), 60, "06 at A", a, b)
    history = a.ok("vanthu", "GET", "/api/v1/dispatch-board")["documents"]
    row = next(r for r in history if r["document"]["id"] == document["id"])
    codes = [h["status"] for r in row["recipients"] if r["recipient"]["kind"] == "agency" for h in r["history"]]
    assert codes == ["01", "03", "04", "05", "06"]


def test_b_down_for_a_while_gets_the_document_exactly_once(pair: Pair) -> None:
    a, b = pair.a, pair.b
    before = len(b.incoming())
    b.stop()
    document = a.issue(summary="văn bản gửi khi Sở Nội vụ mất kết nối")

    def retried() -> dict[str, object] | None:
        delivery = a.delivery_to(document["id"], SNV)
        return delivery if int(str(delivery.get("attempts") or 0)) >= 2 or delivery["last_error"] else None

    waiting = wait_for(retried, 60, "A retrying", a)
    assert waiting["transport"] == "pending" and "Không kết nối được" in str(waiting["last_error"])
    board = a.ok("vanthu", "GET", "/api/v1/dispatch-board")
    row = next(r for r in board["documents"] if r["document"]["id"] == document["id"])
    assert any(r["attempts"] >= 1 for r in row["recipients"] if r["recipient"]["kind"] == "agency")

    b.start()
    wait_for(lambda: _status_of(a, document["id"], SNV, "01"), 90, "01 at A after B came back", a, b)
    arrived = [i for i in b.incoming() if i["symbol"] == document["symbol"]]
    assert len(arrived) == 1 and len(b.incoming()) == before + 1


def test_agency_never_up_ends_failed_and_visible(pair: Pair) -> None:
    a = pair.a
    document = a.issue(summary="văn bản gửi Sở Tài chính", kinh_gui=["Sở Tài chính"])
    failed = wait_for(
        lambda: (d := a.delivery_to(document["id"], STC))["transport"] == "failed" and d, 90, "the failure", a
    )
    assert "Không kết nối được" in str(failed["last_error"])
    board = a.ok("vanthu", "GET", "/api/v1/dispatch-board")
    row = next(r for r in board["documents"] if r["document"]["id"] == document["id"])
    recipient = next(r for r in row["recipients"] if r["recipient"]["kind"] == "agency")
    assert recipient["overdue"] == ["failed"] and recipient["attempts"] == 8
    assert row["attention"] >= 1
    notes = a.ok("vanthu", "GET", "/api/v1/notifications?unread=1")["notifications"]
    assert any(n["kind"] == "delivery_failed" and document["symbol"] in n["message"] for n in notes)
