"""SmartCA with the real processes: gunicorn, an rq worker and the scheduler, SmartCA's callback over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from congvan.demo_day import PASSWORD
from signing import pki
from tests.support import network
from tests.support.smartca_gateway import CLIENT_ID, CLIENT_SECRET, Gateway, smartca_gateway

UID, SMARTCA_PASSWORD = "001090009999", "mat-khau-SmartCA-2"


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str
) -> Iterator[tuple[network.Instance, Gateway]]:
    with smartca_gateway() as gateway:
        gateway.add_user(UID, SMARTCA_PASSWORD, "HOÀNG VĂN MINH")
        port = network.processes.free_port()
        env = {
            "CONGVAN_SMARTCA_URL": gateway.url,
            "CONGVAN_SMARTCA_CLIENT_ID": CLIENT_ID,
            "CONGVAN_SMARTCA_CLIENT_SECRET": CLIENT_SECRET,
            "CONGVAN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        instance, _identity = network.make_instance(
            tmp_path_factory.mktemp("smartca-service"), "stnmt", redis_url, password_hash, network.STNMT, env
        )
        instance.port = port
        instance.start()
        try:
            yield instance, gateway
        finally:
            instance.stop()


def test_a_batch_is_signed_through_the_worker_and_woken_by_the_callback(
    service: tuple[network.Instance, Gateway],
) -> None:
    instance, gateway = service
    # The administrator trusts SmartCA's root (PEM body), effective at once in the worker too.
    added = requests.post(
        f"{instance.url}/api/v1/trust-roots",
        data=pki.cert_pem(gateway.ca.cert),
        headers={"Authorization": f"Bearer {instance.token('admin')}", "Content-Type": "application/x-pem-file"},
        timeout=30,
    )
    assert added.status_code == 201, added.text
    leader = next(
        p["id"] for p in instance.ok("vanthu", "GET", "/api/v1/directory")["people"] if p["username"] == "phogiamdoc"
    )
    body = {"kind": "smartca", "username": UID, "password": SMARTCA_PASSWORD}
    linked = instance.ok("phogiamdoc", "PUT", f"/api/v1/people/{leader}/signer", body)
    assert "HOÀNG VĂN MINH" in linked["certificate"]["subject"]
    # Approved on the phone 1.5 s after sending: asked about at 1 s (waiting), the next question is due at 3 s;
    # the callback at 1.5 s has it asked at once.
    gateway.answer_after = 1.5
    draft = {
        "doc_type": "cong_van",
        "summary": "đề nghị rà soát hồ sơ đất đai năm 2026",
        "body": "Sở Tài nguyên và Môi trường đề nghị các đơn vị rà soát./.",
        "signer_id": leader,
        "kinh_gui": ["Các phòng, đơn vị trực thuộc Sở"],
        "noi_nhan": ["Như trên;", "Lưu: VT, VP."],
    }
    document = instance.ok("chuyenvien", "POST", "/api/v1/documents", draft)
    path = f"/api/v1/documents/{document['id']}"
    instance.ok("chuyenvien", "POST", f"{path}/actions/submit")
    instance.ok("truongphong", "POST", f"{path}/actions/approve")
    signing = instance.ok("phogiamdoc", "POST", f"{path}/actions/sign", {"password": PASSWORD})
    assert signing["result"]["awaiting_approval"] is True, signing
    network.wait_for(
        lambda: instance.ok("vanthu", "GET", path)["state"] == "signed", 60, "the SmartCA signature", instance
    )
    instance.ok("vanthu", "POST", f"{path}/actions/issue")
    report = instance.ok("vanthu", "GET", f"/api/v1/documents/{document['id']}/signatures")
    assert report["verdict"] == "valid"
    assert report["signatures"][0]["signer"] == "HOÀNG VĂN MINH"
    (called_at, status) = gateway.notify_answers[-1]
    assert status == 200
    tran_id = gateway.in_order()[-1].tran_id
    after = [t for t, which in gateway.polls if which == tran_id and t >= called_at]
    assert after and after[0] - called_at < 1.0, (called_at, gateway.polls)
