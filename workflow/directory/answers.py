"""The answers of the directory's API: agencies, units, people, vocabularies, the seal, signers, authority lines."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from workflow.directory.models import (
    DELEGATION_STATES,
    LABELS,
    SCOPE_LABELS,
    AuthorityKind,
    Delegation,
    DelegationScope,
    SigningAuthority,
)
from workflow.models import (
    Person,
)
from workflow.signatures.models import RemoteAccount, TokenCertificate
from workflow.web.answers import Answer, PersonOut, PersonRef, Time, UnitRef, moment


class CertificateOut(Answer):
    """The certificate a leader signs with at a remote signing service, or on their own USB token (no credential
    id there)."""

    credential_id: str = ""
    subject: str
    issuer: str
    valid_from: Time
    valid_to: Time


class SignerOut(PersonOut):
    """A person with where their key lives (and, for SmartCA, the certificate of their linked account)."""

    signer_ref: str | None
    certificate: CertificateOut | None = None

    @classmethod
    def of(cls, p: Person, account: RemoteAccount | TokenCertificate | None = None) -> SignerOut:
        """A person with where their key lives."""
        certificate = CertificateOut.model_validate(account) if account is not None else None
        return cls(**PersonOut.of(p).model_dump(), signer_ref=p.signer_ref, certificate=certificate)


class AgencyOut(Answer):
    """An agency of the directory (our own with its units)."""

    id: int
    code: str
    name: str
    superior: str | None
    abbreviation: str | None
    place: str | None
    is_self: bool
    units: list[UnitRef]


class DocTypeOut(Answer):
    """A Decree-30 type of document."""

    name: str
    abbreviation: str | None


class DirectoryOut(Answer):
    """Agencies, units, people and the Decree-30 vocabularies."""

    agencies: list[AgencyOut]
    people: list[PersonOut]
    doc_types: dict[str, DocTypeOut]
    urgency: dict[str, str]
    confidentiality: dict[str, str]
    roles: dict[str, str]


class SealOut(Answer):
    """The agency's seal image, stored."""

    agency_id: int
    seal_image: str | None
    seal_mm: float | None = Field(title="đường kính thật của con dấu (mm)")


class TrustRootOut(Answer):
    """A root certificate congvan trusts when it validates a signature."""

    sha256: str
    subject: str
    issuer: str
    valid_from: str
    valid_to: str
    added: bool = Field(description="thêm bởi quản trị viên (false: gốc tin cậy của bản triển khai)")


class TrustRoots(Answer):
    """The trusted roots."""

    roots: list[TrustRootOut]


class AuthorityOut(Answer):
    """An authority line a person may sign under, with the two lines it prints."""

    id: int
    kind: str
    kind_label: str
    principal: str
    title: str
    lines: list[str]
    default: bool

    @classmethod
    def of(cls, a: SigningAuthority) -> AuthorityOut:
        """An authority line as the API shows it."""
        return cls(
            id=a.id,
            kind=a.kind,
            kind_label=LABELS[AuthorityKind(a.kind)],
            principal=a.principal,
            title=a.title,
            lines=[line for line in a.lines() if line],
            default=a.is_default,
        )


class Authorities(Answer):
    """A person's authority lines, the default one first marked."""

    person_id: int
    items: list[AuthorityOut]


class DelegationOut(Answer):
    """A delegation: who handed what to whom, when, under which line, and where it stands."""

    id: int
    principal: PersonRef
    delegate: PersonRef
    scopes: list[str]
    scope_labels: list[str]
    authority_lines: list[str]
    starts_at: Time
    ends_at: Time
    note: str
    state: str
    state_label: str
    withdrawn_at: Time | None

    @classmethod
    def of(cls, d: Delegation, now: dt.datetime) -> DelegationOut:
        """A delegation as the API shows it, its state at `now`."""
        state = d.state(now)
        return cls(
            id=d.id,
            principal=PersonRef.of(d.principal),
            delegate=PersonRef.of(d.delegate),
            scopes=d.scopes.split(),
            scope_labels=[SCOPE_LABELS[DelegationScope(s)] for s in d.scopes.split()],
            authority_lines=[x for x in (d.authority_line, d.authority_title) if x],
            starts_at=moment(d.starts_at) or "",
            ends_at=moment(d.ends_at) or "",
            note=d.note,
            state=state,
            state_label=DELEGATION_STATES[state],
            withdrawn_at=moment(d.withdrawn_at),
        )


class Delegations(Answer):
    """Delegations given or received (every one of the agency for an admin), newest first."""

    items: list[DelegationOut]
