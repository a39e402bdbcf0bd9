"""What each request of the JSON API (/api/v1) may carry, as pydantic models, and the one translation of their
errors into ours; workflow/answers.py holds what each answer holds, and workflow/openapi.py describes the API
from both and checks requests against them.

Why pydantic v2: the models are plain typed classes the views and services use directly (no second set of
objects to keep in step, as marshmallow's dicts would be), one error list to translate into our Vietnamese
errors, and JSON Schema of OpenAPI 3.1 generated from the same classes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from workflow import catalog, limits
from workflow.config import Settings
from workflow.errors import Invalid
from workflow.states import STATE_LABELS


class Request(BaseModel):
    """A request's body or query: fields a client does not know are ignored, as before."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)


def empty_is_none(value: Any) -> Any:
    # Forms send "" for a field left empty; JSON clients send null or leave it out: all mean "not given".
    return None if value == "" else value


def one_of(options: Iterable[str], code: str, label: str) -> AfterValidator:
    """A text's check that it is one of `options`; refused with `code` and a Vietnamese message naming `label`."""
    allowed = tuple(options)

    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError(code, f"{label} không hợp lệ.")
        return value

    return AfterValidator(check)


def enum(options: Iterable[str]) -> WithJsonSchema:
    """The JSON Schema of a text that is one of `options`."""
    return WithJsonSchema({"type": "string", "enum": list(options)})


def _lines(value: Any) -> Any:
    """Lines as a list, or one text with a line each; blank lines dropped."""
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return value


def _stripped(value: Any) -> Any:
    # Before the length is checked: a text of blanks is no text.
    return "" if value is None else value.strip() if isinstance(value, str) else value


Lines = Annotated[list[str], BeforeValidator(_lines)]
# A text that must be given: null and blanks around it count as nothing.
Text = Annotated[str, BeforeValidator(_stripped)]
# A text that may be left out (null), but not given as blanks.
OptionalText = Annotated[str | None, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(empty_is_none)]
Id = Annotated[int, Field(gt=0, lt=10**12)]
OptionalId = Annotated[Id | None, BeforeValidator(empty_is_none)]

DocType = Annotated[str, one_of(catalog.DOC_TYPES, "invalid_doc_type", "Loại văn bản"), enum(catalog.DOC_TYPES)]
Urgency = Annotated[str, one_of(catalog.URGENCY, "invalid_urgency", "Độ khẩn"), enum(catalog.URGENCY)]
Confidentiality = Annotated[
    str, one_of(catalog.CONFIDENTIALITY, "invalid_confidentiality", "Độ mật"), enum(catalog.CONFIDENTIALITY)
]
DocumentState = Annotated[str, one_of(STATE_LABELS, "invalid_state", "Trạng thái"), enum(STATE_LABELS)]

M = TypeVar("M", bound=BaseModel)

# --- turning pydantic's errors into ours ------------------------------------------------------------------

# pydantic's error types, as (our code, the Vietnamese sentence about the field).
_ERRORS: dict[str, tuple[str, str]] = {
    "missing": ("missing_field", "Thiếu {label}."),
    "string_too_short": ("missing_field", "Thiếu {label}."),
    "string_too_long": ("field_too_long", "{label} quá dài (tối đa {max_length} ký tự)."),
    "date_parsing": ("invalid_date", "{label} phải có dạng YYYY-MM-DD."),
    "date_from_datetime_parsing": ("invalid_date", "{label} phải có dạng YYYY-MM-DD."),
    "date_from_datetime_inexact": ("invalid_date", "{label} phải có dạng YYYY-MM-DD."),
    "date_type": ("invalid_date", "{label} phải có dạng YYYY-MM-DD."),
    "int_parsing": ("invalid_field", "{label} phải là một số."),
    "int_type": ("invalid_field", "{label} phải là một số."),
    "int_from_float": ("invalid_field", "{label} phải là một số nguyên."),
    "greater_than": ("invalid_field", "{label} phải lớn hơn {gt}."),
    "greater_than_equal": ("invalid_field", "{label} phải từ {ge} trở lên."),
    "less_than": ("invalid_field", "{label} phải nhỏ hơn {lt}."),
    "less_than_equal": ("invalid_field", "{label} phải không quá {le}."),
    "bool_parsing": ("invalid_field", "{label} phải là true hoặc false."),
    "bool_type": ("invalid_field", "{label} phải là true hoặc false."),
    "list_type": ("invalid_field", "{label} phải là một danh sách."),
    "string_type": ("invalid_field", "{label} phải là một chuỗi."),
}


def coded(code: str, **more: Any) -> Any:
    """A field whose every refusal has its own stable code (e.g. invalid_limit), shown in the description."""
    return Field(json_schema_extra={"x-error-code": code}, **more)


def _field(model: type[BaseModel], location: tuple[int | str, ...]) -> tuple[str, str, str | None]:
    """The field's name as the client wrote it, its Vietnamese label with the name ("trích yếu (summary)"), and
    its own error code if it has one."""
    first = str(location[0]) if location else ""
    field = model.model_fields.get(first) or next((f for f in model.model_fields.values() if f.alias == first), None)
    name = ".".join([(field.alias or first) if field else first, *(str(part) for part in location[1:])])
    if field is None:
        return name, name, None
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    code = extra.get("x-error-code")
    return name, f"{field.title} ({name})" if field.title else name, str(code) if code else None


def invalid(model: type[BaseModel], exc: ValidationError) -> Invalid:
    """The first of pydantic's errors as our 400: a stable code, a Vietnamese message, the field's name."""
    error = exc.errors(include_url=False)[0]
    name, label, own_code = _field(model, error["loc"])
    kind = error["type"]
    if own_code is not None and kind not in _ERRORS and not kind.startswith(("invalid_", "missing_")):
        code, message = own_code, f"{label} không hợp lệ."
    elif kind in _ERRORS:
        code, sentence = _ERRORS[kind]
        message = sentence.format(label=label, **(error.get("ctx") or {}))
    elif kind.startswith(("invalid_", "missing_")):  # ours, raised by a validator above with its own words
        code, message = kind, error["msg"]
        if name not in message:
            message = f"{message.rstrip('.')} ({name})."
    else:
        code, message = "invalid_field", f"{label} không hợp lệ."
    if own_code is not None:
        code = own_code
    return Invalid(code, message[:1].upper() + message[1:], field=name or None)


DEFAULTS = Settings()


def parse(model: type[M], data: Mapping[str, Any], settings: Settings = DEFAULTS) -> M:
    """A request's fields as `model`, checked against the bounds `settings` sets, or Invalid (400) naming the
    first wrong field in Vietnamese."""
    try:
        return model.model_validate(dict(data), context={"settings": settings})
    except ValidationError as exc:
        raise invalid(model, exc) from None


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


# --- requests -------------------------------------------------------------------------------------------


class Login(Request):
    """Sign-in: a username and password, and the TOTP code of someone who turned it on."""

    username: str = Field(min_length=1, max_length=200, title="tên đăng nhập")
    password: str = Field(min_length=1, max_length=1000, title="mật khẩu")
    code: str = Field("", max_length=20, title="mã xác thực")


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


class NewBatch(Request):
    """A signing batch: the leader (the one asking, for a leader) and which of the waiting documents."""

    leader_id: OptionalId = Field(None, title="lãnh đạo ký")
    document_ids: list[Id] | None = Field(None, max_length=1000, title="danh sách văn bản")


class Proof(Request):
    """The password, or the one-time code, given again to confirm."""

    password: str = Field("", max_length=1000, title="mật khẩu")
    code: str = Field("", max_length=20, title="mã xác thực")


class SignerIn(Request):
    """Where a leader's key lives."""

    kind: str | None = Field(None, title="loại khóa", description="pkcs12, pkcs11 hoặc csc")
    ref: str | None = Field(None, max_length=500, title="nhãn khóa hoặc mã chứng thư")


class PageQuery(Request):
    """Keyset paging of a list: the answer's next_before is the next page's before (null: the last page)."""

    limit: Annotated[int, BeforeValidator(lambda v: v or 20)] = coded(
        "invalid_limit", default=20, ge=1, le=200, title="số dòng mỗi trang"
    )
    before: OptionalId = coded("invalid_before", default=None, title="vị trí trang")


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


class LeaderQuery(Request):
    """Whose signing book (the one asking, for a leader)."""

    leader_id: OptionalId = Field(None, title="lãnh đạo")


class YearQuery(Request):
    """Which year of a register (this year when absent)."""

    year: Annotated[int | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_year", default=None, gt=1900, lt=3000, title="năm"
    )


class SealQuery(Request):
    """The seal's real diameter, when its PNG does not state its resolution (DPI)."""

    diameter_mm: Annotated[float | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_diameter", default=None, ge=20, le=60, title="đường kính con dấu (mm)"
    )


class UnreadQuery(Request):
    """Only the unread notifications (unread=1)."""

    unread: bool = Field(False, title="chỉ thông báo chưa đọc")
