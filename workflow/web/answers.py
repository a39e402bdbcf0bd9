"""What every answer of the JSON API (/api/v1) shares: the Answer base (exactly these fields), the one time format,
the people and units many answers name, errors and the API's own description. Each feature's answers.py holds its
own models; views return them, @described serves only the declared one, and /api/v1/openapi.json is generated
from them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from workflow import runtime
from workflow.models import (
    Person,
    Unit,
)


def moment(value: dt.datetime | dt.date | None) -> str | None:
    """The one time format of every answer: a time in the agency's zone (+07:00), a date as it is, or None."""
    if isinstance(value, dt.datetime):
        return value.astimezone(runtime.current().tz).isoformat()
    return value.isoformat() if value else None


def _moment_of(value: Any) -> Any:
    return moment(value) if isinstance(value, dt.date) else value


# A time field takes a datetime (or date) and shows it in the one time format.
Time = Annotated[str, BeforeValidator(_moment_of), Field(description="Thời điểm ISO 8601, giờ Việt Nam (+07:00)")]


class Answer(BaseModel):
    """An answer's shape: exactly these fields, no others. A model whose fields are attributes of the same
    name is built with model_validate(obj); the others say in their of() what each field is."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class PersonOut(Answer):
    """A person as the API shows them."""

    id: int
    username: str
    full_name: str
    position: str
    roles: list[str]
    unit_id: int
    signer_kind: str
    has_signature_image: bool

    @classmethod
    def of(cls, p: Person) -> PersonOut:
        """A person as the API shows them."""
        return cls(
            id=p.id,
            username=p.username,
            full_name=p.full_name,
            position=p.position,
            roles=p.roles.split(),
            unit_id=p.unit_id,
            signer_kind=p.signer_kind,
            has_signature_image=p.signature_image is not None,
        )


class PersonRef(Answer):
    """A person named in an answer: one of our people, by name and position."""

    id: int
    full_name: str
    position: str

    @classmethod
    def of(cls, p: Person) -> PersonRef:
        """One of our people by name and position."""
        return cls.model_validate(p)


class UnitRef(Answer):
    """A unit named in an answer."""

    id: int
    code: str
    name: str

    @classmethod
    def of(cls, u: Unit) -> UnitRef:
        """A unit by its id, code and name."""
        return cls.model_validate(u)


class Done(Answer):
    """Done (nothing else to tell)."""

    ok: bool


class Described(Answer):
    """An OpenAPI 3.1 description."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


class ErrorBody(Answer):
    """What went wrong."""

    code: str = Field(description="Mã lỗi ổn định, dùng cho máy")
    message: str = Field(description="Thông báo tiếng Việt cho người dùng")
    detail: dict[str, Any] | None = Field(None, description="Chi tiết, ví dụ field: trường bị từ chối")


class Error(Answer):
    """Every refusal of the API (4xx) and every failure (5xx)."""

    error: ErrorBody
