"""A leader's own account at a remote signing service (VNPT SmartCA, Viettel MySign): linked once by the leader,
its tokens kept and renewed, its certificate read.

Linking talks to the service first (login, the credentials and their chain) and only then writes, so no
transaction is held while the service answers. A SmartCA password is used once and never kept; MySign asks for
none (the signer approves each request in its app).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import mysign, phone, smartca
from signing.errors import SigningError
from workflow.audit import audit
from workflow.config import Settings
from workflow.errors import Busy, DomainError, Forbidden, Invalid, NotFound, Unprocessable
from workflow.models import Person
from workflow.runtime import Runtime
from workflow.signatures.models import RemoteAccount

SMARTCA, MYSIGN = "smartca", "mysign"
# The services whose accounts a leader links, by signer kind, with the name leaders know them by.
PROVIDERS = {SMARTCA: smartca.NAME, MYSIGN: mysign.NAME}


@dataclass(frozen=True)
class Linked:
    """What the service said when the leader logged in: their tokens and the credential chosen."""

    provider: str
    username: str
    tokens: phone.Tokens
    credential: phone.Credential


def domain_error(exc: SigningError) -> DomainError:
    """A service's failure as the API answers it: the service unreachable is 503, anything else 422."""
    if exc.code.endswith("_unavailable"):
        return Busy(exc.code, exc.message)
    return Unprocessable(exc.code, exc.message)


def _not_configured(provider: str) -> Invalid:
    name = PROVIDERS[provider]
    return Invalid(
        f"{provider}_not_configured",
        f"Cơ quan chưa đăng ký kết nối {name}; hãy đề nghị quản trị hệ thống cấu hình dịch vụ {name}.",
    )


def configured(settings: Settings, provider: str) -> bool:
    """Whether the agency's application at the service is set up."""
    if provider == SMARTCA:
        return bool(settings.smartca_url and settings.smartca_client_id and settings.smartca_client_secret)
    return bool(settings.mysign_url and settings.mysign_client_id and settings.mysign_client_secret)


def _gateway(settings: Settings, provider: str) -> smartca.Gateway | mysign.Gateway:
    """The agency's application at the service, as configured."""
    if not configured(settings, provider):
        raise _not_configured(provider)
    if provider == SMARTCA:
        application = (settings.smartca_url, settings.smartca_client_id, settings.smartca_client_secret)
        return smartca.Gateway(*application, timeout=settings.smartca_timeout)
    application = (settings.mysign_url, settings.mysign_client_id, settings.mysign_client_secret)
    return mysign.Gateway(*application, settings.mysign_profile_id, timeout=settings.smartca_timeout)


def _approver(
    gateway: smartca.Gateway | mysign.Gateway,
    username: str,
    tokens: phone.Tokens,
    renewed: Callable[[phone.Tokens], None],
) -> phone.Approver:
    if isinstance(gateway, smartca.Gateway):
        return smartca.Account(gateway, tokens, renewed)
    return mysign.Account(gateway, username, tokens, renewed)


def reach(settings: Settings, provider: str, username: str, password: str, credential_id: str | None) -> Linked:
    """Log the leader in at the service and read the credential to sign with (the first one unless named)."""
    name = PROVIDERS[provider]
    if not username.strip() or (provider == SMARTCA and not password):
        needed = (
            "số định danh (tài khoản SmartCA) và mật khẩu SmartCA" if provider == SMARTCA else "mã tài khoản MySign"
        )
        raise Invalid("missing_field", f"Cần {needed}.", field="username")
    try:
        gateway = _gateway(settings, provider)
        tokens = (
            gateway.log_in(username.strip(), password)
            if isinstance(gateway, smartca.Gateway)
            else gateway.log_in(username.strip())  # MySign asks for no password
        )
        renewed = [tokens]
        account = _approver(gateway, username.strip(), tokens, renewed.append)
        found = account.credential_ids()
        if not found:
            raise Unprocessable(f"{provider}_no_credential", f"Tài khoản {name} này chưa có chứng thư số để ký.")
        chosen = credential_id or found[0]
        if chosen not in found:
            raise Invalid(
                f"{provider}_no_credential",
                f"Tài khoản {name} không có chứng thư số mang mã này; hãy chọn một mã trong danh sách.",
                field="credential_id",
                credentials=found,
            )
        credential = account.credential(chosen)
    except SigningError as exc:
        raise domain_error(exc) from exc
    return Linked(provider, username.strip(), renewed[-1], credential)


def may_link(actor: Person, person_id: int) -> None:
    """Only a leader links, and only their own account."""
    if actor.id != person_id:
        raise Forbidden("forbidden", "Chỉ chính người ký được liên kết tài khoản ký số của mình.")
    if not actor.has_role("leader"):
        raise Forbidden("forbidden", "Chỉ lãnh đạo ký văn bản mới cần liên kết tài khoản ký số.")


def link(session: Session, actor: Person, person_id: int, linked: Linked) -> RemoteAccount:
    """Record the leader's linked account: from now on their batches are approved in the service's app."""
    may_link(actor, person_id)
    account = session.scalar(select(RemoteAccount).where(RemoteAccount.person_id == actor.id))
    if account is None:
        account = RemoteAccount(person_id=actor.id)
        session.add(account)
    account.provider = linked.provider
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
    actor.signer_kind, actor.signer_ref = linked.provider, account.credential_id
    session.flush()
    audit(
        session,
        actor,
        "signer_linked",
        None,
        person_id=actor.id,
        kind=linked.provider,
        credential_id=account.credential_id,
        subject=account.subject,
        issuer=account.issuer,
    )
    return account


def _keep(account: RemoteAccount, tokens: phone.Tokens) -> None:
    account.refresh_token, account.access_token = tokens.refresh, tokens.access
    account.access_expires_at = tokens.expires_at
    account.renewed_at = dt.datetime.now(dt.UTC)


def account_of(session: Session, person: Person) -> RemoteAccount | None:
    """The person's linked account at a remote signing service, if any."""
    return session.scalar(select(RemoteAccount).where(RemoteAccount.person_id == person.id))


def required(session: Session, person: Person) -> RemoteAccount:
    """The linked account of a person whose signer is a remote service, or a clear error."""
    account = account_of(session, person)
    if account is None or account.provider != person.signer_kind:
        name = PROVIDERS.get(person.signer_kind, "ký số")
        raise NotFound("signer_not_linked", f"Người ký chưa liên kết tài khoản {name} (trang Chữ ký số).")
    return account


def certificates(account: RemoteAccount) -> tuple[bytes, ...]:
    """The account's certificate, then its chain, DER."""
    return tuple(base64.b64decode(line) for line in account.certificates.split())


def session_of(rt: Runtime, account_id: int) -> phone.Approver:
    """A session at the service for a linked account; every renewal of its tokens is written at once."""
    with rt.readers() as session:
        account = session.get(RemoteAccount, account_id)
        if account is None:
            raise SigningError("signer_not_linked", "Người ký chưa liên kết tài khoản ký số.")
        expires = account.access_expires_at or dt.datetime.now(dt.UTC)
        tokens = phone.Tokens(access=account.access_token or "", refresh=account.refresh_token, expires_at=expires)
        provider, username = account.provider, account.username

    def renewed(new: phone.Tokens) -> None:
        with rt.sessions() as session, session.begin():
            stored = session.get(RemoteAccount, account_id)
            if stored is not None:
                _keep(stored, new)

    return _approver(_gateway(rt.settings, provider), username, tokens, renewed)
