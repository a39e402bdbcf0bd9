"""What the directory's requests carry: a person's signer, the seal's size."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
)

from workflow.web.schemas import (
    Request,
    coded,
    empty_is_none,
)


class SignerIn(Request):
    """Where a leader's key lives."""

    kind: str | None = Field(None, title="loại khóa", description="pkcs12, pkcs11 hoặc csc")
    ref: str | None = Field(None, max_length=500, title="nhãn khóa hoặc mã chứng thư")


class SealQuery(Request):
    """The seal's real diameter, when its PNG does not state its resolution (DPI)."""

    diameter_mm: Annotated[float | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_diameter", default=None, ge=20, le=60, title="đường kính con dấu (mm)"
    )
