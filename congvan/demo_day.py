"""One working day through the JSON API, as the demo users: used by `congvan demo-day` and the tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

PASSWORD = "congvan-demo"  # noqa: S105 - the demo password the README documents

BODIES = [
    "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về tiếp tục thực hiện công tác phòng, chống dịch COVID-19, "
    "Giám đốc Sở Tài nguyên và Môi trường yêu cầu công chức, viên chức và người lao động tuyệt đối không chủ "
    "quan, lơ là; thực hiện nghiêm chỉ đạo, hướng dẫn của Chính phủ, Bộ Y tế và Ủy ban nhân dân tỉnh.\n"
    "Các phòng, đơn vị tăng cường hướng dẫn tổ chức, cá nhân thực hiện thủ tục hành chính qua dịch vụ công "
    "trực tuyến và dịch vụ bưu chính công ích; báo cáo kết quả về Văn phòng Sở trước ngày 30 hằng tháng./.",
    "Để thực hiện kịp thời, hiệu quả các biện pháp phòng, chống dịch tại cơ quan Sở, đề nghị công chức, viên "
    "chức, người lao động khai báo y tế đầy đủ, đeo khẩu trang đúng cách tại cơ quan và nơi công cộng, không "
    "tụ tập đông người; khuyến khích gửi, nhận văn bản điện tử và ký số trên hệ thống quản lý văn bản./.",
    "Văn bản đi cần phát hành (trừ văn bản gấp, cần trình ký, ban hành ngay) được tập trung tại Văn thư để "
    "trình lãnh đạo Sở ký vào cuối giờ làm việc; văn bản được đăng ký, phát hành và gửi ngay trong ngày./.",
]

SUMMARIES = [
    ("cong_van", "tiếp tục thực hiện công tác phòng, chống dịch COVID-19"),
    ("thong_bao", "Về việc tăng cường công tác phòng, chống dịch COVID-19 tại cơ quan Sở"),
    ("ke_hoach", "Triển khai gửi, nhận văn bản điện tử và ký số năm 2026"),
    ("cong_van", "đôn đốc báo cáo kết quả cấp giấy chứng nhận quyền sử dụng đất"),
    ("bao_cao", "Kết quả thực hiện nhiệm vụ tháng 11 năm 2026"),
    ("giay_moi", "Họp giao ban công tác chuyển đổi số"),
]


T = TypeVar("T")


class Api(Protocol):
    """Something that sends one JSON API request as a user and returns (status, body)."""

    def __call__(self, method: str, path: str, token: str | None = None, json: Any = None) -> tuple[int, Any]: ...


class DayFailed(Exception):
    """A step of the day did not give the expected answer."""


@dataclass
class DayRecord:
    """What happened during the day, for printing and for the tests to check."""

    tokens: dict[str, str] = field(default_factory=dict)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: list[int] = field(default_factory=list)
    urgent: int | None = None
    returned: list[int] = field(default_factory=list)
    batch_id: int | None = None
    issued: dict[int, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _expect(result: tuple[int, Any], status: int, what: str) -> Any:
    code, body = result
    if code != status:
        raise DayFailed(f"{what}: HTTP {code} {body}")
    return body


@dataclass
class _Day:
    """The API, the record and the step helpers of one run."""

    api: Api
    say: Callable[[str], None]
    record: DayRecord = field(default_factory=DayRecord)

    def call(self, method: str, path: str, user: str | None, body: Any, status: int, what: str) -> Any:
        token = self.record.tokens[user] if user else None
        return _expect(self.api(method, path, token, body), status, what)

    def action(self, user: str, doc_id: int, name: str, reason: str | None = None) -> Any:
        # A signature is confirmed with the leader's password again, as the pages ask for it.
        body = ({"reason": reason} if reason else {}) | ({"password": PASSWORD} if name == "sign" else {}) or None
        return self.call(
            "POST", f"/api/v1/documents/{doc_id}/actions/{name}", user, body, 200, f"{name} văn bản {doc_id}"
        )

    def login(self, users: list[str]) -> None:
        for user in users:
            body = self.call(
                "POST", "/api/v1/auth/login", None, {"username": user, "password": PASSWORD}, 200, f"đăng nhập {user}"
            )
            self.record.tokens[user], self.record.people[user] = body["token"], body["person"]
        self.say(f"Đăng nhập {len(users)} người dùng.")

    def draft(self, count: int) -> None:
        leader_id = self.record.people["giamdoc"]["id"]
        for i in range(count):
            doc_type, summary = SUMMARIES[i % len(SUMMARIES)]
            payload = {
                "doc_type": doc_type,
                "summary": f"{summary} (số {i + 1})",
                "body": BODIES[i % len(BODIES)],
                "urgency": "khan" if i == 0 else "thuong",
                "signer_id": leader_id,
                "kinh_gui": ["Các phòng, đơn vị trực thuộc Sở"] if doc_type == "cong_van" else [],
                "noi_nhan": [
                    "Như trên;",
                    "UBND tỉnh (b/c);",
                    "Lãnh đạo Sở;",
                    "Phòng Quản lý đất đai (thực hiện);",
                    "Sở Nội vụ;",
                    "Lưu: VT, VP.",
                ],
            }
            doc = self.call("POST", "/api/v1/documents", "chuyenvien", payload, 201, "tạo dự thảo")
            self.record.documents.append(doc["id"])
        self.record.urgent = self.record.documents[0]
        self.say(f"Chuyên viên tạo {count} dự thảo (1 văn bản khẩn).")

    def review(self, returned: int) -> None:
        day = self.record
        for doc_id in day.documents:
            self.action("chuyenvien", doc_id, "submit")
        day.returned = day.documents[1 : 1 + returned]
        for doc_id in day.returned:
            self.action("truongphong", doc_id, "return", "Đề nghị bổ sung thời hạn báo cáo.")
            body = {"body": BODIES[0] + "\nThời hạn báo cáo: trước ngày 25/11/2026./."}
            self.call("POST", f"/api/v1/documents/{doc_id}/versions", "chuyenvien", body, 201, "sửa dự thảo")
            self.action("chuyenvien", doc_id, "submit")
        for doc_id in day.documents:
            self.action("truongphong", doc_id, "approve")
        self.say(f"Lãnh đạo phòng trả lại {len(day.returned)} dự thảo, chuyên viên sửa và trình lại; duyệt tất cả.")

    def urgent(self) -> None:
        day = self.record
        assert day.urgent is not None
        started = time.perf_counter()
        self.action("giamdoc", day.urgent, "sign")
        body = self.action("vanthu", day.urgent, "issue")
        day.timings["urgent_sign_issue_s"] = time.perf_counter() - started
        day.issued[day.urgent] = body["document"]["symbol"]
        self.say(f"Văn bản khẩn ký và phát hành ngay: {body['document']['symbol']}.")

    def batch(self, timeout: float) -> None:
        day = self.record
        leader_id = day.people["giamdoc"]["id"]
        batch = self.call("POST", "/api/v1/signing-batches", "vanthu", {"leader_id": leader_id}, 201, "lập lô trình ký")
        day.batch_id = batch["id"]
        self.say(f"Văn thư lập lô trình ký cuối ngày: {batch['count']} văn bản.")
        started = time.perf_counter()
        confirm = f"/api/v1/signing-batches/{day.batch_id}/confirm"
        self.call("POST", confirm, "giamdoc", {"password": PASSWORD}, 202, "xác nhận lô (nhập lại mật khẩu)")
        deadline = time.monotonic() + timeout
        while batch["state"] not in ("done", "partial"):
            if time.monotonic() > deadline:
                raise DayFailed(f"lô trình ký chưa xong sau {timeout} giây: {batch['counts']}")
            time.sleep(0.1)
            batch = self.call("GET", f"/api/v1/signing-batches/{day.batch_id}", "giamdoc", None, 200, "xem lô")
        day.timings["batch_sign_s"] = time.perf_counter() - started
        if batch["state"] != "done":
            raise DayFailed(f"lô trình ký có văn bản lỗi: {batch['counts']}")
        self.say(
            f"Giám đốc xác nhận một lần; ký xong {batch['count']} văn bản trong {day.timings['batch_sign_s']:.2f} s."
        )

    def issue(self) -> None:
        day = self.record
        started = time.perf_counter()
        for doc_id in day.documents:
            if doc_id != day.urgent:
                day.issued[doc_id] = self.action("vanthu", doc_id, "issue")["document"]["symbol"]
        day.timings["issue_rest_s"] = time.perf_counter() - started
        shown = ", ".join(list(day.issued.values())[:6])
        self.say(
            f"Văn thư phát hành {len(day.issued) - 1} văn bản trong {day.timings['issue_rest_s']:.2f} s: {shown} ..."
        )

    def receipts(self) -> None:
        day = self.record
        # This day's documents only: the unit's inbox also holds earlier days' (the demo may run again).
        inbox = _wait_for_inbox(self.api, day.tokens["chuyenvien_dd"], set(day.documents))
        for delivery in inbox[:3]:
            for code in ("03", "05", "06"):
                self.call(
                    "POST",
                    f"/api/v1/deliveries/{delivery['id']}/status",
                    "chuyenvien_dd",
                    {"status": code},
                    200,
                    f"cập nhật trạng thái {code}",
                )
        self.say(f"Phòng Quản lý đất đai nhận {len(inbox)} văn bản; hoàn thành xử lý 3 văn bản.")
        board = self.call(
            "GET", f"/api/v1/documents/{day.documents[-1]}/deliveries", "vanthu", None, 200, "bảng theo dõi"
        )
        for delivery in board["deliveries"]:
            went = delivery["sending_label"]
            status = f"; {delivery['status_label']}" if delivery["sending"] == "sent" else ""
            self.say(f"  {delivery['recipient']['label']}: {went}{status}")


def run_day(
    api: Api,
    drafts: int = 20,
    returned: int = 2,
    say: Callable[[str], None] = lambda _: None,
    batch_timeout: float = 300.0,
) -> DayRecord:
    """Drafts, review with returns, one urgent signed at once, one batch, issuance, receipts."""
    day = _Day(api, say)
    day.login(["chuyenvien", "truongphong", "giamdoc", "vanthu", "chuyenvien_dd", "truongphong_dd"])
    day.draft(drafts)
    day.review(returned)
    day.urgent()
    day.batch(batch_timeout)
    day.issue()
    day.receipts()
    return day.record


def run_exchange(
    ours: Api,
    partner: Api,
    ours_name: str,
    partner_name: str,
    say: Callable[[str], None] = lambda _: None,
    timeout: float = 90.0,
) -> dict[str, Any]:
    """Two agencies through the exchange: the partner takes our latest document addressed to it and answers every
    status (03 to 06); then it sends us one, which our clerk registers, our leader assigns to a unit, a person and
    one for information, the unit's head passes on, and our specialist answers — the answer arriving back at the
    partner linked to its document. Returns what was made."""
    us, them = _Day(ours, say), _Day(partner, say)
    us.login(["chuyenvien_dd", "truongphong_dd", "giamdoc", "vanthu", "chuyenvien_cntt"])
    say(f"Đăng nhập ở {ours_name} và ở {partner_name}.")
    them.login(["chuyenvien", "truongphong", "giamdoc", "vanthu", "truongphong_dd"])
    sent = _wait(
        lambda: [
            i
            for i in them.call("GET", "/api/v1/incoming", "vanthu", None, 200, "văn bản đến")["incoming"]
            if i["state"] == "received" and not i["signatures"].get("attention")  # a clean one: no reason needed
        ],
        timeout,
        f"văn bản của {ours_name} đến {partner_name}",
    )[0]
    path = f"/api/v1/incoming/{sent['id']}/actions"
    them.call("POST", f"{path}/register", "vanthu", None, 200, "vào sổ văn bản đến")
    lead = {"assignees": [{"unit_id": _unit_of(them, "QLDD"), "role": "lead"}], "instruction": "Phòng QLĐĐ xử lý."}
    them.call("POST", f"{path}/assign", "giamdoc", lead, 200, "phân công xử lý")
    them.call("POST", f"{path}/progress", "truongphong_dd", {"progress": "working"}, 200, "bắt đầu xử lý")
    them.call("POST", f"{path}/progress", "truongphong_dd", {"progress": "done"}, 200, "hoàn thành")
    say(f"{partner_name} nhận văn bản {sent['symbol']}: vào sổ (03), phân công (04), xử lý (05), hoàn thành (06).")
    steps = _wait(lambda: _statuses_back(us, sent["symbol"]), timeout, f"trạng thái 06 của {partner_name}")
    say(f"  Bảng theo dõi của {ours_name}: {partner_name} " + " → ".join(steps))

    asked = _issued(them, "đề nghị cung cấp số liệu quy hoạch sử dụng đất năm 2026", [ours_name])
    arrived = _wait(
        lambda: [
            i
            for i in us.call("GET", "/api/v1/incoming", "vanthu", None, 200, "văn bản đến")["incoming"]
            if i["symbol"] == asked["symbol"]
        ],
        timeout,
        f"văn bản của {partner_name} đến {ours_name}",
    )[0]
    path = f"/api/v1/incoming/{arrived['id']}/actions"
    us.call("POST", f"{path}/register", "vanthu", None, 200, "vào sổ văn bản đến")
    people = us.call("GET", "/api/v1/directory", "vanthu", None, 200, "danh bạ")["people"]
    person = {p["username"]: p["id"] for p in people}
    instruction = {
        "instruction": "Giao Phòng Quản lý đất đai chủ trì, đồng chí Huy (CNTT) phối hợp số liệu; Văn phòng biết.",
        "assignees": [
            {"unit_id": _unit_of(us, "QLDD"), "role": "lead"},
            {"person_id": person["chuyenvien_cntt"], "role": "support"},
            {"unit_id": _unit_of(us, "VP"), "role": "info"},
        ],
    }
    us.call("POST", f"{path}/assign", "giamdoc", instruction, 200, "bút phê")
    forward = {"person_id": person["chuyenvien_dd"], "note": "Đồng chí Nam tham mưu văn bản trả lời."}
    us.call("POST", f"{path}/forward", "truongphong_dd", forward, 200, "chuyển chuyên viên")
    report = {"progress": "done", "note": "Đã tổng hợp số liệu hạ tầng dữ liệu."}
    us.call("POST", f"{path}/progress", "chuyenvien_cntt", report, 200, "báo cáo phối hợp")
    answer = _issued(
        us,
        f"trả lời Văn bản số {asked['symbol']} về số liệu quy hoạch sử dụng đất",
        [partner_name],
        drafter="chuyenvien_dd",
        reviewer="truongphong_dd",
        replies_to=arrived["id"],
    )
    say(
        f"{ours_name} nhận {asked['symbol']}: vào sổ, bút phê (chủ trì, phối hợp, để biết), chuyển chuyên viên, "
        f"trả lời bằng {answer['symbol']}."
    )
    linked = _wait(
        lambda: [
            i
            for i in them.call("GET", "/api/v1/incoming", "vanthu", None, 200, "văn bản đến")["incoming"]
            if i["symbol"] == answer["symbol"] and i["answers_document_id"] == asked["id"]
        ],
        timeout,
        f"văn bản trả lời đến {partner_name}",
    )[0]
    say(f"{partner_name} nhận văn bản trả lời {linked['symbol']}, gắn với văn bản {asked['symbol']} của mình.")
    return {"sent": sent, "asked": asked, "arrived": arrived, "answer": answer, "linked": linked}


def _statuses_back(day: _Day, symbol: str) -> list[str]:
    """The statuses an agency sent back for our document, as the board shows them, once it reached 06."""
    board = day.call("GET", "/api/v1/dispatch-board?limit=50", "vanthu", None, 200, "bảng theo dõi")
    for row in board["documents"]:
        if row["document"]["symbol"] != symbol:
            continue
        for recipient in row["recipients"]:
            codes = [h["status"] for h in recipient["history"]]
            if recipient["recipient"]["kind"] == "agency" and "06" in codes:
                return [f"{h['status']} {h['label']}" for h in recipient["history"]]
    return []


def _unit_of(day: _Day, code: str) -> int:
    agencies = day.call("GET", "/api/v1/directory", "vanthu", None, 200, "danh bạ")["agencies"]
    return int(next(u["id"] for a in agencies for u in a.get("units") or [] if u["code"] == code))


def _issued(
    day: _Day,
    summary: str,
    kinh_gui: list[str],
    drafter: str = "chuyenvien",
    reviewer: str = "truongphong",
    replies_to: int | None = None,
) -> dict[str, Any]:
    """A document drafted, approved, signed and issued at once; returned as issued."""
    payload = {
        "doc_type": "cong_van",
        "summary": summary,
        "body": BODIES[0],
        "signer_id": day.record.people["giamdoc"]["id"],
        "kinh_gui": kinh_gui,
        "noi_nhan": ["Như trên;", "Lưu: VT."],
        "replies_to_incoming_id": replies_to,
    }
    doc = day.call("POST", "/api/v1/documents", drafter, payload, 201, "tạo dự thảo")
    for name, user in (("submit", drafter), ("approve", reviewer), ("sign", "giamdoc")):
        day.action(user, doc["id"], name)
    return dict(day.action("vanthu", doc["id"], "issue")["document"])


def _wait(found: Callable[[], list[T]], timeout: float, what: str) -> list[T]:
    deadline = time.monotonic() + timeout
    while True:
        rows = found()
        if rows:
            return rows
        if time.monotonic() > deadline:
            raise DayFailed(f"chưa thấy {what} sau {timeout:.0f} giây")
        time.sleep(0.5)


def _wait_for_inbox(api: Api, token: str, documents: set[int], timeout: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        inbox: list[dict[str, Any]] = _expect(api("GET", "/api/v1/inbox", token), 200, "hộp thư đơn vị")["deliveries"]
        inbox = [d for d in inbox if d["document"]["id"] in documents]
        if len(inbox) >= len(documents) or time.monotonic() > deadline:
            return inbox
        time.sleep(0.2)


def http_api(base_url: str) -> Api:
    """An Api over HTTP with requests."""
    import requests

    session = requests.Session()

    def call(method: str, path: str, token: str | None = None, json: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = session.request(method, base_url.rstrip("/") + path, json=json, headers=headers, timeout=120)
        return response.status_code, response.json()

    return call


def run(base_url: str, drafts: int, say: Callable[[str], None], partner_url: str = "") -> int:
    """Run the day against a service (and, with a partner agency's service, the exchange between them); print each
    step; return an exit code."""
    try:
        day = run_day(http_api(base_url), drafts=drafts, returned=min(2, max(drafts - 2, 0)), say=say)
        if partner_url:
            say(f"Liên thông với cơ quan thứ hai ({partner_url}) qua trục:")
            run_exchange(http_api(base_url), http_api(partner_url), "Sở Tài nguyên và Môi trường", "UBND tỉnh", say)
    except DayFailed as exc:
        say(f"THẤT BẠI: {exc}")
        return 1
    except OSError as exc:
        say(f"Không kết nối được {base_url}: {exc}")
        return 1
    say("Thời gian: " + ", ".join(f"{k} = {v:.2f}" for k, v in day.timings.items()))
    return 0
