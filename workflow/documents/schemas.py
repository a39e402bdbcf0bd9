"""What the documents' requests carry: a draft, a revision, a lifecycle step, a comment, a search."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    model_validator,
)

from workflow import limits
from workflow.config import Settings
from workflow.web.schemas import (
    DEFAULTS,
    Confidentiality,
    DocType,
    DocumentState,
    Id,
    Lines,
    OptionalDate,
    OptionalId,
    OptionalText,
    PageQuery,
    Request,
    Text,
    Urgency,
    coded,
    empty_is_none,
)


def _settings(info: ValidationInfo) -> Settings:
    context = info.context if isinstance(info.context, dict) else {}
    found = context.get("settings")
    return found if isinstance(found, Settings) else DEFAULTS


class Bounded(Request):
    """A draft's text and recipients, within the bounds of the agency's settings (refused with their own codes)."""

    body: str | None = None
    kinh_gui: list[str] | None = None
    noi_nhan: list[str] | None = None

    @model_validator(mode="after")
    def _within_bounds(self, info: ValidationInfo) -> Self:
        settings = _settings(info)
        if self.body is not None:
            limits.check_body(self.body, settings)
        for lines, most, field, label in (
            (self.kinh_gui, settings.max_kinh_gui_lines, "kinh_gui", "Kính gửi"),
            (self.noi_nhan, settings.max_noi_nhan_lines, "noi_nhan", "Nơi nhận"),
        ):
            if lines is not None:
                limits.check_lines(lines, most, settings.max_line_chars, field, label)
        return self


class Draft(Bounded):
    """A new draft's fields: all of them (the body may be left out when a PDF is uploaded)."""

    doc_type: DocType = coded("invalid_doc_type", title="loại văn bản")
    summary: Text = Field(min_length=1, max_length=1000, title="trích yếu")
    body: str | None = Field(None, title="nội dung", description="Nội dung để hệ thống dàn trang theo Nghị định 30")
    urgency: Annotated[Urgency, BeforeValidator(lambda v: v or "thuong")] = Field("thuong", title="độ khẩn")
    confidentiality: Annotated[Confidentiality, BeforeValidator(lambda v: v or "thuong")] = Field(
        "thuong", title="độ mật"
    )
    signer_id: Id = Field(title="người ký")
    kinh_gui: Lines = Field(default_factory=list, title="Kính gửi")
    noi_nhan: Lines = Field(default_factory=list, title="Nơi nhận")
    due_date: OptionalDate = Field(None, title="hạn xử lý")
    replaces_id: Annotated[int | None, Field(gt=0, lt=10**12)] = coded(
        "invalid_replaces", default=None, title="văn bản được thay thế", strict=True
    )
    replies_to_incoming_id: OptionalId = coded("invalid_reply", default=None, title="văn bản đến được trả lời")


class DraftChange(Bounded):
    """A new version of a draft: the fields that change. A field left out, or null, stays as it is; a null
    due date clears it (the only field a draft may be without)."""

    doc_type: DocType | None = coded("invalid_doc_type", default=None, title="loại văn bản")
    summary: OptionalText = Field(None, min_length=1, max_length=1000, title="trích yếu")
    body: str | None = Field(None, title="nội dung")
    urgency: Urgency | None = Field(None, title="độ khẩn")
    confidentiality: Confidentiality | None = Field(None, title="độ mật")
    signer_id: OptionalId = Field(None, title="người ký")
    kinh_gui: Lines | None = Field(None, title="Kính gửi")
    noi_nhan: Lines | None = Field(None, title="Nơi nhận")
    due_date: OptionalDate = Field(None, title="hạn xử lý")


class Reason(Request):
    """An action that may carry a reason (returning a draft, recalling, refusing)."""

    reason: str | None = Field(None, max_length=2000, title="lý do")


class ActionIn(Reason):
    """A lifecycle action: a reason where it needs one; signing needs the password (or one-time code) again."""

    password: str = Field("", max_length=1000, title="mật khẩu")
    code: str = Field("", max_length=20, title="mã xác thực")


class CommentIn(Request):
    """A comment on a document."""

    body: str = Field("", max_length=10_000, title="nội dung góp ý")


class DocumentQuery(PageQuery):
    """Documents found by words and filters."""

    q: str = Field("", max_length=500, title="từ khóa")
    type: Annotated[DocType | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_doc_type", default=None, title="loại văn bản"
    )
    unit: OptionalId = coded("invalid_unit", default=None, title="đơn vị")
    state: Annotated[DocumentState | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_state", default=None, title="trạng thái"
    )
    from_: OptionalDate = Field(None, alias="from", title="từ ngày")
    to: OptionalDate = Field(None, title="đến ngày")


class VersionQuery(Request):
    """Which version of the PDF (the current one when absent)."""

    version: OptionalId = Field(None, title="phiên bản")
