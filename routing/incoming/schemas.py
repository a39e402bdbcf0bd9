"""What the incoming documents' requests carry: a search, the register's year, a step."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from routing.deliveries.statuses import INCOMING_LABELS
from workflow.web.schemas import (
    Id,
    OptionalDate,
    OptionalId,
    PageQuery,
    Request,
    coded,
    empty_is_none,
    enum,
    one_of,
)

IncomingState = Annotated[str, one_of(INCOMING_LABELS, "invalid_state", "Trạng thái"), enum(INCOMING_LABELS)]


# The year of the incoming register (absent: all years for a list, this year for the register).
Year = Annotated[int | None, BeforeValidator(empty_is_none)]


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
