"""The national receipt statuses of a delivery (Decree 30 and the exchange's status packages) as one table: code,
label, progress rank, whether it ends the delivery, and who sets it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    """One receipt status."""

    code: str
    label: str
    rank: int  # progress order; breaks ties between statuses stamped with the same time
    final: bool  # the delivery leaves the recipient's open list
    set_by: str  # arrival (by itself on arrival) | recipient | recall_answer | sender


TABLE = (
    Status("01", "Đã đến", 1, False, "arrival"),
    Status("02", "Từ chối tiếp nhận", 2, True, "recipient"),
    Status("03", "Đã tiếp nhận", 2, False, "recipient"),
    Status("04", "Phân công", 3, False, "recipient"),
    Status("05", "Đang xử lý", 4, False, "recipient"),
    Status("06", "Hoàn thành", 5, True, "recipient"),
    Status("13", "Yêu cầu thu hồi", 0, True, "sender"),
    Status("16", "Từ chối thu hồi", 6, False, "recall_answer"),
    Status("15", "Đồng ý thu hồi", 7, True, "recall_answer"),
)
BY_CODE = {s.code: s for s in TABLE}

LABELS = {s.code: s.label for s in TABLE}
FINAL = tuple(s.code for s in TABLE if s.final)
# What a member of a receiving unit may set by hand, and what another agency's status packages may carry.
RECIPIENT_CODES = tuple(s.code for s in TABLE if s.set_by == "recipient")
RECEIVER_CODES = tuple(s.code for s in TABLE if s.set_by in ("arrival", "recipient", "recall_answer"))
RECALL_ANSWERS = tuple(s.code for s in TABLE if s.set_by == "recall_answer")


def rank(code: str | None) -> int:
    """Progress rank of a status (none yet: 0)."""
    return BY_CODE[code].rank if code in BY_CODE else 0


def advances(code: str, moment: dt.datetime, recorded: str | None, recorded_at: dt.datetime | None) -> bool:
    """Whether a received status replaces the recorded one. An end (02, 06, 15) is left only for a status further
    on; along the receiving steps (01 … 06) the statuses' order decides whatever the times say (a late 05 never
    undoes a 06), the time only between equals; a recall answer (16) and the steps after it go by time, the
    order breaking ties."""
    if recorded_at is None or recorded not in BY_CODE:
        return True
    if recorded in FINAL:
        return rank(code) > rank(recorded)
    if code not in RECALL_ANSWERS and recorded not in RECALL_ANSWERS and rank(code) != rank(recorded):
        return rank(code) > rank(recorded)
    return moment > recorded_at or (moment == recorded_at and rank(code) > rank(recorded))


# The states of an incoming document in our agency, with their labels.
INCOMING_LABELS = {
    "received": "Đã đến, chờ vào sổ",
    "returned": "Đã trả lại",
    "registered": "Đã vào sổ văn bản đến",
    "assigned": "Đã phân công",
    "in_progress": "Đang xử lý",
    "done": "Hoàn thành",
    "recalled": "Đã thu hồi",
    "replaced": "Đã được thay thế",
}
# How a document registered by the clerk came (the exchange and imported packages register themselves).
RECEIVED_VIA = {"paper": "Bản giấy", "email": "Thư điện tử", "hand": "Nhận trực tiếp", "other": "Khác"}
ARRIVED_VIA = {"exchange": "Trục liên thông", "import": "Tệp gói tin edXML", **RECEIVED_VIA}
# States in which a document is gone from everyone's lists (kept for the record).
INCOMING_GONE = ("recalled", "replaced")
