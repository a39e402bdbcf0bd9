"""The working day in a real browser (Debian's Chromium driven by Playwright) against the service
as it runs: gunicorn, an rq worker and the scheduler on 127.0.0.1, SQLite.

Screenshots of each main page at desktop and phone width go to a temporary folder, or to
docs/screenshots/ with SCREENSHOTS_DIR=docs/screenshots (how the README's pictures are made).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from congvan.demo_day import PASSWORD
from tests.support.network import STNMT, Instance, make_instance

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str) -> Iterator[Instance]:
    base = tmp_path_factory.mktemp("web")
    instance, _ = make_instance(base, "web", redis_url.rsplit("/", 1)[0] + "/9", password_hash, STNMT)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium is not installed: run the README's test command")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("SCREENSHOTS_DIR")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(browser: Browser, site: Instance, user: str, viewport: dict[str, int] = DESKTOP) -> Page:
    """A new browser session signed in as a demo user."""
    page = browser.new_context(viewport=viewport, locale="vi-VN").new_page()
    page.goto(f"{site.url}/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
    return page


def snap(page: Page, shots: Path, name: str) -> None:
    """Save the page at desktop and phone width."""
    viewport = page.viewport_size
    page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / f"{name}-phone.png"), full_page=True)
    if viewport:
        page.set_viewport_size(viewport)


def test_the_whole_day_in_the_browser(browser: Browser, site: Instance, shots: Path) -> None:
    # A wrong password is refused in Vietnamese.
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{site.url}/login")
    page.get_by_label("Tên đăng nhập").fill("chuyenvien")
    page.get_by_label("Mật khẩu").fill("sai")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    snap(page, shots, "dang-nhap")

    # The specialist writes a draft and submits it.
    specialist = sign_in(browser, site, "chuyenvien")
    specialist.get_by_role("link", name="Soạn mới").click()
    specialist.get_by_label("Trích yếu").fill("tăng cường quản lý đất đai trên địa bàn tỉnh")
    specialist.get_by_label("Nội dung (hệ thống dàn trang theo Nghị định 30)").fill(
        "Sở Tài nguyên và Môi trường đề nghị các phòng tăng cường kiểm tra./."
    )
    specialist.get_by_label("Kính gửi (mỗi dòng một nơi)").fill("Phòng Quản lý đất đai")
    snap(specialist, shots, "soan-thao")
    specialist.get_by_role("button", name="Tạo dự thảo").click()
    expect(specialist.get_by_role("status")).to_have_text("Đã tạo dự thảo.")
    document_url = specialist.url
    specialist.get_by_role("button", name="Trình duyệt").click()
    expect(specialist.get_by_text("Chờ lãnh đạo phòng duyệt", exact=True)).to_be_visible()

    # The head of unit returns it with a comment; the specialist sees why and submits again.
    head = sign_in(browser, site, "truongphong")
    expect(head.get_by_role("link", name=re.compile("Chờ duyệt"))).to_contain_text("1")
    head.get_by_role("link", name=re.compile("Chờ duyệt")).click()
    head.get_by_role("link", name=re.compile("tăng cường quản lý đất đai")).click()
    head.get_by_label("Lý do trả lại").fill("Bổ sung thời hạn báo cáo.")
    snap(head, shots, "duyet")
    head.get_by_role("button", name="Trả lại").click()
    specialist.goto(document_url)
    expect(specialist.get_by_role("alert")).to_contain_text("Bị trả lại: Bổ sung thời hạn báo cáo.")
    specialist.get_by_label("Nội dung", exact=True).fill(
        "Sở Tài nguyên và Môi trường đề nghị các phòng tăng cường kiểm tra, báo cáo trước ngày 15/12/2026./."
    )
    specialist.get_by_role("button", name="Lưu phiên bản mới").click()
    expect(specialist.get_by_role("status")).to_have_text("Đã lưu phiên bản 2.")
    specialist.get_by_role("button", name="Trình duyệt").click()
    head.goto(document_url)
    head.get_by_role("button", name="Duyệt", exact=True).click()
    expect(head.get_by_text("Không có dự thảo nào chờ duyệt.")).to_be_visible()  # on to the queue: it is empty
    head.goto(document_url)
    expect(head.get_by_text("Chờ lãnh đạo ký", exact=True)).to_be_visible()

    # The leader signs all with one confirmation and watches the batch finish.
    leader = sign_in(browser, site, "giamdoc")
    leader.get_by_role("link", name=re.compile("Sổ trình ký")).click()
    snap(leader, shots, "so-trinh-ky")
    leader.get_by_label("Nhập lại mật khẩu để xác nhận ký").fill(PASSWORD)  # re-authentication
    leader.once("dialog", lambda dialog: dialog.accept())
    leader.get_by_role("button", name=re.compile(r"Ký tất cả \(1\)")).click()
    expect(leader.get_by_role("status")).to_have_text("Đã ký 1/1.", timeout=60_000)
    expect(leader.get_by_text("Đã ký", exact=True)).to_be_visible()
    snap(leader, shots, "lo-ky")

    # The clerk issues it and sees the number it got.
    clerk = sign_in(browser, site, "vanthu")
    clerk.get_by_role("link", name=re.compile("Phát hành")).click()
    clerk.get_by_role("button", name="Phát hành tất cả (1)").click()
    expect(clerk.get_by_role("status")).to_have_text("1/1 văn bản xong.")
    expect(clerk.get_by_text("Số, ký hiệu 01/STNMT-VP")).to_be_visible()
    snap(clerk, shots, "phat-hanh")
    # The issued document reads in the page: its signed pages as images, the original PDF a click away.
    clerk.goto(document_url)
    expect(clerk.get_by_role("heading", name="Công văn số 01/STNMT-VP")).to_be_visible()
    first_page = clerk.get_by_role("img", name="Trang 1 của văn bản")
    expect(first_page).to_be_visible()
    first_page.scroll_into_view_if_needed()
    clerk.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=first_page.element_handle())
    assert first_page.evaluate("image => image.naturalWidth") > 500
    snap(clerk, shots, "van-ban")

    # The receiving unit marks its delivery done.
    unit = sign_in(browser, site, "chuyenvien_dd", PHONE)
    unit.goto(f"{site.url}/inbox")
    expect(unit.get_by_text("01/STNMT-VP")).to_be_visible(timeout=30_000)
    snap(unit, shots, "hop-thu")
    unit.get_by_role("button", name="Hoàn thành").click()
    expect(unit.get_by_role("status")).to_have_text(re.compile(r"^Văn bản 01/STNMT-VP «.*»: Hoàn thành\.$"))

    # The clerk's board shows it.
    clerk.get_by_role("link", name="Theo dõi gửi nhận").click()
    row = clerk.get_by_role("row", name=re.compile("Phòng Quản lý đất đai"))
    expect(row).to_contain_text("Hoàn thành")
    snap(clerk, shots, "theo-doi")
    # Search, accent-insensitive, from the menu's search box.
    clerk.get_by_label("Tìm văn bản").fill("tang cuong quan ly dat dai")
    clerk.get_by_label("Tìm văn bản").press("Enter")
    expect(clerk.get_by_text("1 văn bản trên trang này.")).to_be_visible()
    snap(clerk, shots, "tim-kiem")
    clerk.get_by_role("link", name="Sổ văn bản đi").click()
    expect(clerk.get_by_role("cell", name="01/STNMT-VP")).to_be_visible()
    snap(clerk, shots, "so-van-ban-di")
    admin = sign_in(browser, site, "admin")
    admin.get_by_role("link", name="Quản trị", exact=True).click()
    snap(admin, shots, "quan-tri")
    # The same board in English, one switch away.
    clerk.get_by_role("link", name="Theo dõi gửi nhận").click()
    clerk.get_by_role("button", name="English").click()
    expect(clerk.get_by_role("heading", name="Dispatch board")).to_be_visible()
    expect(clerk.get_by_role("row", name=re.compile("Phòng Quản lý đất đai"))).to_contain_text("Done")
    snap(clerk, shots, "theo-doi-en")
    assert len(list(shots.glob("*.png"))) >= 26


class Counted:
    """Clicks and page loads of one person's task in the browser (what the issue's figures count)."""

    def __init__(self, page: Page) -> None:
        self.page, self.clicks, self.loads = page, 0, 0
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.loads += 1

    def click(self, target: Any) -> None:
        self.clicks += 1
        target.click()


def no_sideways_scroll(page: Page) -> None:
    """At phone width nothing is wider than the screen."""
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: {width[0]} px wide at {width[1]}"
    header = page.evaluate("() => document.querySelector('header.top').getBoundingClientRect().height")
    assert header <= 100, f"{page.url}: the header takes {header} px"  # two lines: a ninth of the screen
    hint = page.evaluate(
        "() => { const nav = document.querySelector('header.top nav');"
        " return nav ? getComputedStyle(nav).maskImage || getComputedStyle(nav).webkitMaskImage : 'gradient'; }"
    )
    assert "gradient" in hint, f"{page.url}: the menu does not show that it scrolls"


def test_thirty_documents_read_and_signed_in_one_confirmation(browser: Browser, site: Instance, shots: Path) -> None:
    # Thirty drafts of the day reach the leader's signing book.
    leader_id = site.ok("giamdoc", "GET", "/api/v1/me")["id"]
    ids = []
    for n in range(30):
        draft = {
            "doc_type": "cong_van",
            "summary": f"văn bản thứ {n + 1:02d} của ngày",
            "body": f"Nội dung văn bản thứ {n + 1}./.",
            "signer_id": leader_id,
            "kinh_gui": ["Phòng Quản lý đất đai"],
            "noi_nhan": ["Như trên;", "Lưu: VT, VP."],
        }
        doc = site.ok("chuyenvien", "POST", "/api/v1/documents", draft)
        site.ok("chuyenvien", "POST", f"/api/v1/documents/{doc['id']}/actions/submit")
        ids.append(doc["id"])
    # The head of unit approves them all in one action.
    head = sign_in(browser, site, "truongphong")
    review = Counted(head)
    review.click(head.get_by_role("link", name=re.compile("Chờ duyệt")))
    review.click(head.get_by_label("Chọn tất cả"))
    review.click(head.get_by_role("button", name="Duyệt tất cả (30)"))
    expect(head.get_by_role("status")).to_have_text("30/30 văn bản xong.", timeout=120_000)
    print(f"\nhead of unit: approve 30 drafts: {review.clicks} clicks, {review.loads} page loads")
    assert review.clicks == 3

    # The drafter keeps a page open: the menu counts what comes back, without a reload.
    drafter = sign_in(browser, site, "chuyenvien")
    returned_counter = drafter.locator("span[data-live=returned]")
    returned_before = int(returned_counter.inner_text() or 0)

    # The leader reads three in the viewer, returns the third with a reason, leaves one out, signs the rest.
    leader = sign_in(browser, site, "giamdoc")
    to_sign = site.ok("giamdoc", "GET", "/api/v1/notifications?unread=1")["notifications"]
    assert sum(1 for n in to_sign if n["kind"] == "to_sign") >= 30  # one for each document to sign
    # The signing book's counter shows them; the bell does not count them a second time.
    waiting = len(site.ok("giamdoc", "GET", "/api/v1/signing-book")["documents"])
    expect(leader.locator("span[data-live=signing]")).to_have_text(str(waiting))
    expect(leader.locator("span[data-live=unread]")).to_be_hidden()
    task = Counted(leader)
    task.click(leader.get_by_role("link", name=re.compile("Sổ trình ký")))
    task.click(leader.get_by_role("link", name=re.compile("Đọc lần lượt")))
    expect(leader.get_by_text("Văn bản 1/30")).to_be_visible()
    expect(leader.get_by_role("img", name="Trang 1 của văn bản")).to_be_visible()
    snap(leader, shots, "doc-trinh-ky")
    leader.keyboard.press("ArrowRight")  # the next document, by the keyboard
    expect(leader.get_by_text("Văn bản 2/30")).to_be_visible()
    task.click(leader.get_by_role("link", name="Sau →"))
    expect(leader.get_by_text("Văn bản 3/30")).to_be_visible()
    returned = leader.get_by_role("heading", level=1).inner_text()
    leader.get_by_label("Lý do trả lại").fill("Bổ sung số liệu quý IV.")
    task.click(leader.get_by_role("button", name="Trả lại"))
    expect(leader.get_by_text("Văn bản 3/29")).to_be_visible()  # on to the next one
    expect(returned_counter).to_have_text(str(returned_before + 1), timeout=20_000)  # no reload: the page polls
    drafter.get_by_role("link", name="Thông báo").click()
    expect(
        drafter.get_by_text("Văn bản bị trả lại: «văn bản thứ 03 của ngày» — Bổ sung số liệu quý IV.")
    ).to_be_visible()
    task.click(leader.get_by_role("link", name="← Sổ trình ký"))
    read = leader.locator(".book .card", has=leader.get_by_text("Đã đọc", exact=True))
    expect(read).to_have_count(3)  # two read, and the one shown after the return; the returned one has left
    leader.wait_for_load_state()
    task.click(leader.get_by_role("checkbox", name="Ký văn bản này").nth(5))  # left for tomorrow
    expect(leader.get_by_role("button", name="Ký 28 văn bản đã chọn")).to_be_visible()
    leader.get_by_label("Nhập lại mật khẩu để xác nhận ký").fill(PASSWORD)
    leader.once("dialog", lambda dialog: dialog.accept())
    task.click(leader.get_by_role("button", name="Ký 28 văn bản đã chọn"))
    task.clicks += 1  # the confirmation dialog's OK
    expect(leader.get_by_role("status")).to_have_text("Đã ký 28/28.", timeout=120_000)
    expect(leader.get_by_text("1 trang").first).to_be_visible()  # each result with its pages, no hashes
    snap(leader, shots, "lo-ky-30")
    print(f"\nleader: 30 documents, 3 read, 1 returned, 1 left out: {task.clicks} clicks, {task.loads} page loads")
    assert task.clicks <= 8
    book = site.ok("giamdoc", "GET", "/api/v1/signing-book")["documents"]
    assert len(book) == 1  # the one left out waits in the book
    # The notices of the signed and the returned documents are resolved; the one left out's still waits.
    notices = site.ok("giamdoc", "GET", "/api/v1/notifications?unread=1")["notifications"]
    assert [n["document_id"] for n in notices if n["kind"] == "to_sign"] == [book[0]["id"]]
    drafts = site.ok("chuyenvien", "GET", "/api/v1/documents?state=drafting")["documents"]
    assert [d["return_reason"] for d in drafts if d["summary"] in returned] == ["Bổ sung số liệu quý IV."]

    # The clerk issues the batch in one action: numbers in the order shown, each result listed, following on
    # from whatever the register's earlier lines (other tests of this site) took.
    taken = [
        entry["number"]
        for register in site.ok("vanthu", "GET", "/api/v1/registers")["registers"]
        for entry in site.ok("vanthu", "GET", f"/api/v1/registers/{register['id']}/entries")["entries"]
        if (entry["symbol"] or "").endswith("/STNMT-VP")
    ]
    first = max(taken, default=0) + 1
    clerk = sign_in(browser, site, "vanthu")
    issuing = Counted(clerk)
    issuing.click(clerk.get_by_role("link", name=re.compile("Phát hành")))
    issuing.click(clerk.get_by_role("button", name="Phát hành tất cả (28)"))
    expect(clerk.get_by_role("status")).to_have_text("28/28 văn bản xong.", timeout=120_000)
    symbols = clerk.locator(".result.signed").all_inner_texts()
    assert symbols == [f"Số, ký hiệu {n:02d}/STNMT-VP" for n in range(first, first + 28)]
    snap(clerk, shots, "phat-hanh-lo")
    print(f"clerk: issue 28 signed documents: {issuing.clicks} clicks, {issuing.loads} page loads")
    assert issuing.clicks == 2

    # The returned document goes round again: the drafter sends it back unchanged from its page, the head
    # approves it, and the leader signs it with the one left out, confirming with the password.
    (back_id,) = [d["id"] for d in drafts if d["summary"] in returned]
    drafter.goto(f"{site.url}/documents/{back_id}")
    drafter.get_by_role("button", name="Trình duyệt").click()
    expect(drafter.get_by_role("status")).to_contain_text("Đã trình duyệt văn bản «")
    site.ok("truongphong", "POST", f"/api/v1/documents/{back_id}/actions/approve")
    leader.goto(f"{site.url}/signing")
    leader.get_by_label("Nhập lại mật khẩu để xác nhận ký").fill(PASSWORD)
    leader.once("dialog", lambda dialog: dialog.accept())
    leader.get_by_role("button", name="Ký tất cả (2)").click()
    expect(leader.get_by_role("status")).to_have_text("Đã ký 2/2.", timeout=120_000)
    assert site.ok("chuyenvien", "GET", f"/api/v1/documents/{back_id}")["state"] == "signed"

    # The clerk watches the board while the receiving unit works.
    clerk.get_by_role("link", name="Theo dõi gửi nhận").click()
    board = Counted(clerk)

    # The receiving unit opens a document from its inbox (03 recorded) and marks it done.
    issued = site.ok("vanthu", "GET", "/api/v1/documents?state=dispatched&limit=1")["documents"][0]
    assert issued["symbol"] == "29/STNMT-VP"  # the newest, at the top of the inbox
    unit = sign_in(browser, site, "chuyenvien_dd", PHONE)
    work = Counted(unit)
    unit.goto(f"{site.url}/inbox")
    card = unit.locator(".card", has=unit.get_by_text(issued["symbol"]))
    expect(card).to_be_visible(timeout=30_000)
    expect(card).to_contain_text("Để thực hiện")
    expect(card.get_by_role("link", name="Mở văn bản")).to_be_visible()
    no_sideways_scroll(unit)
    snap(unit, shots, "hop-thu-30")
    work.click(card.get_by_role("link", name="Mở văn bản"))
    panel = unit.locator(".recipient")
    expect(panel).to_contain_text("Đã tiếp nhận")
    no_sideways_scroll(unit)
    deliveries = site.ok("vanthu", "GET", f"/api/v1/documents/{issued['id']}/deliveries")["deliveries"]
    assert [d["status"] for d in deliveries if d["recipient"]["kind"] == "unit"] == ["03"]
    work.click(panel.get_by_role("button", name="Hoàn thành"))
    # Named, since the page that follows is the next document's.
    expect(unit.get_by_role("status")).to_have_text(re.compile(rf"^Văn bản {issued['symbol']} «.*»: Hoàn thành\.$"))
    deliveries = site.ok("vanthu", "GET", f"/api/v1/documents/{issued['id']}/deliveries")["deliveries"]
    assert [d["status"] for d in deliveries if d["recipient"]["kind"] == "unit"] == ["06"]
    print(f"receiving unit: open from the inbox and finish: {work.clicks} clicks, {work.loads} page loads")
    assert work.clicks <= 2
    # The clerk's board shows it done without a reload.
    row = clerk.locator("section.card", has=clerk.get_by_role("link", name="29/STNMT-VP")).get_by_role(
        "row", name=re.compile("Phòng Quản lý đất đai")
    )
    expect(row).to_contain_text("Hoàn thành", timeout=20_000)
    assert board.loads == 0


def test_no_page_of_the_day_scrolls_sideways_on_a_phone(browser: Browser, site: Instance) -> None:
    book = site.ok("giamdoc", "GET", "/api/v1/signing-book")["documents"]
    issued = site.ok("vanthu", "GET", "/api/v1/documents?state=dispatched&limit=1")["documents"][0]
    register = site.ok("vanthu", "GET", "/api/v1/registers")["registers"][0]
    pages = {
        "chuyenvien": ["/", "/documents", "/documents/new", "/notifications", f"/documents/{issued['id']}"],
        "truongphong": ["/review"],
        "giamdoc": ["/signing", *([f"/signing/read/{book[0]['id']}"] if book else []), "/signing/batches/1"],
        "vanthu": [
            "/issue",
            "/board",
            "/board?show=attention",
            "/notifications",
            "/registers",
            "/incoming",
            "/search?q=van+ban",
            "/search",
            f"/documents/{issued['id']}",
            "/account",
        ],
        "chuyenvien_dd": ["/inbox", "/inbox?view=all", f"/documents/{issued['id']}"],
        "admin": ["/admin", "/admin/agency-names"],
    }
    assert register
    for user, paths in pages.items():
        page = sign_in(browser, site, user, PHONE)
        for path in paths:
            page.goto(f"{site.url}{path}")
            no_sideways_scroll(page)
        page.context.close()


def test_grave_steps_ask_first_naming_the_document(browser: Browser, site: Instance) -> None:
    """At desk and phone width: withdrawing asks first, naming the document; dismissed, nothing happens."""
    draft = site.ok(
        "chuyenvien",
        "POST",
        "/api/v1/documents",
        {
            "doc_type": "cong_van",
            "summary": "dự thảo để thử hỏi trước khi rút",
            "body": "Nội dung./.",
            "signer_id": site.ok("giamdoc", "GET", "/api/v1/me")["id"],
            "kinh_gui": ["Phòng Quản lý đất đai"],
            "noi_nhan": ["Như trên;", "Lưu: VT, VP."],
        },
    )
    for size in (DESKTOP, PHONE):
        page = sign_in(browser, site, "chuyenvien", size)
        page.goto(f"{site.url}/documents/{draft['id']}")
        asked: list[str] = []
        page.once("dialog", lambda dialog, asked=asked: (asked.append(dialog.message), dialog.dismiss()))
        page.get_by_role("button", name="Rút văn bản").click()  # returns once the dialog was answered
        assert asked and "«dự thảo để thử hỏi trước khi rút»" in asked[0] and "không trình duyệt" in asked[0]
        assert site.ok("chuyenvien", "GET", f"/api/v1/documents/{draft['id']}")["state"] == "drafting"
        page.context.close()
