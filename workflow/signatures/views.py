"""JSON API of signing: the signing book, the authority line a document is signed under, and signing batches
(create, confirm with the password or a code, retry)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from workflow import outbox
from workflow.accounts.schemas import Proof
from workflow.documents.answers import DocumentOut
from workflow.errors import Invalid, NotFound
from workflow.models import SigningBatch
from workflow.signatures import agent, answers, approvals, authority, schemas, tokens
from workflow.signatures import service as batches
from workflow.web.answers import PersonOut
from workflow.web.context import (
    Answered,
    commit,
    db,
    inline_pdf,
    ok,
    page_origin,
    path_id,
    person,
    person_id,
    public_url,
    reauthenticated,
    runtime,
)
from workflow.web.openapi import PDF, described

bp = Blueprint("signatures_api", __name__, url_prefix="/api/v1")


@bp.get("/signing-book")
@described(query=schemas.LeaderQuery, answers={200: answers.SigningBook})
def signing_book(query: schemas.LeaderQuery) -> Answered:
    """The documents waiting for a leader's signature: the one who asks, or ?leader_id= for a clerk."""
    leader, docs = batches.signing_book_of(db(), person(), query.leader_id)
    return ok(answers.SigningBook(leader=PersonOut.of(leader), documents=[DocumentOut.of(d) for d in docs]))


@bp.post("/signing-batches")
@described(body=schemas.NewBatch, answers={201: answers.BatchOut})
def create_batch(body: schemas.NewBatch) -> Answered:
    """Collect a leader's waiting documents (all, or document_ids) into a signing batch."""
    actor = person()
    leader_id = body.leader_id if body.leader_id is not None else (actor.id if actor.has_role("leader") else None)
    if leader_id is None:
        raise Invalid("missing_field", "Cần chọn lãnh đạo ký (leader_id).", field="leader_id")
    ids = list(body.document_ids) if body.document_ids is not None else None
    batch = batches.create_batch(db(), actor, leader_id, ids, prepare_ahead=runtime().settings.prepare_ahead)
    commit()
    return ok(_answer(batch), 201)


@bp.get("/signing-batches/<batch_id>")
@described(answers={200: answers.BatchOut})
def get_batch(batch_id: str) -> Answered:
    """A batch's manifest and per-document results."""
    return ok(_answer(batches.get_batch(db(), person(), path_id(batch_id))))


@bp.post("/signing-batches/<batch_id>/confirm")
@described(body=Proof, answers={202: answers.BatchOut})
def confirm_batch(batch_id: str, body: Proof) -> Answered:
    """The leader confirms the whole batch once, with their password (or TOTP code) again; signing runs in
    the background."""
    proof = reauthenticated(person(), body.password, body.code)
    batch = batches.confirm_batch(db(), person(), path_id(batch_id), proof, notify=public_url())
    commit()
    db().refresh(batch)
    return ok(_answer(batch), 202)


@bp.post("/signing-batches/<batch_id>/retry")
@described(answers={202: answers.BatchOut})
def retry_batch(batch_id: str) -> Answered:
    """Sign the failed documents of a batch again."""
    batch = batches.retry_batch(db(), person(), path_id(batch_id), notify=public_url())
    commit()
    db().refresh(batch)
    return ok(_answer(batch), 202)


@bp.put("/documents/<doc_id>/authority")
@described(body=schemas.AuthorityChoice, answers={200: DocumentOut})
def choose_authority(doc_id: str, body: schemas.AuthorityChoice) -> Answered:
    """The signer chooses which of their authority lines (KT., TL., TUQ., Q.) a document waiting for them is
    signed under; a rendered document is drawn again with it (an uploaded PDF has its lines printed in)."""
    redrawn = authority.redraw(runtime(), person_id(), path_id(doc_id), body.authority_id)
    document = authority.choose(db(), runtime(), person(), redrawn)
    commit()
    return ok(DocumentOut.of(document))


@bp.post("/signing-batches/<batch_id>/token-files")
@described(answers={200: answers.TokenFiles})
def token_files(batch_id: str) -> Answered:
    """The leader, signing a confirmed batch on their own USB token: one-time addresses for each document still
    to be signed, for the signing tool on their PC (VGCA SignService) to fetch the file and hand it back signed.
    Asking again gives new addresses (the earlier ones stop working): a closed page or an unplugged token
    loses nothing."""
    rt = runtime()
    handed = tokens.hand_out(db(), person(), path_id(batch_id), rt.now())
    commit()
    return ok(answers.TokenFiles.of(path_id(batch_id), handed, public_url()))


@bp.get("/signing-batches/<batch_id>/agent-requests")
@described(answers={200: answers.AgentRequests})
def agent_requests(batch_id: str) -> Answered:
    """The leader, signing a confirmed batch on their USB token through congvan-agent: the requests (up to 50
    digests each, authenticated with the pairing key for a page of this address) still to carry to the agent;
    `preparing` while the documents are still being prepared. Asking keeps the requests waiting 10 more minutes."""
    found, preparing = agent.requests_of(db(), person(), path_id(batch_id), page_origin(), runtime().now())
    commit()
    agent_url = runtime().settings.signing_agent_url
    return ok(answers.AgentRequests.of(path_id(batch_id), page_origin(), agent_url, found, preparing))


@bp.post("/signing-batches/<batch_id>/agent-requests/<request_id>")
@described(body=schemas.AgentSignatures, answers={202: answers.AgentAnswered})
def agent_answer(batch_id: str, request_id: str, body: schemas.AgentSignatures) -> Answered:
    """The signatures congvan-agent made for a request, in the order of its digests: each is checked against the
    token's certificate before its document is written (the batch's progress shows it)."""
    agent.answer(db(), person(), path_id(batch_id), request_id, list(body.signatures))
    commit()
    answered = answers.AgentAnswered(batch_id=path_id(batch_id), request=request_id, documents=len(body.signatures))
    return ok(answered, 202)


@bp.get("/token-files/<secret>")
@described(answers={200: PDF})
def token_file(secret: str) -> Response:
    """The file one document's one-time address hands to the leader's signing tool (no sign-in: the address is
    the credential, unguessable, for 15 minutes, until the signed file comes back)."""
    data, name = tokens.served(runtime(), secret, runtime().now())
    return inline_pdf(data, name)


@bp.post("/token-files/<secret>")
@described(upload=(PDF,), answers={200: answers.TokenUploaded})
def token_file_back(secret: str) -> Answered:
    """The signing tool hands the signed file back (multipart field "uploadfile", as VGCA SignService sends it, or
    "file"): taken only if it is the served file plus one signature by the leader's token, covering it."""
    upload = request.files.get("uploadfile") or request.files.get("file")
    if upload is None:
        raise Invalid("missing_file", "Thiếu tệp đã ký (trường 'uploadfile').", field="uploadfile")
    data = upload.read()
    rt = runtime()
    rt_now = rt.now()
    tokens.check_back(rt, secret, data, rt_now)
    item = tokens.take_back(db(), rt, secret, data, rt_now)
    name = f"van-ban-{item.document_id}.pdf"
    commit()
    return ok(answers.TokenUploaded(Status=0, Message="Đã nhận văn bản đã ký.", FileName=name, FileServer=""))


@bp.post("/smartca/notify/<secret>")
@described(answers={200: answers.Notified})
def smartca_notify(secret: str) -> Answered:
    """SmartCA's callback when a transaction ends (its notifyUrl, unguessable per transaction): it wakes the
    batch's job at once; what the transaction became is still asked of SmartCA."""
    batch_id = approvals.notified(db(), secret) if len(secret) <= 128 else None
    if batch_id is None:
        raise NotFound("transaction_not_found", "Không có giao dịch ký nào mang địa chỉ này.")
    outbox.add(db(), outbox.POLL_APPROVALS, batch_id=batch_id, now_all=True)
    commit()
    return ok(answers.Notified(received=True))


def _answer(batch: SigningBatch) -> answers.BatchOut:
    return answers.BatchOut.of(batch, batches.transactions_of(db(), batch))
