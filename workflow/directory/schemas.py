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

    kind: str | None = Field(None, title="loại khóa", description="pkcs12, pkcs11, csc hoặc smartca")
    ref: str | None = Field(None, max_length=500, title="nhãn khóa hoặc mã chứng thư")
    # SmartCA: the leader links their own account; the password is used once and never stored.
    username: str | None = Field(None, max_length=64, title="số định danh (tài khoản SmartCA)")
    password: str | None = Field(None, max_length=256, title="mật khẩu SmartCA")
    credential_id: str | None = Field(None, max_length=255, title="mã chứng thư số (mặc định: chứng thư đầu tiên)")


class SealQuery(Request):
    """The seal's real diameter, when its PNG does not state its resolution (DPI)."""

    diameter_mm: Annotated[float | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_diameter", default=None, ge=20, le=60, title="đường kính con dấu (mm)"
    )
