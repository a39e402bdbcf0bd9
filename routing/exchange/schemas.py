"""What the exchange's requests carry: a name kept or taken, an update sent."""

from __future__ import annotations

from pydantic import Field

from workflow.web.schemas import (
    OptionalDate,
    Request,
)


class NameDecisionIn(Request):
    """The administrator's decision on the name the national exchange lists for an agency."""

    accept: bool = Field(title="dùng tên trên trục liên thông")


class UpdateIn(Request):
    """What an update package changes: the deadline, and why."""

    due_date: OptionalDate = Field(None, title="hạn xử lý")
    reason: str = Field("", max_length=2000, title="lý do")
