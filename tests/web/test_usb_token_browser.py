"""A leader signs the day's batch on their own USB token, in a real browser: Chromium on the batch page calls the
signing tool on "their PC" (a VGCA SignService stand-in, its own process, the key on a SoftHSM2 token), which
fetches each file from the service, signs it on the token and posts it back; the service checks each one."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from playwright.sync_api import expect, sync_playwright

from signing import pki
from tests.support import processes
from tests.support.network import STNMT, Instance, make_instance
from tests.support.tokens import token_for_another_process
from tests.web.test_day_in_browser import CHROMIUM, DESKTOP, PASSWORD

pytestmark = pytest.mark.integration


def _pem_key(identity: pki.Identity) -> bytes:
    return identity.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _loopback_tls() -> pki.Identity:
    """The tool's own certificate for wss://127.0.0.1 (a server certificate: Chromium checks its key usage even
    when told to accept a certificate it does not trust)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return pki.Identity(key=key, cert=cert)


@pytest.fixture(scope="module")
def tool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, pki.Identity]]:
    """The signing tool on the leader's PC: a SoftHSM2 token of its own, the leader's key made on it."""
    work = tmp_path_factory.mktemp("vgca")
    env, module = token_for_another_process(work, "vgca", "112233")
    ca = pki.make_root("Test VGCA Root", "Ban Cơ yếu Chính phủ (thử nghiệm)")
    (work / "ca.pem").write_bytes(pki.cert_pem(ca.cert))
    (work / "ca-key.pem").write_bytes(_pem_key(ca))
    tls = _loopback_tls()
    (work / "tls.pem").write_bytes(pki.cert_pem(tls.cert))
    (work / "tls-key.pem").write_bytes(_pem_key(tls))
    port = processes.free_port()
    args = ["--port", str(port), "--workdir", str(work), "--module", module, "--token", "vgca", "--pin", "112233"]
    with (work / "tool.log").open("wb") as log:
        running = subprocess.Popen(
            [sys.executable, "-m", "tests.support.vgca_tool", *args, "--name", "Phạm Mạnh Duyệt"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        processes.wait_for_port(port, timeout=60)
        yield f"wss://127.0.0.1:{port}", work, ca
    finally:
        processes.stop_all([running])


@pytest.fixture(scope="module")
def site(
    tool: tuple[str, Path, pki.Identity], tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str
) -> Iterator[Instance]:
    url, work, ca = tool
    base = tmp_path_factory.mktemp("usb")
    redis = redis_url.rsplit("/", 1)[0] + "/10"
    instance, _ = make_instance(base, "web", redis, password_hash, STNMT, {"CONGVAN_SIGNING_TOOL_URL": url})
    instance.start()
    try:
        added = requests.post(
            f"{instance.url}/api/v1/trust-roots",
            data=pki.cert_pem(ca.cert),
            headers={"Authorization": f"Bearer {instance.token('admin')}", "Content-Type": "application/x-pem-file"},
            timeout=30,
        )
        assert added.status_code == 201, added.text
        leader = _id(instance, "giamdoc")
        pem = (work / "leader.pem").read_text()
        instance.ok("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", {"kind": "usb", "certificate": pem})
        yield instance
    finally:
        instance.stop()


def _id(site: Instance, username: str) -> int:
    people = site.ok("chuyenvien", "GET", "/api/v1/directory")["people"]
    return int(next(p["id"] for p in people if p["username"] == username))


def _waiting(site: Instance, count: int) -> list[int]:
    ids = []
    for n in range(count):
        doc = site.ok(
            "chuyenvien",
            "POST",
            "/api/v1/documents",
            {
                "doc_type": "cong_van",
                "summary": f"báo cáo kết quả rà soát đất công số {n + 1}",
                "body": "Sở Tài nguyên và Môi trường đề nghị các phòng báo cáo./.",
                "signer_id": _id(site, "giamdoc"),
                "kinh_gui": ["Phòng Quản lý đất đai"],
                "noi_nhan": ["Như trên;", "Lưu: VT, VP."],
            },
        )
        for action, user in (("submit", "chuyenvien"), ("approve", "truongphong")):
            site.ok(user, "POST", f"/api/v1/documents/{doc['id']}/actions/{action}")
        ids.append(doc["id"])
    return ids


def test_the_leader_signs_the_batch_on_the_token_from_the_browser(
    site: Instance, tool: tuple[str, Path, pki.Identity]
) -> None:
    _, work, _ = tool
    ids = _waiting(site, 3)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            # The tool's loopback certificate is its own, as on a leader's PC where its installer trusts it.
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--ignore-certificate-errors"],
        )
        page = browser.new_context(viewport=DESKTOP, locale="vi-VN", ignore_https_errors=True).new_page()
        said: list[str] = []
        page.on("console", lambda message: said.append(message.text))
        page.goto(f"{site.url}/login")
        page.get_by_label("Tên đăng nhập").fill("giamdoc")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"{site.url}/signing")
        page.get_by_label("Nhập lại mật khẩu để xác nhận ký").fill(PASSWORD)
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name=re.compile(r"Ký tất cả")).click()
        expect(page.get_by_role("heading", name="Ký bằng USB token")).to_be_visible()
        page.get_by_role("button", name="Ký bằng USB token").click()
        # Each file signed on the token and taken back; the page then shows the batch done.
        try:
            expect(page.locator("#progress-text")).to_have_text("Đã ký 3/3.", timeout=60_000)
        except AssertionError as exc:
            shown = page.locator("#token-status").all_text_contents()
            raise AssertionError(f"the page says {shown}; its console: {said}") from exc
        browser.close()
    calls = [json.loads(line) for line in (work / "calls.log").read_text().splitlines()]
    assert [c["action"] for c in calls] == ["SignApproved"] * 3
    assert all(c["FileName"].startswith(site.url + "/api/v1/token-files/") for c in calls)
    for doc_id in ids:
        (check,) = site.ok("giamdoc", "GET", f"/api/v1/documents/{doc_id}/signatures")["signatures"]
        assert check["ok"] and check["trusted"] and check["signer"] == "Phạm Mạnh Duyệt", check
