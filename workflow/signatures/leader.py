"""The leader's signature on a document: made at once (an urgent document, or one at a time) and recorded. Every
path that signs for a leader — this one, the batch job's two phases, a remote key's approval — records the
signature with record(), so the state, the signed version, the deferred timestamp and the audit are one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from signing import pdf as signing_pdf
from signing.errors import SigningError
from workflow.audit import audit
from workflow.directory.service import image
from workflow.documents.drafting import store_version
from workflow.documents.lifecycle import check, transition
from workflow.documents.service import read_pdf
from workflow.errors import Unprocessable
from workflow.models import Document, DocumentVersion, Person
from workflow.runtime import Runtime
from workflow.signatures.tsa_policy import at_pades_level, flag_deferred


def record(
    session: Session,
    rt: Runtime,
    actor: Person | None,
    document: Document,
    signed: bytes,
    *,
    seen_sha256: str,
    deferred: bool,
    flush: bool = True,
    **detail: Any,
) -> DocumentVersion:
    """Record the leader's signed PDF of a document: it becomes signed, the signed version is stored, a deferred
    timestamp is flagged, and the audit says which version the leader saw and which one they signed."""
    transition(session, actor, document, "sign", **detail)
    document.signed_at = dt.datetime.now(dt.UTC)
    version = store_version(session, rt, document, signed, "leader_signed", document.signer, flush=flush)
    if deferred:
        flag_deferred(session, rt, document.signer, document)
    audit(session, actor, "signature_applied", document, sha256_signed=seen_sha256, sha256=version.sha256)
    return version


def stamp_of(document: Document) -> dict[str, str]:
    """What the leader's stamp says besides the time: name, the authority lines the document is signed under
    ("KT. GIÁM ĐỐC, PHÓ GIÁM ĐỐC"), agency."""
    return {
        "signer_name": document.signer.full_name,
        "position": ", ".join(x for x in (document.authority_line, document.authority_title) if x),
        "agency": document.agency.name,
    }


def sign_now(session: Session, rt: Runtime, actor: Person | None, document: Document, **detail: Any) -> DocumentVersion:
    """Sign one document with the designated leader's key (urgent ones, or one at a time) and record it."""
    check(actor, document, "sign")
    signer, seen = document.signer, document.current_version.sha256
    data = read_pdf(rt, document.current_version)
    try:
        key = rt.keyring.person(signer)
        signed, deferred = at_pades_level(
            rt,
            lambda pades: signing_pdf.sign_leader(
                data,
                key,
                **stamp_of(document),
                moment=rt.now(),
                font=rt.font,
                image=image(rt, signer.signature_image),
                pades=pades,
            ),
        )
    except SigningError as exc:
        raise Unprocessable(exc.code, exc.message) from exc
    return record(session, rt, actor, document, signed, seen_sha256=seen, deferred=deferred, **detail)
