"""A leader's own account at SmartCA: linked once by the leader, its tokens kept and renewed, its certificate read.

Linking talks to the gateway first (password grant, credentials/list, credentials/info) and only then writes,
so no transaction is held while SmartCA answers. The password is used once and never kept.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import smartca
from signing.errors import SigningError
from workflow.audit import audit
from workflow.config import Settings
from workflow.errors import Busy, DomainError, Forbidden, Invalid, NotFound, Unprocessable
from workflow.models import Person
from workflow.runtime import Runtime
from workflow.signatures.models import RemoteAccount

SMARTCA = "smartca"


@dataclass(frozen=True)
class Linked:
    """What the gateway said when the leader logged in: their tokens and the credential chosen."""

    username: str
    tokens: smartca.Tokens
    credential: smartca.Credential


def domain_error(exc: SigningError) -> DomainError:
    """A SmartCA failure as the API answers it: the service unreachable is 503, anything else 422."""
    if exc.code == "smartca_unavailable":
        return Busy(exc.code, exc.message)
    return Unprocessable(exc.code, exc.message)


def gateway(settings: Settings) -> smartca.Gateway:
    """The agency's application at SmartCA, as configured."""
    if not (settings.smartca_url and settings.smartca_client_id and settings.smartca_client_secret):
        raise Invalid(
            "smartca_not_configured",
            "Cơ quan chưa đăng ký kết nối SmartCA; hãy đề nghị quản trị hệ thống cấu hình dịch vụ SmartCA.",
        )
    return smartca.Gateway(
        settings.smartca_url,
        settings.smartca_client_id,
        settings.smartca_client_secret,
        timeout=settings.smartca_timeout,
    )


def reach(settings: Settings, username: str, password: str, credential_id: str | None) -> Linked:
    """Log the leader in at SmartCA and read the credential to sign with (the first one unless named)."""
    if not username.strip() or not password:
        raise Invalid("missing_field", "Cần số định danh (tài khoản SmartCA) và mật khẩu SmartCA.", field="username")
    try:
        tokens = gateway(settings).log_in(username.strip(), password)
        renewed = [tokens]
        account = smartca.Account(gateway(settings), tokens, renewed.append)
        found = account.credential_ids()
        if not found:
            raise Unprocessable("smartca_no_credential", "Tài khoản SmartCA này chưa có chứng thư số để ký.")
        chosen = credential_id or found[0]
        if chosen not in found:
            raise Invalid(
                "smartca_no_credential",
                "Tài khoản SmartCA không có chứng thư số mang mã này; hãy chọn một mã trong danh sách.",
                field="credential_id",
                credentials=found,
            )
        credential = account.credential(chosen)
    except SigningError as exc:
        raise domain_error(exc) from exc
    return Linked(username.strip(), renewed[-1], credential)


def may_link(actor: Person, person_id: int) -> None:
    """Only a leader links, and only their own account."""
    if actor.id != person_id:
        raise Forbidden("forbidden", "Chỉ chính người ký được liên kết tài khoản SmartCA của mình.")
    if not actor.has_role("leader"):
        raise Forbidden("forbidden", "Chỉ lãnh đạo ký văn bản mới cần liên kết tài khoản SmartCA.")


def link(session: Session, actor: Person, person_id: int, linked: Linked) -> RemoteAccount:
    """Record the leader's linked account: from now on their batches are approved in the SmartCA app."""
    may_link(actor, person_id)
    account = session.scalar(select(RemoteAccount).where(RemoteAccount.person_id == actor.id))
    if account is None:
        account = RemoteAccount(person_id=actor.id, provider=SMARTCA)
        session.add(account)
    cert = linked.credential.certificate
    account.username = linked.username
    account.credential_id = linked.credential.credential_id
    account.certificates = "\n".join(base64.b64encode(der).decode("ascii") for der in linked.credential.certificates)
    account.subject = cert.subject.human_friendly[:512]
    account.issuer = cert.issuer.human_friendly[:512]
    account.valid_from = cert.not_valid_before
    account.valid_to = cert.not_valid_after
    _keep(account, linked.tokens)
    account.linked_at = dt.datetime.now(dt.UTC)
    actor.signer_kind, actor.signer_ref = SMARTCA, account.credential_id
    session.flush()
    audit(
        session,
        actor,
        "signer_linked",
        None,
        person_id=actor.id,
        kind=SMARTCA,
        credential_id=account.credential_id,
        subject=account.subject,
        issuer=account.issuer,
    )
    return account


def _keep(account: RemoteAccount, tokens: smartca.Tokens) -> None:
    account.refresh_token, account.access_token = tokens.refresh, tokens.access
    account.access_expires_at = tokens.expires_at
    account.renewed_at = dt.datetime.now(dt.UTC)


def account_of(session: Session, person: Person) -> RemoteAccount | None:
    """The person's linked SmartCA account, if any."""
    return session.scalar(select(RemoteAccount).where(RemoteAccount.person_id == person.id))


def required(session: Session, person: Person) -> RemoteAccount:
    """The linked account of a person whose signer is SmartCA, or a clear error."""
    account = account_of(session, person)
    if account is None:
        raise NotFound("smartca_not_linked", "Người ký chưa liên kết tài khoản SmartCA (trang Chữ ký số).")
    return account


def certificates(account: RemoteAccount) -> tuple[bytes, ...]:
    """The account's certificate, then its chain, DER."""
    return tuple(base64.b64decode(line) for line in account.certificates.split())


def certificate(account: RemoteAccount) -> asn1_x509.Certificate:
    """The leader's certificate at SmartCA."""
    return asn1_x509.Certificate.load(certificates(account)[0])


def session_of(rt: Runtime, account_id: int) -> smartca.Account:
    """A SmartCA session for a linked account; every renewal of its tokens is written at once (its own commit)."""
    with rt.readers() as session:
        account = session.get(RemoteAccount, account_id)
        if account is None:
            raise SigningError("smartca_not_linked", "Người ký chưa liên kết tài khoản SmartCA.")
        expires = account.access_expires_at or dt.datetime.now(dt.UTC)
        tokens = smartca.Tokens(access=account.access_token or "", refresh=account.refresh_token, expires_at=expires)

    def renewed(new: smartca.Tokens) -> None:
        with rt.sessions() as session, session.begin():
            stored = session.get(RemoteAccount, account_id)
            if stored is not None:
                _keep(stored, new)

    return smartca.Account(gateway(rt.settings), tokens, renewed)
