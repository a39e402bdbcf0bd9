"""What each request of routing's part of the JSON API (deliveries, the dispatch board, incoming documents,
webhooks) may carry, as pydantic models, like workflow/schemas.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field

from routing.deliveries.statuses import INCOMING_LABELS
from workflow.web.schemas import (
    Id,
    Lines,
    OptionalDate,
    OptionalId,
    PageQuery,
    Request,
    Text,
    coded,
    empty_is_none,
    enum,
    one_of,
)

IncomingState = Annotated[str, one_of(INCOMING_LABELS, "invalid_state", "Trạng thái"), enum(INCOMING_LABELS)]
# The year of the incoming register (absent: all years for a list, this year for the register).
Year = Annotated[int | None, BeforeValidator(empty_is_none)]


# --- requests -------------------------------------------------------------------------------------------


PaperWay = Annotated[str, one_of(("post", "hand"), "invalid_way", "Cách gửi"), enum(("post", "hand"))]


class PaperIn(Request):
    """The paper copy sent to a recipient not reached electronically: how, by whom, when (absent: now)."""

    way: PaperWay = Field(title="cách gửi")
    carrier: Text = Field(min_length=1, max_length=255, title="người gửi hoặc đơn vị chuyển phát")
    sent_at: dt.datetime | None = Field(None, title="thời điểm gửi")


class TargetIn(Request):
    """Who a recipient nobody was found for is: a unit of ours or another agency."""

    kind: Annotated[str, one_of(("unit", "agency"), "invalid_kind", "Loại nơi nhận"), enum(("unit", "agency"))] = Field(
        title="loại nơi nhận"
    )
    id: Id = Field(title="nơi nhận")


class StatusIn(Request):
    """A recipient's next status of a delivery (02 with a reason, 03, 04, 05, 06)."""

    status: str = Field(min_length=1, max_length=2, title="mã trạng thái")
    reason: str | None = Field(None, max_length=2000, title="lý do")


RememberKind = Annotated[
    str, one_of(("unit", "agency", "list"), "invalid_kind", "Loại nơi nhận"), enum(("unit", "agency", "list"))
]


class RememberIn(Request):
    """A name the directory did not know, and the unit, agency or distribution list it means from now on."""

    label: Text = Field(min_length=1, max_length=255, title="tên nơi nhận")
    kind: RememberKind = Field(title="loại nơi nhận")
    id: Id = Field(title="nơi nhận")


class NameDecisionIn(Request):
    """The administrator's decision on the name the national exchange lists for an agency."""

    accept: bool = Field(title="dùng tên trên trục liên thông")


class ListIn(Request):
    """A distribution list: its name, other names and members (recipient lines), one a line."""

    name: Text = Field(min_length=1, max_length=255, title="tên danh sách")
    aliases: Lines = Field(default_factory=list, title="tên gọi khác")
    members: Lines = Field(default_factory=list, title="thành phần")


class BoardQuery(PageQuery):
    """The dispatch board of the last `days` days."""

    days: int = coded("invalid_days", default=30, ge=1, le=366, title="số ngày")
    show: Annotated[
        str, one_of(("all", "attention", "open"), "invalid_show", "Bộ lọc"), enum(("all", "attention", "open"))
    ] = Field("all", title="nơi nhận hiện ra: tất cả, cần chú ý, chưa xong")
    q: Annotated[str | None, BeforeValidator(empty_is_none)] = Field(
        None, max_length=200, title="số, ký hiệu hoặc trích yếu"
    )
    day: OptionalDate = Field(None, title="ngày phát hành")


class UpdateIn(Request):
    """What an update package changes: the deadline, and why."""

    due_date: OptionalDate = Field(None, title="hạn xử lý")
    reason: str = Field("", max_length=2000, title="lý do")


class IncomingQuery(PageQuery):
    """Incoming documents in a state, registered in a year."""

    state: Annotated[IncomingState | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_state", default=None, title="trạng thái"
    )
    year: Year = coded("invalid_year", default=None, ge=2000, le=2100, title="năm")


class RegisterYear(Request):
    """The incoming register of a year (this year when absent)."""

    year: Year = coded("invalid_year", default=None, ge=2000, le=2100, title="năm")


class IncomingStep(Request):
    """A step on an incoming document: a reason (return, refuse_recall, register without a good signature), or
    the assignment (assign: the lead unit, supporting units, deadline)."""

    reason: Annotated[str, BeforeValidator(lambda v: v or "")] = Field("", max_length=2000, title="lý do")
    lead_unit_id: OptionalId = coded("invalid_unit", default=None, title="đơn vị chủ trì")
    supporting_unit_ids: list[Id] = coded("invalid_unit", default_factory=list, title="đơn vị phối hợp")
    deadline: OptionalDate = Field(None, title="hạn xử lý")


class WebhookIn(Request):
    """A URL subscribed to events (all events when none are named)."""

    url: str = coded("invalid_url", min_length=1, max_length=2000, title="địa chỉ webhook")
    events: list[str] | None = coded("invalid_events", default=None, title="sự kiện")
