"""The signing batch's jobs: prepare ahead, and sign a confirmed batch (prepare on every core, sign all digests
at once, commit in chunks). They take ids, lock rows, re-check state and are idempotent."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from sqlalchemy import select

from signing import pdf as signing_pdf
from signing import timestamps
from signing.errors import SigningError
from signing.remote import CscSigner
from signing.signers import Signer
from workflow import catalog, runtime
from workflow.directory import service as directory
from workflow.errors import DomainError
from workflow.models import Person, SigningBatch, SigningBatchItem
from workflow.signatures import accounts, agent, approvals, delegation, preparing, steps, tsa_policy
from workflow.signatures import service as batches
from workflow.states import BatchState

log = logging.getLogger(__name__)


def sign_batch(batch_id: int, notify: str = "") -> str:
    """Sign every pending document of a confirmed batch: prepare on every core, sign all digests at once.

    Each document that cannot be prepared fails alone; a refused approval, an unreachable TSA (policy
    "fail") or a key problem fails every document still pending, visibly. Documents are committed in
    chunks; a re-run after a crash signs only what was not committed. A SmartCA leader's batch goes through
    signatures.approvals (`notify`: where SmartCA calls back).
    """
    rt = runtime.current()
    batch, work, leader = steps.load_work(rt, batch_id)
    if batch is None or leader is None or batch.state != BatchState.SIGNING:
        return batch.state if batch else "missing"
    if leader.signer_kind in catalog.SIGNED_ELSEWHERE:
        return batch.state  # the leader's own tool signs each file on their PC and hands it back (tokens.py)
    if work and leader.signer_kind in accounts.PROVIDERS:
        approvals.sign_batch(rt, batch, leader, work, notify)
    elif work and leader.signer_kind == agent.AGENT:
        agent.sign_batch(rt, batch, leader, work)  # the leader's page carries the digests to their token
    elif work and rt.pades.level in ("B-LT", "B-LTA"):
        _sign_one_by_one(rt, batch_id, [w.item_id for w in work])  # long-term levels: pyHanko's one-shot path
    elif work:
        _sign_two_phase(rt, batch, leader, work)
    with rt.sessions() as session, session.begin():
        return batches.finish_batch(session, batch_id).state


def agent_signed(batch_id: int, transaction_id: int) -> str:
    """Write the signatures the leader's page brought back from congvan-agent, each checked first; idempotent."""
    rt = runtime.current()
    agent.signed(rt, transaction_id)
    with rt.sessions() as session, session.begin():
        batch = session.get(SigningBatch, batch_id)
        return batches.finish_batch(session, batch_id).state if batch is not None else "missing"


def poll_approvals(batch_id: int, now_all: bool = False) -> str:
    """Ask the leader's signing service about the batch's waiting approvals (those due, or all when its
    callback arrived), write what came back, and close the batch when nothing is pending; idempotent."""
    rt = runtime.current()
    approvals.poll(rt, batch_id, now_all=now_all)
    with rt.sessions() as session, session.begin():
        batch = session.get(SigningBatch, batch_id)
        return batches.finish_batch(session, batch_id).state if batch is not None else "missing"


def hand_over(delegation_id: int) -> dict[str, int]:
    """Move the documents waiting for a leader to their delegate while a delegation of signing runs, and back
    when it ends; idempotent."""
    return delegation.hand_over(runtime.current(), delegation_id)


def _sign_two_phase(rt: runtime.Runtime, batch: SigningBatch, leader: Person, work: list[steps.Work]) -> None:
    description = f"Ký {len(work)} văn bản (lô trình ký số {batch.id})"
    try:
        signer = rt.keyring.for_batch(leader, len(work), description)
        certificates = steps.certificates_of(signer)
    except SigningError as exc:
        steps.fail(rt, [w.item_id for w in work], exc.message)
        return
    moment = (batch.confirmed_at or dt.datetime.now(dt.UTC)).astimezone(rt.tz)
    day = rt.now().date()
    reserved = signing_pdf.BYTES_RESERVED_TIMESTAMPED if rt.pades.timestamped else signing_pdf.BYTES_RESERVED
    cert_id = hashlib.sha256(certificates[0]).hexdigest()
    with rt.readers() as session:
        ahead = {
            item.id: batches.prepared_of(rt, item, day, cert_id, reserved)
            for item in session.scalars(
                select(SigningBatchItem).where(SigningBatchItem.id.in_([w.item_id for w in work]))
            )
        }
    image = directory.image(rt, leader.signature_image)
    fresh = steps.read_files(rt, [w for w in work if ahead.get(w.item_id) is None], fail_unreadable=True)
    tasks = [
        preparing.PrepareTask(data, w.stamp, moment, day, image, rt.pades.timestamped, certificates)
        for w, data in fresh
    ]
    prepared: dict[int, signing_pdf.Prepared] = {i: p for i, p in ahead.items() if p is not None}
    for (w, _data), result in zip(fresh, steps.prepare_all(rt, signer, tasks), strict=True):
        if isinstance(result, signing_pdf.Prepared):
            prepared[w.item_id] = result
        else:
            steps.fail(rt, [w.item_id], result[1])
    order = [w.item_id for w in work if w.item_id in prepared]
    if not order:
        return
    if isinstance(signer, CscSigner):
        signer.expected = len(order)  # one approval for exactly the documents that reached phase 2
    try:
        values, deferred = _sign_with_policy(rt, [prepared[i] for i in order], signer)
    except SigningError as exc:
        steps.fail(rt, order, exc.message)
        return
    except Exception:  # a token or library error: the batch shows it and can be retried
        log.warning("batch %s: signing the digests failed", batch.id, exc_info=True)
        steps.fail(rt, order, "Lỗi của thiết bị hoặc thư viện ký số khi ký; hãy ký lại các văn bản lỗi.")
        return
    size = max(1, rt.settings.signing_chunk)
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        signed = {i: signing_pdf.finish(prepared[i], values[start + k]) for k, i in enumerate(chunk)}
        rt.store.put_many(list(signed.values()))  # durable before the commit that records them
        steps.commit(rt, batch.id, signed, deferred)


def _sign_with_policy(
    rt: runtime.Runtime, prepared: list[signing_pdf.Prepared], signer: Signer
) -> tuple[list[bytes], bool]:
    """Phase 2 under the TSA policy (tsa_policy.at_pades_level); True when deferred to B-B."""

    def sign(pades: signing_pdf.Pades) -> list[bytes]:
        if pades is signing_pdf.B_B and isinstance(signer, CscSigner) and rt.pades.timestamped:
            raise timestamps.tsa_down()  # the leader's one approval is spent: fail, do not ask again
        return signing_pdf.sign_digests(prepared, signer, pades)

    return tsa_policy.at_pades_level(rt, sign)


def _sign_one_by_one(rt: runtime.Runtime, batch_id: int, item_ids: list[int]) -> None:
    for item_id in item_ids:
        try:
            with rt.sessions() as session, session.begin():
                batches.sign_batch_item(session, rt, item_id)
        except Exception as exc:  # each document fails on its own; the others go on
            message = exc.message if isinstance(exc, DomainError) else "Lỗi hệ thống khi ký văn bản này."
            log.warning("batch %s item %s failed", batch_id, item_id, exc_info=not isinstance(exc, DomainError))
            steps.fail(rt, [item_id], message)


def prepare_batch(batch_id: int) -> int:
    """Prepare a batch's signatures while it waits for the leader (PREPARE_AHEAD); returns how many.

    The stamps show the day only and claim no signing time: the leader has not confirmed yet.
    """
    rt = runtime.current()
    _batch, work, leader = steps.load_work(rt, batch_id, unprepared_only=True)
    if (
        not work
        or leader is None
        or leader.signer_kind in (*accounts.PROVIDERS, *catalog.SIGNED_ELSEWHERE, agent.AGENT)
    ):
        return 0  # approved on the phone: prepared when the hashes leave; a token on a PC signs the file whole
    signer = rt.keyring.for_batch(leader, len(work), "")
    certificates = steps.certificates_of(signer)
    day = rt.now().date()
    image = directory.image(rt, leader.signature_image)
    found = steps.read_files(rt, work, fail_unreadable=False)  # an unreadable file fails at confirmation, not before
    tasks = [
        preparing.PrepareTask(data, w.stamp, None, day, image, rt.pades.timestamped, certificates) for w, data in found
    ]
    stored = 0
    cert_id = hashlib.sha256(certificates[0]).hexdigest()
    with rt.sessions() as session, session.begin():
        for (w, _data), result in zip(found, steps.prepare_all(rt, signer, tasks), strict=True):
            if isinstance(result, signing_pdf.Prepared):
                stored += batches.store_prepared(session, rt, w.item_id, result, day, cert_id)
    return stored
