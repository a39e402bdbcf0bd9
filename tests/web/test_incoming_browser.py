"""The incoming chain in a real browser (Chromium) against the service as it runs (gunicorn, an rq worker that
reads scans with Tesseract, the scheduler): a scanned letter registered and found by its words, the leader's
instruction to a unit, a person and one for information, passed on, more time asked and granted, a reminder,
the answer drafted from the document, the reports — on a desktop and on a phone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.network import STNMT, Instance, make_instance
from tests.support.scans import scanned
from tests.web.test_day_in_browser import browser, no_sideways_scroll, sign_in  # noqa: F401 - a fixture

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, redis_url: str, password_hash: str) -> Iterator[Instance]:
    base = tmp_path_factory.mktemp("incoming-web")
    instance, _ = make_instance(base, "web", redis_url.rsplit("/", 1)[0] + "/10", password_hash, STNMT)
    instance.start()
    yield instance
    instance.stop()


def _day(offset: int) -> str:
    return f"{dt.date.today() + dt.timedelta(days=offset):%d/%m/%Y}"


def test_the_incoming_chain_in_the_browser(browser: Browser, site: Instance, tmp_path: Path) -> None:  # noqa: F811
    scan = tmp_path / "cong-van-1002.pdf"
    scan.write_bytes(scanned())

    # The clerk registers a scanned paper letter; it gets the next number of the register.
    clerk = sign_in(browser, site, "vanthu")
    clerk.goto(f"{site.url}/incoming")
    clerk.get_by_role("link", name="Vào sổ văn bản đến").click()
    clerk.get_by_label("Bản quét hoặc tệp PDF của văn bản").set_input_files(str(scan))
    clerk.get_by_label("Cơ quan gửi").fill("Sở Lao động - Thương binh và Xã hội tỉnh Đắk Nông")
    clerk.get_by_label("Số, ký hiệu").fill("1002/SLĐTBXH-VP")
    clerk.get_by_label("Ngày văn bản").fill(_day(-1))
    clerk.get_by_label("Trích yếu").fill("tiếp tục tăng cường công tác phòng, chống dịch Covid-19")
    clerk.get_by_label("Nhận qua").select_option("paper")
    clerk.get_by_role("button", name="Vào sổ").click()
    expect(clerk.get_by_text("Đã vào sổ văn bản đến số 1.")).to_be_visible()
    expect(clerk.get_by_text("Chữ ký số: không có chữ ký số")).to_be_visible()
    incoming_url = clerk.url
    incoming_id = int(incoming_url.rstrip("/").rsplit("/", 1)[1])
    # The worker reads the scan's words: the search box finds what only the image shows, without accents.
    clerk.goto(f"{site.url}/incoming")
    for _ in range(60):
        clerk.get_by_label("Tìm văn bản đến").fill("khau trang")
        clerk.get_by_role("button", name="Tìm").click()
        if clerk.get_by_role("link", name=re.compile("tăng cường công tác phòng")).count():
            break
        clerk.wait_for_timeout(1000)
    expect(clerk.get_by_role("link", name=re.compile("tăng cường công tác phòng"))).to_be_visible()
    clerk.goto(incoming_url)
    expect(clerk.get_by_role("link", name="Bản quét có lớp chữ (chọn, tìm được chữ)")).to_be_visible()

    # The leader's instruction: the land unit leads, a person supports, the office is told.
    leader = sign_in(browser, site, "giamdoc")
    leader.goto(incoming_url)
    leader.get_by_label("Ý kiến chỉ đạo").fill("Giao Phòng Quản lý đất đai chủ trì; đồng chí Huy phối hợp.")
    leader.get_by_label("Vai trò của Phòng Quản lý đất đai").select_option("lead")
    leader.get_by_label("Hạn xử lý của Phòng Quản lý đất đai").fill(_day(10))
    leader.get_by_label("Vai trò của Văn phòng Sở").select_option("info")
    leader.get_by_text("Giao cho cá nhân").click()
    leader.get_by_label("Vai trò của Ngô Quang Huy").select_option("support")
    leader.get_by_label("Hạn xử lý của Ngô Quang Huy").fill(_day(7))
    leader.get_by_role("button", name="Phân công xử lý").click()
    expect(leader.get_by_text("Đã cập nhật: Đã phân công.")).to_be_visible()
    leader.goto(incoming_url)
    expect(leader.locator("blockquote.instruction")).to_have_text(re.compile("chủ trì"))
    expect(leader.locator("table.parts")).to_contain_text("Để biết")

    # The land unit's head sees it in "Văn bản đến được giao" and passes it on within the unit's deadline.
    head = sign_in(browser, site, "truongphong_dd")
    head.get_by_role("link", name=re.compile("văn bản đến được giao chưa xong")).click()
    head.get_by_role("link", name=re.compile("tăng cường công tác phòng")).click()
    head.get_by_label("Chuyển cho chuyên viên").select_option(label="Đỗ Văn Nam")
    head.get_by_label("Hạn xử lý", exact=True).last.fill(_day(8))
    head.get_by_role("button", name="Chuyển xử lý").click()
    expect(head.get_by_text("Đã chuyển văn bản cho người xử lý.")).to_be_visible()

    # The specialist asks for more time; the head grants it; the clerk reminds the supporting person.
    specialist = sign_in(browser, site, "chuyenvien_dd")
    specialist.goto(incoming_url)
    specialist.get_by_label("Đề nghị gia hạn đến").fill(_day(9))
    specialist.locator("#wanted-reason").fill("Chờ số liệu của các huyện.")
    specialist.get_by_role("button", name="Xin gia hạn").click()
    expect(specialist.get_by_text("Đã gửi đề nghị gia hạn.")).to_be_visible()
    head.goto(incoming_url)
    head.get_by_role("button", name="Đồng ý gia hạn").click()
    expect(head.get_by_text("Đã đồng ý gia hạn.")).to_be_visible()
    clerk.goto(incoming_url)
    clerk.get_by_role("button", name="Nhắc Ngô Quang Huy").click()
    expect(clerk.get_by_text("Đã nhắc xử lý.")).to_be_visible()
    clerk.goto(incoming_url)
    expect(clerk.locator("table.parts")).to_contain_text("đã nhắc 1 lần")

    # The specialist drafts the answer from the document: the form comes filled in and linked.
    specialist.goto(incoming_url)
    specialist.get_by_role("link", name="Soạn văn bản trả lời").click()
    expect(specialist.get_by_text(re.compile("Văn bản trả lời văn bản đến số 1002/SLĐTBXH-VP"))).to_be_visible()
    expect(specialist.get_by_label("Trích yếu")).to_have_value(re.compile("trả lời văn bản số 1002/SLĐTBXH-VP"))
    specialist.get_by_label("Nội dung (hệ thống dàn trang theo Nghị định 30)").fill(
        "Sở Tài nguyên và Môi trường báo cáo kết quả thực hiện như sau./."
    )
    specialist.get_by_role("button", name="Lưu và trình").click()
    expect(specialist.get_by_text("Đã tạo dự thảo và trình duyệt.")).to_be_visible()
    answer_id = int(re.findall(r"/documents/(\d+)", specialist.url)[0])
    site.ok("truongphong_dd", "POST", f"/api/v1/documents/{answer_id}/actions/approve")
    site.ok("giamdoc", "POST", f"/api/v1/documents/{answer_id}/actions/sign", {"password": "congvan-demo"})
    site.ok("vanthu", "POST", f"/api/v1/documents/{answer_id}/actions/issue")
    clerk.goto(incoming_url)
    expect(clerk.get_by_text("Đã trả lời bằng văn bản đi.")).to_be_visible()
    expect(clerk.get_by_text("Hoàn thành").first).to_be_visible()
    assert site.ok("vanthu", "GET", f"/api/v1/incoming/{incoming_id}")["state"] == "done"

    # The leader reads the report: the chart and the land unit's line.
    leader.goto(f"{site.url}/reports?kind=incoming&by=unit")
    expect(leader.locator("svg.chart")).to_be_visible()
    expect(leader.get_by_role("cell", name="Phòng Quản lý đất đai")).to_be_visible()
    # On a phone, none of these pages scrolls sideways.
    for page, path in (
        (clerk, "/incoming"),
        (clerk, "/incoming/new"),
        (clerk, f"/incoming/{incoming_id}"),
        (leader, "/reports"),
        (head, "/incoming/mine"),
    ):
        page.goto(f"{site.url}{path}")
        no_sideways_scroll(page)
    for page in (clerk, leader, head, specialist):
        page.context.close()
