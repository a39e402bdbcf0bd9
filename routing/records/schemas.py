"""What the case files' requests carry: a year's list, an entry of it, a file opened, a document added, a close."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field

from workflow.web.schemas import Id, OptionalId, Request, Text, coded, empty_is_none


class ListIn(Request):
    """A year's file list to start (the previous year's approved entries are copied forward)."""

    year: int = coded("invalid_year", ge=2000, le=2100, title="năm")


class YearQuery(Request):
    """The file list of a year (this year when absent)."""

    year: Annotated[int | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_year", default=None, ge=2000, le=2100, title="năm"
    )


class EntryIn(Request):
    """One file of the list: its code, title, unit, retention (years; null: permanent) and keeper."""

    code: Text = coded("invalid_code", min_length=1, max_length=32, title="ký hiệu hồ sơ")
    title: Text = coded("invalid_title", min_length=1, max_length=1000, title="tiêu đề hồ sơ")
    unit_id: Id = coded("invalid_unit", title="đơn vị")
    retention_years: Annotated[int | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_retention", default=None, ge=1, le=100, title="thời hạn bảo quản (năm)"
    )
    keeper_id: Id = coded("invalid_person", title="người lập hồ sơ")


class FileIn(Request):
    """A case file opened from an entry of the approved list."""

    plan_id: Id = coded("invalid_plan", title="hồ sơ trong danh mục")


class ItemIn(Request):
    """A document put in a case file: one of ours (document_id) or an incoming one (incoming_id)."""

    document_id: OptionalId = coded("invalid_document", default=None, title="văn bản đi")
    incoming_id: OptionalId = coded("invalid_incoming", default=None, title="văn bản đến")


class CloseIn(Request):
    """A case file closed, with its end date (today when absent)."""

    end_date: Annotated[dt.date | None, BeforeValidator(empty_is_none)] = Field(None, title="ngày kết thúc")


class ReturnIn(Request):
    """Why the archivist returns a handed-over file."""

    reason: Text = Field("", max_length=2000, title="lý do")


class ChoiceIn(Request):
    """The case file a document goes into at issuance (null: none)."""

    case_file_id: OptionalId = coded("invalid_case_file", default=None, title="hồ sơ")
