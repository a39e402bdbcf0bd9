"""Signing batches: the signing book, creating, confirming, signing item by item, finishing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from signing import pdf as signing_pdf
from signing.errors import SigningError
from workflow import catalog, outbox
from workflow.accounts.service import Reauthenticated
from workflow.audit import audit
from workflow.documents.drafting import store_version
from workflow.documents.lifecycle import check
from workflow.documents.service import read_pdf
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.models import AuditEvent, Document, DocumentVersion, Person, SigningBatch, SigningBatchItem
from workflow.runtime import Runtime
from workflow.signatures import leader
from workflow.signatures.models import AGENT, RemoteTransaction
from workflow.states import BatchState, DocumentState, ItemStatus


def signing_book(session: Session, leader: Person) -> list[Document]:
    """Documents waiting for this leader's signature."""
    query = select(Document).where(Document.signer_id == leader.id, Document.state == DocumentState.AWAITING_SIGNATURE)
    return list(session.scalars(query.order_by(Document.id)))


def signing_book_of(session: Session, actor: Person, leader_id: int | None) -> tuple[Person, list[Document]]:
    """A leader's signing book as the actor may see it: their own, or a leader of the agency's for a clerk."""
    if leader_id is None:
        if not actor.has_role("leader"):
            raise Forbidden("forbidden", "Chỉ lãnh đạo có sổ trình ký; văn thư chọn lãnh đạo (leader_id).")
        return actor, signing_book(session, actor)
    leader = session.get(Person, leader_id)
    mine = leader is not None and leader.unit.agency_id == actor.unit.agency_id
    if leader is None or not leader.has_role("leader") or not actor.has_role("clerk") or not mine:
        raise NotFound("leader_not_found", "Không tìm thấy sổ trình ký của lãnh đạo này.")
    return leader, signing_book(session, leader)


def mark_read(session: Session, leader: Person, document: Document) -> bool:
    """Record that the leader has read the document's current version in the signing book (once per version);
    True when this is the first time."""
    seq = document.current_version.seq
    if document.id in read_ids(session, leader, [document.id], current_only=True):
        return False
    audit(session, leader, "read_for_signing", document, version=seq)
    return True


def read_ids(session: Session, leader: Person, document_ids: list[int], *, current_only: bool = True) -> set[int]:
    """Which of these documents the leader has read in the signing book (their current version, by default)."""
    if not document_ids:
        return set()
    query = select(AuditEvent.document_id, AuditEvent.detail).where(
        AuditEvent.actor_id == leader.id,
        AuditEvent.action == "read_for_signing",
        AuditEvent.document_id.in_(document_ids),
    )
    rows = session.execute(query).all()
    if not current_only:
        return {int(document_id) for document_id, _ in rows if document_id is not None}
    current = dict(
        session.execute(
            select(DocumentVersion.document_id, func.max(DocumentVersion.seq))
            .where(DocumentVersion.document_id.in_(document_ids))
            .group_by(DocumentVersion.document_id)
        ).all()
    )
    return {int(d) for d, detail in rows if d is not None and (detail or {}).get("version") == current.get(d)}


def recent_batches(session: Session, leader: Person, count: int = 5) -> list[SigningBatch]:
    """A leader's latest signing batches, newest first."""
    query = select(SigningBatch).where(SigningBatch.leader_id == leader.id).order_by(SigningBatch.id.desc())
    return list(session.scalars(query.limit(count)))


def create_batch(
    session: Session,
    actor: Person | None,
    leader_id: int,
    document_ids: list[int] | None = None,
    *,
    prepare_ahead: bool = False,
) -> SigningBatch:
    """Collect a leader's approved non-urgent documents into a batch to confirm once.

    With prepare_ahead, a job prepares the signatures while the batch waits for the leader.
    """
    leader = session.get(Person, leader_id)
    theirs = actor is not None and leader is not None and leader.unit.agency_id != actor.unit.agency_id
    if leader is None or not leader.has_role("leader") or theirs:
        raise Invalid("invalid_leader", "Người ký không phải là lãnh đạo.", field="leader_id")
    if actor is not None and not (actor.has_role("clerk") or actor.id == leader.id):
        raise Forbidden("forbidden", "Chỉ văn thư hoặc chính lãnh đạo được lập lô trình ký.")
    busy = set(
        session.scalars(
            select(SigningBatchItem.document_id)
            .join(SigningBatch)
            .where(
                SigningBatch.state.in_((BatchState.OPEN, BatchState.SIGNING)),
                SigningBatchItem.status == ItemStatus.PENDING,
            )
        )
    )
    candidates = [d for d in signing_book(session, leader) if not catalog.is_urgent(d.urgency) and d.id not in busy]
    if document_ids is not None:
        wanted = set(document_ids)
        candidates = [d for d in candidates if d.id in wanted]
        missing = wanted - {d.id for d in candidates}
        if missing:
            raise Conflict(
                "not_in_signing_book",
                "Có văn bản không ở trong sổ trình ký của lãnh đạo này (hoặc đã thuộc lô khác).",
                document_ids=sorted(missing),
            )
    if not candidates:
        raise Conflict("nothing_to_sign", "Không có văn bản nào chờ ký trong sổ trình ký.")
    batch = SigningBatch(leader_id=leader.id, created_by_id=actor.id if actor else None)
    session.add(batch)
    for document in candidates:
        batch.items.append(SigningBatchItem(document_id=document.id, sha256=document.current_version.sha256))
    session.flush()
    audit(session, actor, "batch_created", None, batch_id=batch.id, documents=[d.id for d in candidates])
    if prepare_ahead:
        outbox.add(session, outbox.PREPARE_BATCH, batch_id=batch.id)
    return batch


def get_batch(session: Session, actor: Person, batch_id: int, *, lock: bool = False) -> SigningBatch:
    """A batch visible to the actor (its leader, or a clerk of the agency)."""
    query = select(SigningBatch).where(SigningBatch.id == batch_id)
    if lock:
        query = query.with_for_update()
    batch = session.scalar(query)
    if batch is None or not (
        actor.id == batch.leader_id or (actor.has_role("clerk") and batch.leader.unit.agency_id == actor.unit.agency_id)
    ):
        raise NotFound("batch_not_found", "Không tìm thấy lô trình ký.")
    return batch


def confirm_batch(
    session: Session, actor: Person, batch_id: int, proof: Reauthenticated, *, notify: str = ""
) -> SigningBatch:
    """The leader confirms the whole batch once, having re-authenticated; signing runs in the background.

    `notify` is this service's address as a remote signing service calls it back (SmartCA's notifyUrl).
    """
    batch = get_batch(session, actor, batch_id, lock=True)
    if actor.id != batch.leader_id or proof.person_id != actor.id:
        raise Forbidden("forbidden_action", "Chỉ lãnh đạo ký mới được xác nhận lô trình ký.")
    if batch.state != BatchState.OPEN:
        return batch  # confirming twice signs nothing twice
    batch.state = BatchState.SIGNING
    batch.confirmed_at = dt.datetime.now(dt.UTC)
    items = session.scalars(  # the documents and their versions in two queries, not two per document
        select(SigningBatchItem)
        .where(SigningBatchItem.batch_id == batch.id)
        .options(selectinload(SigningBatchItem.document).selectinload(Document.versions))
        .execution_options(populate_existing=True)
    ).all()
    for item in items:
        if (
            item.document.current_version.sha256 != item.sha256
            or item.document.state != DocumentState.AWAITING_SIGNATURE
        ):
            item.status = ItemStatus.FAILED
            item.error = "Văn bản đã thay đổi sau khi lập lô; cần lập lô mới."
    audit(session, actor, "batch_confirmed", None, batch_id=batch.id, count=len(batch.items))
    outbox.add(session, outbox.SIGN_BATCH, batch_id=batch.id, notify=notify)
    return batch


def retry_batch(session: Session, actor: Person, batch_id: int, *, notify: str = "") -> SigningBatch:
    """Put the failed documents of a batch back to pending and sign them again (only them)."""
    batch = get_batch(session, actor, batch_id, lock=True)
    if actor.id != batch.leader_id:
        raise Forbidden("forbidden_action", "Chỉ lãnh đạo ký mới được ký lại.")
    failed = [
        i for i in batch.items if i.status == ItemStatus.FAILED and i.document.state == DocumentState.AWAITING_SIGNATURE
    ]
    if batch.state == BatchState.OPEN or not failed:
        raise Conflict("nothing_to_retry", "Không có văn bản lỗi nào để ký lại.")
    for item in failed:
        item.status, item.error, item.sha256 = ItemStatus.PENDING, None, item.document.current_version.sha256
    batch.state = BatchState.SIGNING
    audit(session, actor, "batch_retry", None, batch_id=batch.id, documents=[i.document_id for i in failed])
    outbox.add(session, outbox.SIGN_BATCH, batch_id=batch.id, notify=notify)
    return batch


def lock_items(session: Session, item_ids: list[int]) -> list[SigningBatchItem]:
    """Lock batch items and their documents (documents first, as every signing path does), loaded eagerly."""
    document_ids = select(SigningBatchItem.document_id).where(SigningBatchItem.id.in_(item_ids))
    session.scalars(select(Document.id).where(Document.id.in_(document_ids)).with_for_update()).all()
    query = (
        select(SigningBatchItem)
        .where(SigningBatchItem.id.in_(item_ids))
        .options(
            joinedload(SigningBatchItem.batch).joinedload(SigningBatch.leader),
            selectinload(SigningBatchItem.document).selectinload(Document.versions),
        )
        .with_for_update(of=SigningBatchItem)
        .order_by(SigningBatchItem.id)
    )
    return list(session.scalars(query).unique())


def _claim_item(item: SigningBatchItem) -> bool:
    """Re-check a locked item and its document: True when it is still to be signed.

    Also records the batch's heartbeat, which the reconciler reads to find a batch whose job died.
    """
    if item.status != ItemStatus.PENDING or item.batch.state != BatchState.SIGNING:
        return False
    item.batch.heartbeat_at = dt.datetime.now(dt.UTC)
    document = item.document
    if document.state != DocumentState.AWAITING_SIGNATURE:
        # Signed meanwhile (e.g. a previous run that died after its commit, or signed singly).
        item.status = ItemStatus.SIGNED if document.signed_at else ItemStatus.FAILED
        item.error = None if document.signed_at else "Văn bản không còn chờ ký."
        return False
    if document.current_version.sha256 != item.sha256:
        item.status, item.error = ItemStatus.FAILED, "Văn bản đã thay đổi sau khi lãnh đạo xác nhận."
        return False
    return True


def sign_batch_item(session: Session, rt: Runtime, item_id: int) -> str:
    """Sign one pending item of a signing batch in the caller's transaction, one-shot; idempotent."""
    items = lock_items(session, [item_id])
    if not items:
        return "missing"
    item = items[0]
    if not _claim_item(item):
        return item.status
    leader.sign_now(session, rt, item.batch.leader, item.document, batch_id=item.batch_id)
    item.status = ItemStatus.SIGNED
    item.signed_at = dt.datetime.now(dt.UTC)
    return item.status


def record_signature(session: Session, rt: Runtime, item: SigningBatchItem, signed: bytes, *, deferred: bool) -> str:
    """Record a signature made by the batch job (two-phase) for an item locked with lock_items."""
    if not _claim_item(item):
        return item.status
    leader.record(
        session,
        rt,
        item.batch.leader,
        item.document,
        signed,
        seen_sha256=item.sha256,
        deferred=deferred,
        flush=False,
        batch_id=item.batch_id,
    )
    item.status, item.signed_at = ItemStatus.SIGNED, item.document.signed_at
    return item.status


def fail_items(session: Session, item_ids: list[int], message: str) -> None:
    """Mark still-pending items of a batch failed with the reason the leader will see."""
    for item in session.scalars(
        select(SigningBatchItem).where(SigningBatchItem.id.in_(item_ids), SigningBatchItem.status == ItemStatus.PENDING)
    ):
        item.status, item.error = ItemStatus.FAILED, message


def store_prepared(
    session: Session, rt: Runtime, item_id: int, prepared: signing_pdf.Prepared, day: dt.date, cert: str
) -> bool:
    """Keep phase 1 of an item's signature, made ahead while it waits for the leader's confirmation."""
    item = session.scalar(select(SigningBatchItem).where(SigningBatchItem.id == item_id).with_for_update())
    if item is None or item.status != ItemStatus.PENDING or item.document.current_version.sha256 != item.sha256:
        return False
    item.prepared_sha256 = rt.store.put(prepared.data)
    item.prepared_digest = prepared.digest.hex()
    item.prepared_start, item.prepared_end = prepared.start, prepared.end
    item.prepared_day, item.prepared_cert = day, cert
    return True


def prepared_of(
    rt: Runtime, item: SigningBatchItem, day: dt.date, cert: str, reserved: int
) -> signing_pdf.Prepared | None:
    """An item's phase 1 made ahead, if it still holds: same day, same certificate, room enough."""
    if (
        item.prepared_day != day
        or item.prepared_cert != cert
        or (item.prepared_end or 0) - (item.prepared_start or 0) < reserved  # the hex CMS: bytes_reserved chars
    ):
        return None
    return stored_prepared(rt, item)


def stored_prepared(rt: Runtime, item: SigningBatchItem) -> signing_pdf.Prepared | None:
    """An item's kept phase 1 (its file with the placeholder, digest and region), if any."""
    if (
        item.prepared_sha256 is None
        or item.prepared_digest is None
        or item.prepared_start is None
        or item.prepared_end is None
    ):
        return None
    return signing_pdf.Prepared(
        rt.store.get(item.prepared_sha256), bytes.fromhex(item.prepared_digest), item.prepared_start, item.prepared_end
    )


def transactions_of(session: Session, batch: SigningBatch) -> list[RemoteTransaction]:
    """The approvals a batch asked of a remote signing service (SmartCA, MySign), oldest first."""
    query = (
        select(RemoteTransaction)
        .where(RemoteTransaction.batch_id == batch.id, RemoteTransaction.provider != AGENT)
        .order_by(RemoteTransaction.id)
    )
    return list(session.scalars(query))


def finish_batch(session: Session, batch_id: int) -> SigningBatch:
    """Close a batch when no item is pending: done, or partial if some failed."""
    batch = session.get(SigningBatch, batch_id)
    assert batch is not None
    statuses = {i.status for i in batch.items}
    if ItemStatus.PENDING not in statuses and batch.state == BatchState.SIGNING:
        batch.state = BatchState.PARTIAL if ItemStatus.FAILED in statuses else BatchState.DONE
        batch.finished_at = dt.datetime.now(dt.UTC)
        audit(session, None, "batch_finished", None, batch_id=batch.id, state=batch.state)
    return batch


def add_due_timestamp(session: Session, rt: Runtime, document_id: int) -> bool:
    """Add the owed document timestamp to a document signed while the TSA was down; idempotent."""
    document = session.scalar(select(Document).where(Document.id == document_id).with_for_update())
    if document is None or not document.timestamp_due:
        return False
    if rt.pades.timestamper is None:
        raise SigningError("tsa_not_configured", "Chưa cấu hình máy chủ cấp dấu thời gian (TSA_URL).")
    stamped = signing_pdf.add_document_timestamp(read_pdf(rt, document.current_version), rt.pades.timestamper)
    version = store_version(session, rt, document, stamped, "timestamped", None)
    document.timestamp_due = False
    audit(session, None, "timestamp_added", document, sha256=version.sha256)
    return True


def sign_remotely(session: Session, actor: Person, document: Document, *, notify: str = "") -> dict[str, Any]:
    """Sign one document (an urgent one) with a remote key: a batch of one, confirmed at once.

    The leader approves on their phone; the document is signed when the job gets the approval.
    """
    check(actor, document, "sign")
    batch = SigningBatch(leader_id=document.signer_id, created_by_id=actor.id, state=BatchState.SIGNING)
    batch.confirmed_at = dt.datetime.now(dt.UTC)
    batch.items.append(SigningBatchItem(document_id=document.id, sha256=document.current_version.sha256))
    session.add(batch)
    session.flush()
    audit(session, actor, "batch_confirmed", document, batch_id=batch.id, count=1, remote=True)
    outbox.add(session, outbox.SIGN_BATCH, batch_id=batch.id, notify=notify)
    return {"batch_id": batch.id, "awaiting_approval": True}
