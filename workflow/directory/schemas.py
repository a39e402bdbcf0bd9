"""What the directory's requests carry: a person's signer, the authority lines they may sign under, the seal's
size."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
)

from workflow.directory.models import MOST, AuthorityKind, DelegationScope
from workflow.web.schemas import (
    Id,
    OptionalId,
    OptionalText,
    Request,
    Text,
    coded,
    empty_is_none,
    enum,
    one_of,
)


class SignerIn(Request):
    """Where a leader's key lives."""

    kind: str | None = Field(None, title="loại khóa", description="pkcs12, pkcs11, csc hoặc smartca")
    ref: str | None = Field(None, max_length=500, title="nhãn khóa hoặc mã chứng thư")
    # SmartCA: the leader links their own account; the password is used once and never stored.
    username: str | None = Field(None, max_length=64, title="số định danh (tài khoản SmartCA)")
    password: str | None = Field(None, max_length=256, title="mật khẩu SmartCA")
    credential_id: str | None = Field(None, max_length=255, title="mã chứng thư số (mặc định: chứng thư đầu tiên)")
    # USB token on the leader's PC: the token's certificate (and chain), exported as PEM.
    certificate: str | None = Field(None, max_length=20000, title="chứng thư số của USB token (PEM)")
    # congvan-agent: what it answered the pairing (the token's certificates, DER base64; its proof of the code).
    certificates: list[Annotated[str, StringConstraints(max_length=12000)]] | None = Field(
        None, max_length=8, title="chứng thư số của token (congvan-agent)"
    )
    proof: str | None = Field(None, max_length=128, title="bằng chứng mã ghép nối (congvan-agent)")


class SealQuery(Request):
    """The seal's real diameter, when its PNG does not state its resolution (DPI)."""

    diameter_mm: Annotated[float | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_diameter", default=None, ge=20, le=60, title="đường kính con dấu (mm)"
    )


class AuthorityIn(Request):
    """One authority line a person may sign under: its kind, whom it is for, the signer's own title."""

    kind: Annotated[str, one_of(AuthorityKind, "invalid_authority_kind", "Loại thẩm quyền ký"), enum(AuthorityKind)] = (
        Field(title="loại thẩm quyền ký")
    )
    principal: Text = Field("", max_length=128, title="chức danh người đứng đầu (ví dụ Giám đốc)")
    title: Text = Field("", max_length=128, title="chức danh của người ký (ví dụ Phó Giám đốc)")
    default: bool = Field(False, title="dòng mặc định")


class AuthoritiesIn(Request):
    """Every authority line of a person, in order (what is not listed is removed)."""

    items: list[AuthorityIn] = Field(max_length=MOST, title="các dòng thẩm quyền")


Scope = Annotated[str, one_of(DelegationScope, "invalid_scope", "Việc được ủy quyền"), enum(DelegationScope)]


class DelegationIn(Request):
    """A delegation: who hands what to whom, from when to when, and the line the delegate signs under."""

    principal_id: OptionalId = Field(None, title="người ủy quyền (mặc định: chính mình)")
    delegate_id: Id = Field(title="người được ủy quyền")
    scopes: list[Scope] = Field(max_length=3, title="việc được ủy quyền")
    starts_at: dt.datetime = Field(title="bắt đầu")
    ends_at: dt.datetime = Field(title="kết thúc")
    authority_id: OptionalId = Field(None, title="dòng thẩm quyền khi ký thay")
    note: OptionalText = Field(None, max_length=500, title="ghi chú")
