"""Tables of the directory beyond people and units: the authority lines each person may sign under, and the
delegations of a leader's work while away."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.models import Base, Person, _now, one_of


class AuthorityKind(StrEnum):
    """How a person signs (Decree 30/2020 Art. 13 and Appendix I): as the head, or for the head."""

    OWN = "own"  # the head of the agency signs in their own capacity: "GIÁM ĐỐC"
    KT = "kt"  # a deputy signs in place of the head: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    TL = "tl"  # the head of an office signs by the head's order: "TL. GIÁM ĐỐC / CHÁNH VĂN PHÒNG"
    TUQ = "tuq"  # signs under the head's written authorisation: "TUQ. GIÁM ĐỐC / GIÁM ĐỐC TRUNG TÂM …"
    Q = "q"  # acting head: "Q. GIÁM ĐỐC"


# The most authority lines one person may have (the admin's form shows as many rows).
MOST = 10

PREFIX = {AuthorityKind.KT: "KT.", AuthorityKind.TL: "TL.", AuthorityKind.TUQ: "TUQ.", AuthorityKind.Q: "Q."}

LABELS = {
    AuthorityKind.OWN: "Ký với chức danh của mình (người đứng đầu)",
    AuthorityKind.KT: "KT. — ký thay người đứng đầu",
    AuthorityKind.TL: "TL. — thừa lệnh người đứng đầu",
    AuthorityKind.TUQ: "TUQ. — thừa ủy quyền người đứng đầu",
    AuthorityKind.Q: "Q. — quyền người đứng đầu",
}


def lines(kind: str, principal: str, title: str) -> tuple[str, str]:
    """The two lines above the signature as Decree 30 prints them (upper case), the second empty for the head
    signing as themself and for an acting head."""
    if kind == AuthorityKind.OWN:
        return title.upper(), ""
    first = f"{PREFIX[AuthorityKind(kind)]} {principal.upper()}"
    return first, "" if kind == AuthorityKind.Q else title.upper()


class SigningAuthority(Base):
    """One authority line a person may sign under, kept by the admin; one of a person's lines is the default a
    new draft gets, and the signer may choose another when signing."""

    __tablename__ = "signing_authorities"
    __table_args__ = (one_of("kind", AuthorityKind, "ck_signing_authorities_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    principal: Mapped[str] = mapped_column(String(128), default="")  # whom it is signed for: "Giám đốc"
    title: Mapped[str] = mapped_column(String(128), default="")  # the signer's own title: "Phó Giám đốc"
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)  # the order the admin listed them in
    person: Mapped[Person] = relationship()

    def lines(self) -> tuple[str, str]:
        """The two printed lines of this authority."""
        return lines(self.kind, self.principal, self.title)


class DelegationScope(StrEnum):
    """What a leader hands over while away."""

    SIGN = "sign"  # the signing book and batches: the delegate signs with their own key
    ASSIGN = "assign"  # the leader's instruction on incoming documents (bút phê)
    APPROVE = "approve"  # a head of unit's approval of the unit's drafts


SCOPE_LABELS = {
    DelegationScope.SIGN: "Ký văn bản",
    DelegationScope.ASSIGN: "Giao xử lý văn bản đến (bút phê)",
    DelegationScope.APPROVE: "Duyệt dự thảo của đơn vị",
}


DELEGATION_STATES = {
    "scheduled": "Chưa bắt đầu",
    "running": "Đang có hiệu lực",
    "ended": "Đã hết hạn",
    "withdrawn": "Đã thu hồi",
}


class Delegation(Base):
    """A leader's work handed to a named person for a period (from–to, some scopes), until it ends by itself or
    is withdrawn. The delegate signs under the authority line chosen for it, kept here as printed."""

    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(64))  # DelegationScope values, space-separated
    authority_kind: Mapped[str] = mapped_column(String(8), default="")
    authority_line: Mapped[str] = mapped_column(String(160), default="")
    authority_title: Mapped[str] = mapped_column(String(128), default="")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    # Set once each by the scheduler's tick, so that both people are told exactly once.
    began: Mapped[bool] = mapped_column(Boolean, default=False)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    principal: Mapped[Person] = relationship(foreign_keys=[principal_id])
    delegate: Mapped[Person] = relationship(foreign_keys=[delegate_id])

    def covers(self, scope: str) -> bool:
        """True if the delegation hands over this scope."""
        return scope in self.scopes.split()

    def running(self, now: dt.datetime) -> bool:
        """True while the delegation is in force."""
        return self.withdrawn_at is None and self.starts_at <= now < self.ends_at

    def state(self, now: dt.datetime) -> str:
        """Where the delegation stands: scheduled, running, ended or withdrawn (DELEGATION_STATES)."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "scheduled" if now < self.starts_at else "running" if now < self.ends_at else "ended"
