"""What a report request carries: its kind, period, grouping and format."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field

from workflow.web.schemas import Request, coded, empty_is_none, enum, one_of

KINDS = {"incoming": "Văn bản đến", "outgoing": "Văn bản đi", "receipts": "Tiếp nhận văn bản đã gửi"}
BY = {"unit": "Theo đơn vị", "person": "Theo cá nhân"}
FORMATS = ("json", "csv", "xlsx")


class ReportQuery(Request):
    """A period (from, to: inclusive dates; this month so far when absent), grouped by unit or person."""

    from_: Annotated[dt.date | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_date", default=None, alias="from", title="từ ngày"
    )
    to: Annotated[dt.date | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_date", default=None, title="đến ngày"
    )
    by: Annotated[str, BeforeValidator(lambda v: v or "unit"), one_of(BY, "invalid_by", "Cách nhóm"), enum(BY)] = coded(
        "invalid_by", default="unit", title="nhóm theo"
    )
    format: Annotated[
        str, BeforeValidator(lambda v: v or "json"), one_of(FORMATS, "invalid_format", "Định dạng"), enum(FORMATS)
    ] = coded("invalid_format", default="json", title="định dạng")


KindName = Annotated[str, one_of(KINDS, "invalid_report", "Loại báo cáo"), enum(KINDS)]


class KindPath(Request):
    """Which report."""

    kind: KindName = Field(title="loại báo cáo")
