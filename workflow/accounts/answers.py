"""The answers of the accounts' API: tokens, sign-in, the second factor."""

from __future__ import annotations

from workflow.web.answers import Answer, PersonOut, Time


class LoginOut(Answer):
    """A bearer token and whose it is."""

    token: str
    person: PersonOut


class Revoked(Answer):
    """The token revoked."""

    revoked: int


class TokenOut(Answer):
    """One of a person's API tokens (never its secret)."""

    id: int
    label: str | None
    created_at: Time | None
    last_used_at: Time | None
    revoked_at: Time | None
    current: bool


class Tokens(Answer):
    """A person's API tokens."""

    tokens: list[TokenOut]


class TotpStarted(Answer):
    """The seed of the second factor, shown once, and its otpauth:// address."""

    secret: str
    uri: str


class TotpState(Answer):
    """Whether the second factor is on."""

    totp_enabled: bool
