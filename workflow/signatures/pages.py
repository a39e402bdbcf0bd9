"""The leader's pages of signing: the signing book, reading a document in it, signing all, the batches and their
progress."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from signing import inspection
from workflow import catalog
from workflow.accounts import service as auth
from workflow.directory.authorities import authorities_of
from workflow.documents import service as documents
from workflow.errors import Forbidden, Invalid, Unauthenticated
from workflow.models import Document, Person
from workflow.signatures import accounts, agent, answers, authority, schemas, tokens
from workflow.signatures import service as batches
from workflow.states import ApprovalState
from workflow.web.context import commit, db, page_origin, path_id, public_url, runtime
from workflow.web.pages import actor, back, blueprint, signed_in

bp = blueprint("signatures", __name__)


def _book(person: Person) -> tuple[list[Document], list[Document]]:
    """The leader's signing book as it is read: urgent documents first, then the rest."""
    book = batches.signing_book(db(), person) if person.has_role("leader") else []
    urgent = [d for d in book if catalog.is_urgent(d.urgency)]
    return urgent, [d for d in book if not catalog.is_urgent(d.urgency)]


@bp.get("/signing")
@signed_in
def signing() -> str:
    """The leader's signing book: urgent documents first (signed one by one), the rest ticked and signed at
    once; each can be read in the viewer, and what the leader has read is marked."""
    person = actor()
    urgent, others = _book(person)
    read = batches.read_ids(db(), person, [d.id for d in urgent + others])
    recent = batches.recent_batches(db(), person)
    return render_template("workflow/signing.html", urgent=urgent, others=others, read=read, batches=recent)


@bp.get("/signing/read/<doc_id>")
@signed_in
def signing_read(doc_id: str) -> BaseResponse | str:
    """The reading queue: one document of the signing book with its pages, the previous and next ones (arrow
    keys too), "Trả lại" with a reason; opening it marks it read."""
    person = actor()
    urgent, others = _book(person)
    queue = urgent + others
    wanted = path_id(doc_id)
    position = next((i for i, d in enumerate(queue) if d.id == wanted), None)
    if position is None:
        flash(_("Văn bản không còn trong sổ trình ký (đã ký hoặc đã trả lại)."), "error")
        return redirect(url_for("signatures.signing"))
    document = queue[position]
    pages = inspection.inspect(documents.read_pdf(runtime(), document.current_version)).pages
    # The mark is written in its own short transaction: the page itself only reads.
    with runtime().sessions() as writing, writing.begin():
        leader, marked = writing.get(Person, person.id), writing.get(Document, document.id)
        assert leader is not None and marked is not None
        batches.mark_read(writing, leader, marked)
    following = queue[position + 1] if position + 1 < len(queue) else None
    return render_template(
        "workflow/signing_read.html",
        doc=document,
        pages=pages,
        position=position + 1,
        total=len(queue),
        previous=queue[position - 1] if position > 0 else None,
        following=following,
        after_return=url_for("signatures.signing_read", doc_id=following.id)
        if following
        else url_for("signatures.signing"),
        urgent=catalog.is_urgent(document.urgency),
        authorities=authorities_of(db(), person.id),
        redrawable=authority.redrawable(document),
    )


@bp.post("/signing/read/<doc_id>/authority")
@signed_in
def signing_authority(doc_id: str) -> BaseResponse:
    """The leader chooses the authority line a document is signed under; a rendered one is drawn again."""
    chosen = request.form.get("authority_id", "")
    redrawn = authority.redraw(runtime(), actor().id, path_id(doc_id), int(chosen) if chosen.isdigit() else 0)
    document = authority.choose(db(), runtime(), actor(), redrawn)
    lines = " / ".join(x for x in (document.authority_line, document.authority_title) if x)
    commit()
    flash(_("Văn bản sẽ được ký với dòng thẩm quyền «%(lines)s»; mời đọc lại trang ký.", lines=lines), "ok")
    return redirect(url_for("signatures.signing_read", doc_id=document.id))


@bp.post("/signing/sign-all")
@signed_in
def sign_all() -> BaseResponse:
    """ "Ký tất cả": the leader's one confirmation makes the batch and starts signing it."""
    person = actor()
    password, code = request.form.get("password", ""), request.form.get("code", "").strip()
    try:
        proof = auth.reauthenticate(db(), runtime(), person, request.remote_addr or "", password=password, code=code)
    except Unauthenticated as exc:
        commit()  # the failed attempt counts towards throttling; no batch is made
        flash(exc.message, "error")
        return back("signatures.signing")
    ids = [int(i) for i in request.form.getlist("document_id") if i.isdigit()]
    if not ids:
        flash(_("Chưa chọn văn bản nào để ký."), "error")
        return back("signatures.signing")
    batch = batches.create_batch(db(), person, person.id, ids)
    batches.confirm_batch(db(), person, batch.id, proof, notify=public_url())
    commit()
    return redirect(url_for("signatures.batch", batch_id=batch.id))


@bp.get("/signing/batches/<batch_id>")
@signed_in
def batch(batch_id: str) -> str:
    """A batch being signed: the progress bar, then each document's result."""
    found = batches.get_batch(db(), actor(), path_id(batch_id))
    pages = {
        item.document_id: inspection.inspect(documents.read_pdf(runtime(), item.document.current_version)).pages
        for item in found.items
    }
    approvals = batches.transactions_of(db(), found)
    mine = found.leader_id == actor().id
    on_token, on_agent = (
        mine and found.leader.signer_kind == tokens.USB,
        mine and found.leader.signer_kind == agent.AGENT,
    )
    return render_template(
        "workflow/batch.html",
        batch=found,
        pages=pages,
        approvals=approvals,
        token_tool=runtime().settings.signing_tool_url if on_token else "",
        signing_agent=runtime().settings.signing_agent_url if on_agent else "",
    )


@bp.post("/signing/batches/<batch_id>/token-files")
@signed_in
def batch_token_files(batch_id: str) -> Response:
    """The batch page's "Ký bằng USB token": one-time addresses of the documents left, for the leader's signing
    tool, which the page hands them to."""
    handed = tokens.hand_out(db(), actor(), path_id(batch_id), runtime().now())
    commit()
    return jsonify(answers.TokenFiles.of(path_id(batch_id), handed, public_url()).model_dump(mode="json"))


@bp.get("/signing/batches/<batch_id>/agent-requests")
@signed_in
def batch_agent_requests(batch_id: str) -> Response:
    """The batch page's "Ký bằng USB token" through congvan-agent: the requests still to carry to the agent."""
    found, preparing = agent.requests_of(db(), actor(), path_id(batch_id), page_origin(), runtime().now())
    commit()
    agent_url = runtime().settings.signing_agent_url
    return jsonify(answers.AgentRequests.of(path_id(batch_id), page_origin(), agent_url, found, preparing).model_dump())


@bp.post("/signing/batches/<batch_id>/agent-requests/<request_id>")
@signed_in
def batch_agent_answer(batch_id: str, request_id: str) -> tuple[Response, int]:
    """The signatures the agent made for one request (form field "signatures", in the order of its digests)."""
    body = schemas.AgentSignatures(signatures=request.form.getlist("signatures"))
    agent.answer(db(), actor(), path_id(batch_id), request_id, list(body.signatures))
    commit()
    answered = answers.AgentAnswered(batch_id=path_id(batch_id), request=request_id, documents=len(body.signatures))
    return jsonify(answered.model_dump()), 202


@bp.get("/signing/batches/<batch_id>/progress")
@signed_in
def batch_progress(batch_id: str) -> tuple[Response, int]:
    """How far the batch is (polled by the progress bar)."""
    found = batches.get_batch(db(), actor(), path_id(batch_id))
    counts = {"pending": 0, "signed": 0, "failed": 0}
    for item in found.items:
        counts[item.status] = counts.get(item.status, 0) + 1
    approvals = batches.transactions_of(db(), found)
    confirmed = sum(1 for t in approvals if t.state == ApprovalState.DONE)
    progress = {"state": found.state, "total": len(found.items), **counts}
    return jsonify({**progress, "approvals": len(approvals), "approvals_confirmed": confirmed}), 200


@bp.post("/signing/batches/<batch_id>/retry")
@signed_in
def batch_retry(batch_id: str) -> BaseResponse:
    """Sign the failed documents of the batch again."""
    batches.retry_batch(db(), actor(), path_id(batch_id), notify=public_url())
    commit()
    return redirect(url_for("signatures.batch", batch_id=batch_id))


@bp.route("/account/signer", methods=["GET", "POST"])
@signed_in
def signer() -> str | BaseResponse:
    """The leader's "Chữ ký số" page: the certificate they sign with, and linking their own SmartCA or MySign
    account."""
    person = actor()
    if not person.has_role("leader"):
        raise Forbidden("forbidden", "Chỉ lãnh đạo ký văn bản mới có trang chữ ký số.")
    if request.method == "POST":
        accounts.may_link(person, person.id)
        form = request.form
        provider = form.get("provider", accounts.SMARTCA)
        if provider not in accounts.PROVIDERS:
            raise Invalid("invalid_signer_kind", "Dịch vụ ký số không hợp lệ (SmartCA hoặc MySign).", field="provider")
        credential = form.get("credential_id", "").strip() or None
        username, password = form.get("username", ""), form.get("password", "")
        linked = accounts.reach(runtime().settings, provider, username, password, credential)
        accounts.link(db(), person, person.id, linked)
        commit()
        name = accounts.PROVIDERS[provider]
        flash(
            _("Đã liên kết tài khoản %(name)s. Từ nay lô ký của bạn được xác nhận trên ứng dụng %(name)s.", name=name),
            "ok",
        )
        return redirect(url_for("signatures.signer"))
    settings = runtime().settings
    configured = {p: accounts.configured(settings, p) for p in accounts.PROVIDERS}
    account = accounts.account_of(db(), person)
    return render_template(
        "workflow/signer.html",
        account=account,
        token=tokens.certificate_of(db(), person) if person.signer_kind in (tokens.USB, agent.AGENT) else None,
        configured=configured,
        providers=accounts.PROVIDERS,
        kind=catalog.SIGNER_KINDS[person.signer_kind],
        signing_agent=settings.signing_agent_url,
        paired=person.signer_kind == agent.AGENT,
    )


@bp.post("/account/signer/pairing")
@signed_in
def signer_pairing() -> tuple[Response, int]:
    """The "Chữ ký số" page begins pairing congvan-agent: the code to show, what to hand the agent."""
    offer = agent.start_pairing(db(), actor(), actor().id, runtime().now())
    commit()
    return jsonify(answers.PairingOut.of(offer, runtime().settings.signing_agent_url).model_dump()), 201


@bp.post("/account/signer/agent")
@signed_in
def signer_agent() -> tuple[Response, int]:
    """The page hands back what the agent answered the pairing (fields "certificates" and "proof")."""
    person = actor()
    paired = agent.pair(
        db(),
        person,
        person.id,
        request.form.getlist("certificates")[:8],
        request.form.get("proof", "")[:128],
        runtime().now(),
    )
    commit()
    flash(
        _(
            "Đã ghép nối congvan-agent với USB token «%(subject)s». Từ nay bạn ký lô văn bản bằng USB token "
            "trên máy tính này.",
            subject=paired.subject,
        ),
        "ok",
    )
    return jsonify({"paired": True, "subject": paired.subject}), 200
