"""Tables of signing with a key the leader holds: a linked account at a signing service and the transactions a
batch sent; the certificate of a USB token on the leader's PC and the one-time tickets of its files."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.encryption import Encrypted
from workflow.models import Base, Person, SigningBatch, SigningBatchItem, _now
from workflow.states import ApprovalState


class RemoteAccount(Base):
    """A leader's own account at a remote signing service (SmartCA), linked once by the leader.

    The password is used once for the first token and never kept; the refresh token is kept encrypted and
    replaced by each renewal. The certificate chain is read from the service when linking and goes into
    every signature.
    """

    __tablename__ = "remote_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(16))  # "smartca"
    username: Mapped[str] = mapped_column(String(64))  # the personal id at the provider
    credential_id: Mapped[str] = mapped_column(String(255))
    certificates: Mapped[str] = mapped_column(Text)  # base64 DER, the leader's first, one per line
    subject: Mapped[str] = mapped_column(String(512))
    issuer: Mapped[str] = mapped_column(String(512))
    valid_from: Mapped[dt.datetime]
    valid_to: Mapped[dt.datetime]
    refresh_token: Mapped[str] = mapped_column(Encrypted)
    access_token: Mapped[str | None] = mapped_column(Encrypted, default=None)
    access_expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    linked_at: Mapped[dt.datetime] = mapped_column(default=_now)
    renewed_at: Mapped[dt.datetime] = mapped_column(default=_now)
    person: Mapped[Person] = relationship()


# The provider of the requests a leader's page carries to congvan-agent (signatures/agent.py): answered by the
# page, never asked about; not approvals on a phone.
AGENT = "agent"


class RemoteTransaction(Base):
    """One request for the leader's approval on the phone, covering up to 50 documents of a batch.

    `ref` is our own id of it (SmartCA's refTranId); `notify_key` the SHA-256 of the secret in its notifyUrl,
    so the URL cannot be guessed and the stored value cannot be used. `state` is an ApprovalState; a failed one
    says why in `error`, and its documents fail with it.
    """

    __tablename__ = "remote_transactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("signing_batches.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    notify_key: Mapped[str] = mapped_column(String(64), unique=True)
    tran_id: Mapped[str | None] = mapped_column(String(128), default=None)
    description: Mapped[str] = mapped_column(String(255))
    item_ids: Mapped[list[int]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=ApprovalState.SENDING)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    # How often it was asked about while waiting, and when to ask next (the pause doubles each time).
    polls: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    answered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    batch: Mapped[SigningBatch] = relationship()


class TokenCertificate(Base):
    """The certificate of a leader's own USB token (VGCA), whose key never leaves the token on their PC: every
    file signed there must be signed by exactly this certificate."""

    __tablename__ = "token_certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    certificate: Mapped[str] = mapped_column(Text)  # PEM, the leader's certificate first, then its chain
    subject: Mapped[str] = mapped_column(String(512))
    issuer: Mapped[str] = mapped_column(String(512))
    valid_from: Mapped[dt.datetime]
    valid_to: Mapped[dt.datetime]
    added_at: Mapped[dt.datetime] = mapped_column(default=_now)
    person: Mapped[Person] = relationship()


class TokenTicket(Base):
    """One document of a batch handed to the leader's signing tool: the SHA-256 of the secret in the two one-time
    addresses (where the tool fetches the file, where it hands the signed file back), until used or expired."""

    __tablename__ = "token_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("signing_batch_items.id"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    item: Mapped[SigningBatchItem] = relationship()


class SigningAgent(Base):
    """The pairing of a leader's congvan-agent (on their PC, signing digests on their USB token) with congvan.

    A pairing under way keeps the code shown on the leader's page, its nonce and the key it offers, until
    `pending_until`; once the agent proved it was given the code, the key becomes `key`: what authenticates
    every request congvan asks the agent to sign. The token's certificate is the leader's TokenCertificate.
    """

    __tablename__ = "signing_agents"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    key: Mapped[str | None] = mapped_column(Encrypted, default=None)  # base64
    paired_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    pending_code: Mapped[str | None] = mapped_column(Encrypted, default=None)
    pending_nonce: Mapped[str | None] = mapped_column(String(64), default=None)  # base64
    pending_key: Mapped[str | None] = mapped_column(Encrypted, default=None)  # base64
    pending_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    person: Mapped[Person] = relationship()
