"""What the deliveries' requests carry: a paper copy, a target, a status, the board's filters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field

from workflow.web.schemas import (
    Id,
    OptionalDate,
    PageQuery,
    Request,
    Text,
    coded,
    empty_is_none,
    enum,
    one_of,
)

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
