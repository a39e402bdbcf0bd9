"""What the services that sign hashes once the signer approves on their phone have in common (VNPT SmartCA in
signing/smartca.py, Viettel MySign in signing/mysign.py): the signer's credential, a transaction as the service
tells it, and the calls a batch job makes. Both sign the SHA-256 of each document's CMS signed attributes
(32 bytes, no DigestInfo) and give back raw PKCS#1 v1.5 signatures, matched by position."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from asn1crypto import x509 as asn1_x509


@dataclass(frozen=True)
class Tokens:
    """An access token with the moment it expires, and the refresh token that renews it (empty: log in again)."""

    access: str
    refresh: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Credential:
    """The signer's credential at the service: its id, certificate and chain."""

    credential_id: str
    certificate: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate]

    @property
    def certificates(self) -> tuple[bytes, ...]:
        """The certificate then its chain, DER."""
        return (self.certificate.dump(), *(c.dump() for c in self.chain))


@dataclass(frozen=True)
class Transaction:
    """A transaction as the service tells it: still on the phone, done (one signature per hash), or ended
    without signatures for `reason`; `status` is the service's own code."""

    tran_id: str
    status: int
    waiting: bool
    done: bool
    reason: str
    signatures: list[bytes | None]


class Approver(Protocol):
    """One signer's session at a service: what a batch job asks of it."""

    name: str  # the service as the signer knows it, for messages
    max_hashes: int  # per transaction (one approval on the phone)

    def credential_ids(self) -> list[str]:
        """The signer's credentials."""
        ...

    def credential(self, credential_id: str) -> Credential:
        """A credential with its certificate chain."""
        ...

    def sign_hashes(
        self, credential_id: str, ref: str, hashes: list[tuple[str, bytes]], description: str, notify_url: str
    ) -> str:
        """Send named hashes for one approval; the service's transaction id."""
        ...

    def transaction(self, tran_id: str) -> Transaction:
        """Where a transaction stands."""
        ...
