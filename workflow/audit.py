"""A tamper-evident audit trail: every event linked into a SHA-256 hash chain, its head timestamped daily.

Events are written by the services in the same transaction as the change they record (audit());
the sealer (the scheduler, every tick) then links committed events into the chain in the order it
takes them: link n holds the hash of link n-1 and of the event's content. Sealing after commit keeps
the hot path free of a global lock. Each day the head of the chain is timestamped by the TSA (an
anchor, printed at the end of the day's register), so a chain cut short and re-linked is found too.
`congvan audit verify` walks the chain and reports the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from signing import timestamps
from workflow.models import AuditAnchor, AuditEvent, AuditLink, Document, Person


def audit(
    session: Session,
    actor: Person | None,
    action: str,
    document: Document | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Write an audit event in the caller's transaction."""
    event = AuditEvent(
        document_id=document.id if document else None,
        actor_id=actor.id if actor else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )
    session.add(event)
    return event


GENESIS = "0" * 64
# Events committed late (a long transaction) still have ids close to the head: look back this far.
LOOKBACK = 10_000
SEAL_BATCH = 2_000


def content(event: AuditEvent) -> bytes:
    """The canonical bytes of an event: what its link's hash covers."""
    created = event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = {
        "id": event.id,
        "document_id": event.document_id,
        "actor_id": event.actor_id,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "detail": event.detail,
        "created_at": created,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link_hash(prev_hash: str, seq: int, event: AuditEvent) -> str:
    """The hash of link `seq`: over the previous link's hash, the position and the event's content."""
    return hashlib.sha256(f"{prev_hash}\n{seq}\n".encode() + content(event)).hexdigest()


def head(session: Session) -> AuditLink | None:
    """The last link of the chain."""
    return session.scalar(select(AuditLink).order_by(AuditLink.seq.desc()).limit(1))


def seal(session: Session) -> int:
    """Link the committed events not yet in the chain, in id order; returns how many were linked."""
    if session.get_bind().dialect.name == "postgresql":
        # One sealer at a time, even with several schedulers (SQLite serialises writers already).
        session.execute(text("SELECT pg_advisory_xact_lock(20301)"))
    last = head(session)
    watermark = last.audit_id - LOOKBACK if last else 0
    linked = select(AuditLink.audit_id).where(AuditLink.audit_id > watermark)
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.id > watermark, AuditEvent.id.not_in(linked))
        .order_by(AuditEvent.id)
        .limit(SEAL_BATCH)
    ).all()
    prev, seq = (last.hash, last.seq) if last else (GENESIS, 0)
    for event in events:
        seq += 1
        prev = link_hash(prev, seq, event)
        session.add(AuditLink(seq=seq, audit_id=event.id, hash=prev))
    return len(events)


def anchor(session: Session, tsa_url: str, timeout: float) -> AuditAnchor | None:
    """Timestamp the chain's head with the TSA (once a day); None when there is nothing to anchor."""
    last = head(session)
    if last is None:
        return None
    token = None
    if tsa_url:
        token = timestamps.timestamp_token(tsa_url, bytes.fromhex(last.hash), timeout)
    made = AuditAnchor(seq=last.seq, hash=last.hash, token=token)
    session.add(made)
    return made


@dataclass
class Verdict:
    """What `audit verify` found: links checked, the first broken one, events not yet linked."""

    links: int = 0
    anchors: int = 0
    unsealed: int = 0
    broken: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if every link and anchor holds."""
        return self.broken is None


def verify(session: Session, chunk: int = 5_000) -> Verdict:
    """Walk the chain from the start: recompute every link, then check every anchor against it."""
    verdict = Verdict()
    prev, expected_seq = GENESIS, 1
    hashes: dict[int, str] = {}
    after = 0
    while verdict.broken is None:
        links = session.scalars(
            select(AuditLink).where(AuditLink.seq > after).order_by(AuditLink.seq).limit(chunk)
        ).all()
        if not links:
            break
        events = {
            e.id: e for e in session.scalars(select(AuditEvent).where(AuditEvent.id.in_([k.audit_id for k in links])))
        }
        for link in links:
            event = events.get(link.audit_id)
            if link.seq != expected_seq:
                verdict.broken = _broken(
                    expected_seq, link.audit_id, "missing_link", f"Thiếu liên kết số {expected_seq}."
                )
            elif event is None:
                verdict.broken = _broken(link.seq, link.audit_id, "missing_event", "Sự kiện đã bị xóa khỏi nhật ký.")
            elif link_hash(prev, link.seq, event) != link.hash:
                verdict.broken = _broken(
                    link.seq, link.audit_id, "changed_event", "Nội dung sự kiện không khớp mã băm của chuỗi."
                )
            if verdict.broken is not None:
                break
            prev, expected_seq = link.hash, expected_seq + 1
            hashes[link.seq] = link.hash
            verdict.links += 1
        after = links[-1].seq
    if verdict.broken is None:
        for made in session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)):
            verdict.anchors += 1
            if hashes.get(made.seq) != made.hash:
                verdict.broken = _broken(
                    made.seq,
                    None,
                    "anchor_mismatch",
                    f"Chuỗi không còn khớp mốc đã đóng dấu thời gian ngày {made.created_at:%d/%m/%Y} "
                    "(bị cắt bớt hoặc nối lại).",
                )
                break
            if made.token is not None and not timestamps.token_covers(made.token, bytes.fromhex(made.hash)):
                verdict.broken = _broken(made.seq, None, "anchor_token", "Dấu thời gian của mốc không khớp mã băm.")
                break
    last = max(hashes, default=0)
    verdict.unsealed = int(
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.id.not_in(select(AuditLink.audit_id)))
        )
        or 0
    )
    if last and verdict.ok:
        verdict.notes.append(f"Chuỗi nguyên vẹn: {last} liên kết, {verdict.anchors} mốc thời gian.")
    return verdict


def _broken(seq: int, audit_id: int | None, code: str, message: str) -> dict[str, Any]:
    return {"seq": seq, "audit_id": audit_id, "code": code, "message": message}
