"""JSON API of the directory: agencies, units and people, authority lines, delegations, signature and seal images,
signers."""

from __future__ import annotations

import io

from flask import Blueprint, Response, send_file

from workflow import catalog
from workflow.directory import answers, authorities, delegations, schemas, trust
from workflow.directory import service as directory
from workflow.errors import Forbidden, NotFound
from workflow.signatures import accounts, agent, tokens
from workflow.signatures.answers import PairingOut
from workflow.web.answers import PersonOut, UnitRef
from workflow.web.context import Answered, commit, db, ok, path_id, person, runtime, uploaded
from workflow.web.openapi import PEM, PNG, described

bp = Blueprint("directory_api", __name__, url_prefix="/api/v1")


@bp.get("/directory", endpoint="directory")
@described(answers={200: answers.DirectoryOut})
def directory_list() -> Answered:
    """Agencies, units, people and the Decree-30 vocabularies."""
    ours = person().unit.agency_id
    session = db()
    # Other agencies are addressees (name and code); their units and people are theirs alone.
    people = directory.people_of(session, ours, active_only=True)
    return ok(
        answers.DirectoryOut(
            agencies=[
                answers.AgencyOut(
                    id=a.id,
                    code=a.code,
                    name=a.name,
                    superior=a.superior,
                    abbreviation=a.abbreviation,
                    place=a.place,
                    is_self=a.is_self,
                    units=[UnitRef.of(u) for u in directory.units_of(session, a.id)] if a.id == ours else [],
                )
                for a in directory.agencies(session)
            ],
            people=[PersonOut.of(p) for p in people],
            doc_types={k: answers.DocTypeOut(name=n, abbreviation=a) for k, (n, a) in catalog.DOC_TYPES.items()},
            urgency={k: label for k, (label, _) in catalog.URGENCY.items()},
            confidentiality=catalog.CONFIDENTIALITY,
            roles=catalog.ROLES,
        )
    )


def _png_response(png: bytes | None, name: str) -> Response:
    if png is None:
        raise NotFound("image_not_set", "Chưa có ảnh.")
    return send_file(io.BytesIO(png), mimetype="image/png", download_name=name)


@bp.put("/people/<person_id>/signature-image")
@described(upload=(PNG,), answers={200: PersonOut})
def set_signature_image(person_id: str) -> Answered:
    """An admin uploads a leader's handwritten signature (transparent PNG)."""
    png = uploaded("Thiếu tệp ảnh PNG (trường 'file').")
    target = directory.set_signature_image(db(), runtime(), person(), path_id(person_id), png)
    commit()
    return ok(PersonOut.of(target))


@bp.put("/people/<person_id>/signer")
@described(body=schemas.SignerIn, answers={200: answers.SignerOut})
def set_signer(person_id: str, body: schemas.SignerIn) -> Answered:
    """An admin sets where a leader's key lives (kind pkcs12 / pkcs11 / csc, with the key label or credential);
    a leader links their own SmartCA account (kind smartca, username, password) or MySign account (kind mysign,
    username: the MySign id; no password); credential_id to choose another certificate; registers their USB
    token's certificate (kind usb, certificate) or completes pairing congvan-agent (kind agent, certificates,
    proof)."""
    if body.kind in accounts.PROVIDERS:
        target_id = path_id(person_id)
        accounts.may_link(person(), target_id)  # before anything is sent to SmartCA
        linked = accounts.reach(
            runtime().settings, body.kind, body.username or "", body.password or "", body.credential_id
        )
        account = accounts.link(db(), person(), target_id, linked)
        commit()
        return ok(answers.SignerOut.of(person(), account))
    if body.kind == tokens.USB:
        registered = tokens.register(db(), person(), path_id(person_id), body.certificate or "", runtime().now())
        commit()
        return ok(answers.SignerOut.of(registered.person, registered))
    if body.kind == agent.AGENT:
        certificates, proof = body.certificates or [], body.proof or ""
        paired = agent.pair(db(), person(), path_id(person_id), certificates, proof, runtime().now())
        commit()
        return ok(answers.SignerOut.of(paired.person, paired))
    target = directory.set_signer(db(), person(), path_id(person_id), body.kind, body.ref)
    commit()
    return ok(answers.SignerOut.of(target))


@bp.post("/people/<person_id>/signer/pairing")
@described(answers={201: PairingOut})
def start_pairing(person_id: str) -> Answered:
    """A leader begins pairing congvan-agent on their PC: the code to type into the agent, and the nonce and key
    to hand it (POST the agent's /pair); then PUT …/signer with kind agent and what the agent answered."""
    offer = agent.start_pairing(db(), person(), path_id(person_id), runtime().now())
    commit()
    return ok(PairingOut.of(offer, runtime().settings.signing_agent_url), 201)


@bp.get("/people/<person_id>/signer")
@described(answers={200: answers.SignerOut})
def get_signer(person_id: str) -> Answered:
    """Where a leader's key lives, and the certificate of their linked SmartCA account (themself or an admin)."""
    actor, target_id = person(), path_id(person_id)
    if actor.id != target_id and not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ chính người ký hoặc quản trị viên được xem cấu hình khóa ký.")
    target = directory.colleague(db(), actor, target_id)
    on_token = target.signer_kind in (tokens.USB, agent.AGENT)
    held = tokens.certificate_of(db(), target) if on_token else accounts.account_of(db(), target)
    return ok(answers.SignerOut.of(target, held))


@bp.get("/people/<person_id>/authorities")
@described(answers={200: answers.Authorities})
def get_authorities(person_id: str) -> Answered:
    """The authority lines a person may sign under (KT., TL., TUQ., Q.), the default one marked."""
    target = directory.colleague(db(), person(), path_id(person_id))
    items = authorities.authorities_of(db(), target.id)
    return ok(answers.Authorities(person_id=target.id, items=[answers.AuthorityOut.of(a) for a in items]))


@bp.put("/people/<person_id>/authorities")
@described(body=schemas.AuthoritiesIn, answers={200: answers.Authorities})
def set_authorities(person_id: str, body: schemas.AuthoritiesIn) -> Answered:
    """An admin sets every authority line a person may sign under; one is the default a new draft gets."""
    rows = authorities.set_authorities(db(), person(), path_id(person_id), body.items)
    commit()
    return ok(answers.Authorities(person_id=path_id(person_id), items=[answers.AuthorityOut.of(a) for a in rows]))


@bp.get("/people/<person_id>/signature-image")
@described(answers={200: PNG})
def get_signature_image(person_id: str) -> Response:
    """A person's signature image."""
    target = directory.colleague(db(), person(), path_id(person_id))
    return _png_response(directory.image(runtime(), target.signature_image), f"chu-ky-{target.id}.png")


@bp.put("/agency/seal-image")
@described(upload=(PNG,), query=schemas.SealQuery, answers={200: answers.SealOut})
def set_seal_image(query: schemas.SealQuery) -> Answered:
    """An admin uploads the agency's red seal (transparent PNG) and, when the PNG states no resolution,
    its real diameter (?diameter_mm=)."""
    png = uploaded("Thiếu tệp ảnh PNG (trường 'file').")
    agency = directory.set_seal_image(db(), runtime(), person(), png, query.diameter_mm)
    commit()
    return ok(answers.SealOut(agency_id=agency.id, seal_image=agency.seal_image, seal_mm=agency.seal_mm))


@bp.get("/agency/seal-image")
@described(answers={200: PNG})
def get_seal_image() -> Response:
    """The agency's seal image."""
    agency = person().unit.agency
    return _png_response(directory.image(runtime(), agency.seal_image), "con-dau.png")


@bp.get("/trust-roots")
@described(answers={200: answers.TrustRoots})
def trust_roots() -> Answered:
    """The root certificates signatures are validated against (an administrator's view)."""
    if not person().has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được xem danh sách chứng thư gốc tin cậy.")
    return ok(answers.TrustRoots(roots=[answers.TrustRootOut.model_validate(r) for r in trust.listed(runtime())]))


@bp.post("/trust-roots")
@described(upload=(PEM,), answers={201: answers.TrustRoots})
def add_trust_root() -> Answered:
    """An administrator trusts a CA (PEM body, or the multipart field "file"): a signing service's root, such as
    SmartCA's; effective at once in every process."""
    added = trust.add(db(), runtime(), person(), uploaded("Thiếu tệp chứng thư PEM (trường 'file')."))
    commit()
    return ok(answers.TrustRoots(roots=[answers.TrustRootOut.model_validate(r) for r in added]), 201)


@bp.delete("/trust-roots/<digest>")
@described(answers={200: answers.TrustRoots})
def remove_trust_root(digest: str) -> Answered:
    """An administrator stops trusting a root they added (its SHA-256); the roots still trusted."""
    trust.remove(db(), runtime(), person(), digest)
    commit()
    return ok(answers.TrustRoots(roots=[answers.TrustRootOut.model_validate(r) for r in trust.listed(runtime())]))


@bp.get("/delegations")
@described(answers={200: answers.Delegations})
def list_delegations() -> Answered:
    """The delegations I gave or received (an admin: every one of the agency), newest first."""
    now = runtime().now()
    return ok(answers.Delegations(items=[answers.DelegationOut.of(d, now) for d in delegations.listed(db(), person())]))


@bp.post("/delegations")
@described(body=schemas.DelegationIn, answers={201: answers.DelegationOut})
def create_delegation(body: schemas.DelegationIn) -> Answered:
    """A leader (or the admin for them) hands signing, incoming instructions or approvals to a colleague for a
    period; it begins and ends by itself and both are told."""
    rt = runtime()
    row = delegations.create(db(), person(), body, rt.now(), rt.tz)
    commit()
    return ok(answers.DelegationOut.of(delegations.get(db(), person(), row.id), rt.now()), 201)


@bp.post("/delegations/<delegation_id>/withdraw")
@described(answers={200: answers.DelegationOut})
def withdraw_delegation(delegation_id: str) -> Answered:
    """The leader (or the admin) ends a delegation now."""
    rt = runtime()
    row = delegations.withdraw(db(), person(), path_id(delegation_id), rt.now(), rt.tz)
    commit()
    return ok(answers.DelegationOut.of(delegations.get(db(), person(), row.id), rt.now()))
