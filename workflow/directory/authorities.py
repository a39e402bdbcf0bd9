"""The authority lines each person may sign under (KT., TL., TUQ., Q.), kept by the admin, and the one a new
draft gets by default."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflow.audit import audit
from workflow.directory.models import AuthorityKind, SigningAuthority, lines
from workflow.directory.schemas import AuthorityIn
from workflow.directory.service import colleague
from workflow.documents import render
from workflow.errors import Forbidden, Invalid
from workflow.models import Document, Person


@dataclass(frozen=True)
class Chosen:
    """The authority a document is signed under, as the document keeps it."""

    kind: str
    line: str
    title: str

    @classmethod
    def of(cls, authority: SigningAuthority) -> Chosen:
        """What a document keeps of one of its signer's authority lines."""
        return cls(authority.kind, *authority.lines())


def chosen_of(document: Document) -> Chosen:
    """The authority a document is signed under now."""
    return Chosen(document.authority_kind, document.authority_line, document.authority_title)


def keep(document: Document, chosen: Chosen) -> None:
    """Write the chosen authority into the document."""
    document.authority_kind, document.authority_line, document.authority_title = chosen.kind, chosen.line, chosen.title


def authorities_of(session: Session, person_id: int) -> list[SigningAuthority]:
    """A person's authority lines in the order the admin listed them."""
    query = select(SigningAuthority).where(SigningAuthority.person_id == person_id)
    return list(session.scalars(query.order_by(SigningAuthority.seq, SigningAuthority.id)))


def default_of(session: Session, person: Person) -> Chosen:
    """The authority a new draft for this signer gets: their default line, else their position alone."""
    found = authorities_of(session, person.id)
    chosen = next((a for a in found if a.is_default), found[0] if found else None)
    if chosen is None:
        return Chosen(AuthorityKind.OWN, *lines(AuthorityKind.OWN, "", person.position))
    return Chosen.of(chosen)


def authority_for(session: Session, person: Person, authority_id: int) -> SigningAuthority:
    """One of the person's own authority lines (any other is refused: nobody signs under a line not theirs)."""
    found = session.get(SigningAuthority, authority_id)
    if found is None or found.person_id != person.id:
        raise Invalid(
            "invalid_authority",
            f"Dòng thẩm quyền này không có trong danh sách được phép của {person.full_name}; "
            "hãy chọn một dòng trong danh sách hoặc nhờ quản trị viên bổ sung.",
            field="authority_id",
        )
    return found


def _checked(item: AuthorityIn, position: int) -> AuthorityIn:
    where = f"Dòng thẩm quyền thứ {position}"
    if item.kind == AuthorityKind.OWN and not item.title:
        raise Invalid("missing_field", f"{where}: thiếu chức danh của người ký (ví dụ Giám đốc).", field="title")
    if item.kind != AuthorityKind.OWN and not item.principal:
        raise Invalid(
            "missing_field",
            f"{where}: thiếu chức danh người đứng đầu được ký thay (ví dụ Giám đốc).",
            field="principal",
        )
    if item.kind in (AuthorityKind.KT, AuthorityKind.TL, AuthorityKind.TUQ) and not item.title:
        raise Invalid("missing_field", f"{where}: thiếu chức danh của người ký (ví dụ Phó Giám đốc).", field="title")
    for line in lines(item.kind, item.principal, item.title):
        if not render.line_fits(line):
            raise Invalid(
                "authority_too_long",
                f"{where}: «{line}» dài quá một dòng ở phần chữ ký của văn bản; hãy viết gọn hơn "
                "(ví dụ «GIÁM ĐỐC» thay cho tên đầy đủ của cơ quan).",
            )
    return item


def set_authorities(
    session: Session, actor: Person, person_id: int, items: list[AuthorityIn]
) -> list[SigningAuthority]:
    """An admin sets every authority line a person may sign under; documents keep the lines they already have."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được đặt dòng thẩm quyền ký.")
    target = colleague(session, actor, person_id)
    checked = [_checked(item, n) for n, item in enumerate(items, start=1)]
    printed = [lines(i.kind, i.principal, i.title) for i in checked]
    if len(set(printed)) != len(printed):
        raise Invalid("duplicate_authority", "Có hai dòng thẩm quyền in ra giống hệt nhau; hãy bỏ bớt một dòng.")
    if sum(i.default for i in checked) > 1:
        raise Invalid("several_defaults", "Chỉ chọn một dòng thẩm quyền mặc định.", field="default")
    first_default = next((n for n, i in enumerate(checked) if i.default), 0)
    session.execute(delete(SigningAuthority).where(SigningAuthority.person_id == target.id))
    rows = [
        SigningAuthority(
            person_id=target.id,
            kind=i.kind,
            principal=i.principal if i.kind != AuthorityKind.OWN else "",
            title=i.title if i.kind != AuthorityKind.Q else "",
            is_default=n == first_default,
            seq=n,
        )
        for n, i in enumerate(checked)
    ]
    session.add_all(rows)
    session.flush()
    audit(
        session,
        actor,
        "authorities_set",
        None,
        person_id=target.id,
        lines=[" / ".join(x for x in r.lines() if x) for r in rows],
    )
    return rows
