"""What every request model shares: the base class, the field types, parsing with the agency's bounds, and the
one translation of pydantic's errors into ours. Each feature's schemas.py holds its own requests (and its
answers.py its answers); workflow/web/openapi.py describes the API from both and checks requests against them.

Why pydantic v2: the models are plain typed classes the views and services use directly (no second set of
objects to keep in step, as marshmallow's dicts would be), one error list to translate into our Vietnamese
errors, and JSON Schema of OpenAPI 3.1 generated from the same classes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from workflow import catalog
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


# --- what every list's query carries ---------------------------------------------------------------------


class PageQuery(Request):
    """Keyset paging of a list: the answer's next_before is the next page's before (null: the last page)."""

    limit: Annotated[int, BeforeValidator(lambda v: v or 20)] = coded(
        "invalid_limit", default=20, ge=1, le=200, title="số dòng mỗi trang"
    )
    before: OptionalId = coded("invalid_before", default=None, title="vị trí trang")
