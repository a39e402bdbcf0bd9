"""Two congvan agencies exchange through a congvan hub over the national exchange's protocol (VXP): each is a
system registered at the hub; A's clerk issues, the package goes by sendEdoc, B's scheduler takes it with
getReceivedEdocList/getEdoc and answers done, B's statuses travel back the same way to A's board."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from routing import edxml
from routing.models import HubMessage
from tests.network import (
    INTEROP,
    SNV,
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

SECRETS = {STNMT: "vxp-secret-of-stnmt-2026", SNV: "vxp-secret-of-snv-2026"}
VPCP = "000.00.00.G22"


@dataclass
class Network:
    """The hub and the two agencies."""

    hub: Instance
    a: Instance
    b: Instance


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str) -> Iterator[Network]:
    base = tmp_path_factory.mktemp("vxp-network")
    root = redis_url.rsplit("/", 1)[0]
    hub_instance, _ = make_instance(base, "hub", f"{root}/3", password_hash, None, {"CONGVAN_HUB_MODE": "true"})
    agencies = {}
    for name, organ, db in (("a", STNMT, 4), ("b", SNV, 5)):
        env = {
            "CONGVAN_VXP_URL": f"{hub_instance.url}/vxp",
            "CONGVAN_VXP_SYSTEM_ID": f"sys-{name}",
            "CONGVAN_VXP_SECRET": SECRETS[organ],
        }
        agencies[name] = make_instance(base, name, f"{root}/{db}", password_hash, organ, env)
        add_system(hub_instance, organ, name, f"sys-{name}", SECRETS[organ])
    # An agency known to the exchange only (its system elsewhere): it joins A's and B's directories.
    add_system(hub_instance, VPCP, "Văn phòng Chính phủ", VPCP, "vxp-secret-of-vpcp-2026")
    (a, a_identity), (b, b_identity) = agencies["a"], agencies["b"]
    assert a_identity and b_identity
    # Each pins the other's certificate (for the packages' XML signatures); no direct URL: all goes by the hub.
    add_peer(a, b_identity)
    add_peer(b, a_identity)
    for instance in (hub_instance, a, b):
        instance.start()
    yield Network(hub_instance, a, b)
    for instance in (hub_instance, a, b):
        instance.stop()


def _status_of(a: Instance, document_id: int, code: str) -> dict[str, object] | None:
    delivery = a.delivery_to(document_id, SNV)
    return delivery if delivery["status"] == code else None


def test_a_document_and_its_statuses_travel_over_vxp(network: Network) -> None:
    a, b = network.a, network.b
    document = a.issue(summary="đề nghị phối hợp qua trục liên thông")
    arrived = wait_for(b.incoming, 60, "the package at B", a, b, network.hub)
    item = arrived[0]
    assert item["symbol"] == document["symbol"] and item["state"] == "received"
    assert item["signatures"]["verdict"] == "valid"
    assert item["signatures"]["xml_signature"]["status"] == "valid", item["signatures"]
    wait_for(lambda: _status_of(a, document["id"], "01"), 60, "01 at A", a, b, network.hub)
    b.ok("vanthu", "POST", f"/api/v1/incoming/{item['id']}/actions/register")
    final = wait_for(lambda: _status_of(a, document["id"], "03"), 60, "03 at A", a, b, network.hub)
    assert final["transport"] == "delivered"
    # Each item was taken once and answered done at the hub: nothing is left waiting there.
    assert len(b.incoming()) == 1
    rt = _runtime(network.hub)
    try:
        with rt.readers() as session:
            states = list(session.scalars(select(HubMessage.state)))
    finally:
        rt.close()
    assert states and set(states) == {"delivered"}, states


def test_the_directory_follows_the_exchange(network: Network) -> None:
    def known() -> dict[str, str] | None:
        agencies = network.a.ok("vanthu", "GET", "/api/v1/directory")["agencies"]
        found = {a["code"]: a["name"] for a in agencies}
        return found if VPCP in found else None

    found = wait_for(known, 60, "the exchange's agencies in A's directory", network.a, network.hub)
    assert found[VPCP] == "Văn phòng Chính phủ" and SNV in found


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
        codes.append(edxml.parse_status(saved.read_bytes()).code)
        assert sdk(network.hub, "update", entry["id"], "done").get("status") == "OK"
    assert sorted(codes) == ["01", "03"]
    assert not sdk(network.hub, "received", "status").get("knobsticks")


def sdk(hub: Instance, *args: str) -> dict[str, Any]:
    """The SDK's own client as Văn phòng Chính phủ's system."""
    return sdk_client(hub, VPCP, "vxp-secret-of-vpcp-2026", *args)
