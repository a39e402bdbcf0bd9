"""What the issuance requests carry: the year of a register."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BeforeValidator,
)

from workflow.web.schemas import (
    Request,
    coded,
    empty_is_none,
)


class YearQuery(Request):
    """Which year of a register (this year when absent)."""

    year: Annotated[int | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_year", default=None, gt=1900, lt=3000, title="năm"
    )
