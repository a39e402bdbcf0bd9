"""A leader signs the day's batch on their USB token through congvan-agent, in a real browser: Chromium pairs the
agent (its own process, the key on SoftHSM2) by the code the "Chữ ký số" page shows, then the batch page carries
the digests to it and the signatures back. The agent not running at first (a PC just started) leaves the batch
waiting; started, "Tiếp tục ký" finishes it, with the PIN asked once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from signing import pki
from tests.support import processes
from tests.support.agent import PIN, Agent, Token, make_token
from tests.support.network import STNMT, Instance, make_instance
from tests.web.test_day_in_browser import CHROMIUM, DESKTOP, PASSWORD
from tests.web.test_usb_token_browser import _waiting

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Token:
    return make_token(tmp_path_factory.mktemp("agent-token"))


@pytest.fixture(scope="module")
def site(
    token: Token, tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str
) -> Iterator[tuple[Instance, int]]:
    base = tmp_path_factory.mktemp("agent-site")
    port = processes.free_port()
    redis = redis_url.rsplit("/", 1)[0] + "/11"
    env = {"CONGVAN_SIGNING_AGENT_URL": f"http://127.0.0.1:{port}"}
    instance, _ = make_instance(base, "web", redis, password_hash, STNMT, env)
    instance.start()
    try:
        added = requests.post(
            f"{instance.url}/api/v1/trust-roots",
            data=pki.cert_pem(token.ca.cert),
            headers={"Authorization": f"Bearer {instance.token('admin')}", "Content-Type": "application/x-pem-file"},
            timeout=30,
        )
        assert added.status_code == 201, added.text
        yield instance, port
    finally:
        instance.stop()


def test_the_leader_pairs_the_agent_and_signs_the_batch_from_the_browser(
    site: tuple[Instance, int], token: Token, tmp_path: Path
) -> None:
    instance, port = site
    agent = Agent(token, instance.url, tmp_path / "agent", port=port)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        page = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
        said: list[str] = []
        page.on("console", lambda message: said.append(message.text))
        page.goto(f"{instance.url}/login")
        page.get_by_label("Tên đăng nhập").fill("giamdoc")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()

        # Pairing: the page shows the code, the leader types it into the agent's window.
        page.goto(f"{instance.url}/account/signer")
        page.get_by_role("button", name="Ghép nối congvan-agent").click()
        code = page.locator("#pairing-code")
        expect(code).to_have_text(re.compile(r"^\d{4} \d{4}$"))
        agent.asked("Nhập mã ghép nối")
        agent.type(code.inner_text())
        expect(page.get_by_text(re.compile("Đã ghép nối congvan-agent với USB token"))).to_be_visible()
        expect(page.get_by_text("USB token trên máy tính của lãnh đạo (ký qua congvan-agent)")).to_be_visible()
        agent.stop()  # the leader's PC restarts: the agent is not running when the batch is signed

        ids = _waiting(instance, 3)
        page.goto(f"{instance.url}/signing")
        page.get_by_label("Nhập lại mật khẩu để xác nhận ký").fill(PASSWORD)
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name=re.compile(r"Ký tất cả")).click()
        page.get_by_role("button", name="Ký bằng USB token").click()
        status = page.locator("#agent-status")
        expect(status).to_contain_text("Không kết nối được congvan-agent trên máy tính này", timeout=30_000)
        expect(page.locator("#progress-text")).to_contain_text("Đã ký 0/3")

        # Started again (its pairing kept on the PC): "Tiếp tục ký" finishes the batch, one PIN for all.
        agent = Agent(token, instance.url, tmp_path / "agent", port=port)
        try:
            page.get_by_role("button", name="Tiếp tục ký").click()
            agent.asked("Nhập mã PIN")
            agent.type(PIN)
            try:
                expect(page.locator("#progress-text")).to_have_text("Đã ký 3/3.", timeout=60_000)
            except AssertionError as exc:
                shown = page.locator("main").inner_text()
                logs = "".join(p.read_text()[-3000:] for p in instance.logs.glob("*.log"))
                raise AssertionError(f"the page: {shown}; agent: {agent.printed}; console: {said}; {logs}") from exc
            assert agent.count("Nhập mã PIN") == 1
        finally:
            agent.stop()
        browser.close()
    for doc_id in ids:
        (check,) = instance.ok("giamdoc", "GET", f"/api/v1/documents/{doc_id}/signatures")["signatures"]
        assert check["ok"] and check["trusted"] and check["signer"] == "Phạm Mạnh Duyệt", check
