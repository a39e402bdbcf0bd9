"""What the accounts' requests carry: signing in, and proving it is you again."""

from __future__ import annotations

from pydantic import (
    Field,
)

from workflow.web.schemas import (
    Request,
)


class Login(Request):
    """Sign-in: a username and password, and the TOTP code of someone who turned it on."""

    username: str = Field(min_length=1, max_length=200, title="tên đăng nhập")
    password: str = Field(min_length=1, max_length=1000, title="mật khẩu")
    code: str = Field("", max_length=20, title="mã xác thực")


class Proof(Request):
    """The password, or the one-time code, given again to confirm."""

    password: str = Field("", max_length=1000, title="mật khẩu")
    code: str = Field("", max_length=20, title="mã xác thực")
