"""Delegation while away: a leader (or the admin for them) hands some of their work — signing, the instruction on
incoming documents, a head of unit's approval of drafts — to a named person for a period. It begins and ends by
itself (the scheduler's tick) or is withdrawn; the audit keeps each step and both people are told each time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from workflow import outbox
from workflow.audit import audit
from workflow.directory.authorities import Chosen, authority_for
from workflow.directory.models import SCOPE_LABELS, Delegation, DelegationScope
from workflow.directory.schemas import DelegationIn
from workflow.directory.service import colleague
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.models import Person
from workflow.notifications.service import notify

# The longest one delegation may run: a year's leave at most; a longer absence is a new appointment, not this.
LONGEST = dt.timedelta(days=366)

# What the principal must hold to hand a scope over.
NEEDS = {DelegationScope.SIGN: "leader", DelegationScope.ASSIGN: "leader", DelegationScope.APPROVE: "unit_head"}


def scopes_text(delegation: Delegation) -> str:
    """The scopes as people read them: "Ký văn bản, Duyệt dự thảo"."""
    return ", ".join(SCOPE_LABELS[DelegationScope(s)] for s in delegation.scopes.split())


def _when(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M ngày %d/%m/%Y")


def _may_delegate(actor: Person, principal: Person) -> None:
    if actor.id != principal.id and not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ chính người ủy quyền hoặc quản trị viên được ủy quyền hay thu hồi.")


def _scopes(principal: Person, asked: list[str]) -> list[str]:
    chosen = [s for s in DelegationScope if s in asked]
    if not chosen:
        raise Invalid("missing_field", "Chọn ít nhất một việc được ủy quyền.", field="scopes")
    for scope in chosen:
        if not principal.has_role(NEEDS[scope]):
            raise Invalid(
                "scope_not_held",
                f"{principal.full_name} không có quyền «{SCOPE_LABELS[scope]}» nên không ủy quyền việc này được.",
                field="scopes",
            )
    return [str(s) for s in chosen]


def create(session: Session, actor: Person, data: DelegationIn, now: dt.datetime, tz: ZoneInfo) -> Delegation:
    """A leader (or the admin for them) delegates some scopes to a colleague for a period."""
    principal = colleague(session, actor, data.principal_id or actor.id)
    _may_delegate(actor, principal)
    delegate = colleague(session, actor, data.delegate_id)
    if delegate.id == principal.id:
        raise Invalid("self_delegation", "Không thể ủy quyền cho chính mình; hãy chọn người khác.", field="delegate_id")
    if not delegate.active:
        raise Invalid("inactive_delegate", f"Tài khoản của {delegate.full_name} đang bị khóa.", field="delegate_id")
    scopes = _scopes(principal, list(data.scopes))
    # Times given without a zone are the agency's local times, as people write them (and forms send them).
    starts, ends = (t if t.tzinfo else t.replace(tzinfo=tz) for t in (data.starts_at, data.ends_at))
    if ends <= starts:
        raise Invalid("invalid_period", "Thời điểm kết thúc phải sau thời điểm bắt đầu.", field="ends_at")
    if ends <= now:
        raise Invalid(
            "period_over", "Thời gian ủy quyền đã qua; hãy chọn thời điểm kết thúc sau bây giờ.", field="ends_at"
        )
    if ends - starts > LONGEST:
        raise Invalid("period_too_long", "Mỗi lần ủy quyền dài nhất 366 ngày.", field="ends_at")
    chosen = Chosen("", "", "")
    if DelegationScope.SIGN in scopes and not delegate.has_role("leader"):
        raise Invalid(
            "delegate_cannot_sign",
            f"{delegate.full_name} không phải lãnh đạo có khóa ký số nên không ký thay được; hãy chọn một lãnh đạo "
            "khác, hoặc chỉ ủy quyền giao xử lý văn bản đến.",
            field="delegate_id",
        )
    if DelegationScope.APPROVE in scopes and delegate.unit_id != principal.unit_id:
        raise Invalid(
            "approve_other_unit",
            f"{delegate.full_name} không thuộc {principal.unit.name}; việc duyệt dự thảo của đơn vị chỉ ủy quyền cho "
            "người cùng đơn vị (ví dụ cấp phó).",
            field="delegate_id",
        )
    if DelegationScope.SIGN in scopes:
        if data.authority_id is None:
            raise Invalid(
                "missing_field",
                f"Chọn dòng thẩm quyền {delegate.full_name} dùng khi ký thay (ví dụ KT. GIÁM ĐỐC).",
                field="authority_id",
            )
        chosen = Chosen.of(authority_for(session, delegate, data.authority_id))
    overlapping = session.scalars(
        select(Delegation).where(
            Delegation.principal_id == principal.id,
            Delegation.withdrawn_at.is_(None),
            Delegation.starts_at < ends,
            Delegation.ends_at > starts,
        )
    )
    for other in overlapping:
        clash = [s for s in scopes if other.covers(s)]
        if clash:
            raise Conflict(
                "delegation_overlaps",
                f"{principal.full_name} đã ủy quyền «{SCOPE_LABELS[DelegationScope(clash[0])]}» cho "
                f"{other.delegate.full_name} từ {_when(other.starts_at, tz)} đến {_when(other.ends_at, tz)}; "
                "hãy thu hồi ủy quyền đó trước hoặc chọn thời gian khác.",
            )
    row = Delegation(
        principal_id=principal.id,
        delegate_id=delegate.id,
        scopes=" ".join(scopes),
        authority_kind=chosen.kind,
        authority_line=chosen.line,
        authority_title=chosen.title,
        starts_at=starts,
        ends_at=ends,
        note=data.note or "",
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "delegation_created",
        None,
        delegation_id=row.id,
        principal_id=principal.id,
        delegate_id=delegate.id,
        scopes=scopes,
        lines=" / ".join(x for x in (chosen.line, chosen.title) if x),
        starts_at=starts.isoformat(),
        ends_at=ends.isoformat(),
    )
    advance(session, row.id, now, tz)  # begun at once when it starts now
    return row


def get(session: Session, actor: Person, delegation_id: int, *, lock: bool = False) -> Delegation:
    """A delegation its principal, its delegate or an admin of the agency may see (404 for anyone else)."""
    query = select(Delegation).where(Delegation.id == delegation_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None or found.principal.unit.agency_id != actor.unit.agency_id:
        raise NotFound("delegation_not_found", "Không tìm thấy ủy quyền.")
    if actor.id not in (found.principal_id, found.delegate_id) and not actor.has_role("admin"):
        raise NotFound("delegation_not_found", "Không tìm thấy ủy quyền.")
    return found


def withdraw(session: Session, actor: Person, delegation_id: int, now: dt.datetime, tz: ZoneInfo) -> Delegation:
    """End a delegation before its time (the principal or an admin); both are told at once."""
    row = get(session, actor, delegation_id, lock=True)
    _may_delegate(actor, row.principal)
    if row.withdrawn_at is not None or row.ends_at <= now:
        raise Conflict("delegation_over", "Ủy quyền này đã kết thúc.")
    row.withdrawn_at, row.withdrawn_by_id = now, actor.id
    audit(session, actor, "delegation_withdrawn", None, delegation_id=row.id)
    advance(session, row.id, now, tz)  # ended now: both are told, the signing book goes back
    return row


def listed(session: Session, actor: Person) -> list[Delegation]:
    """The delegations the actor gave or received (every one of the agency for an admin), newest first."""
    query = select(Delegation).order_by(Delegation.id.desc()).limit(200)
    if not actor.has_role("admin"):
        query = query.where(or_(Delegation.principal_id == actor.id, Delegation.delegate_id == actor.id))
    return [d for d in session.scalars(query) if d.principal.unit.agency_id == actor.unit.agency_id]


def acting_for(session: Session, person: Person, scope: str, now: dt.datetime) -> list[int]:
    """The ids of the people whose `scope` this person holds now by delegation."""
    running = session.scalars(select(Delegation).where(*_running_to(person, now)))
    return [d.principal_id for d in running if d.covers(scope)]


def _running_to(person: Person, now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    """The conditions of the delegations handing something to this person now."""
    return (
        Delegation.delegate_id == person.id,
        Delegation.withdrawn_at.is_(None),
        Delegation.starts_at <= now,
        Delegation.ends_at > now,
    )


def holds(session: Session, person: Person, scope: str, now: dt.datetime) -> bool:
    """True if the person holds someone's `scope` now by delegation (as looked up once for the request, if it was)."""
    known = person.lent_scopes()
    return scope in known if known is not None else bool(acting_for(session, person, scope, now))


def lend(session: Session, person: Person, now: dt.datetime) -> None:
    """For this request, note which scopes running delegations hand the person (one query; holds() then asks no
    more), and give them the unit head's role when one hands them a unit's approval (DelegationScope.APPROVE):
    every rule that asks has_role("unit_head") then holds."""
    rows = session.scalars(select(Delegation.scopes).where(*_running_to(person, now)))
    scopes = frozenset(scope for row in rows for scope in row.split())
    approves = DelegationScope.APPROVE in scopes and not person.has_role("unit_head")
    person.lend(frozenset({"unit_head"}) if approves else frozenset(), scopes)


def due(session: Session, now: dt.datetime) -> list[int]:
    """The delegations whose beginning or end nobody has been told of yet."""
    query = select(Delegation.id).where(
        or_(
            (Delegation.began.is_(False)) & (Delegation.starts_at <= now) & Delegation.withdrawn_at.is_(None),
            (Delegation.ended.is_(False)) & ((Delegation.ends_at <= now) | Delegation.withdrawn_at.is_not(None)),
        )
    )
    return list(session.scalars(query.order_by(Delegation.id)))


def advance(session: Session, delegation_id: int, now: dt.datetime, tz: ZoneInfo) -> str | None:
    """Record that a delegation began or ended, once, and tell both people; returns "began", "ended" or None."""
    row = session.scalar(select(Delegation).where(Delegation.id == delegation_id).with_for_update())
    if row is None:
        return None
    scopes, both = scopes_text(row), [row.principal_id, row.delegate_id]
    over = row.withdrawn_at is not None or row.ends_at <= now
    if over and not row.ended:
        row.began = row.ended = True
        why = "đã bị thu hồi" if row.withdrawn_at is not None else "đã hết thời hạn"
        message = f"Ủy quyền «{scopes}» của {row.principal.full_name} cho {row.delegate.full_name} {why}."
        notify(session, both, "delegation", message, None, delegation_id=row.id)
        audit(session, None, "delegation_ended", None, delegation_id=row.id, withdrawn=row.withdrawn_at is not None)
        if row.covers(DelegationScope.SIGN):
            outbox.add(session, outbox.HAND_OVER, delegation_id=row.id)  # back to the leader, after commit
        return "ended"
    if not row.began and row.starts_at <= now:
        row.began = True
        until = _when(row.ends_at, tz)
        notify(
            session,
            [row.delegate_id],
            "delegation",
            f"{row.principal.full_name} ủy quyền cho bạn «{scopes}» đến {until}.",
            None,
            delegation_id=row.id,
        )
        notify(
            session,
            [row.principal_id],
            "delegation",
            f"Ủy quyền «{scopes}» cho {row.delegate.full_name} đã bắt đầu, đến {until}.",
            None,
            delegation_id=row.id,
        )
        audit(session, None, "delegation_began", None, delegation_id=row.id)
        if row.covers(DelegationScope.SIGN):
            outbox.add(session, outbox.HAND_OVER, delegation_id=row.id)  # the signing book moves, after commit
        return "began"
    return None


def advance_due(session: Session, now: dt.datetime, tz: ZoneInfo) -> int:
    """Begin and end the delegations whose time came (the scheduler's tick); returns how many changed."""
    return sum(advance(session, delegation_id, now, tz) is not None for delegation_id in due(session, now))


def hand_over_later(session: Session, signer_id: int, now: dt.datetime) -> None:
    """A document now waits for this signer: if they delegated signing, have it handed over after commit."""
    query = select(Delegation).where(
        Delegation.principal_id == signer_id,
        Delegation.withdrawn_at.is_(None),
        Delegation.starts_at <= now,
        Delegation.ends_at > now,
    )
    for row in session.scalars(query):
        if row.covers(DelegationScope.SIGN):
            outbox.add(session, outbox.HAND_OVER, delegation_id=row.id)
