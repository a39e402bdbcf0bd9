"""How the API shows the agency's objects: one place, one time format (+07:00)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow import catalog, runtime
from workflow.models import Appendix, Document, DocumentVersion, Person, SigningBatch
from workflow.states import STATE_LABELS


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """A time in +07:00 (a date as it is), or None."""
    if isinstance(value, dt.datetime):
        # In the agency's time zone (TIMEZONE, +07:00), in a request or a job alike.
        return value.astimezone(runtime.current().tz).isoformat()
    return value.isoformat() if value else None


def person_json(p: Person) -> dict[str, Any]:
    """A person as the API shows it."""
    return {
        "id": p.id,
        "username": p.username,
        "full_name": p.full_name,
        "position": p.position,
        "authority": p.authority,
        "roles": p.roles.split(),
        "unit_id": p.unit_id,
        "signer_kind": p.signer_kind,
        "has_signature_image": p.signature_image is not None,
    }


def version_json(v: DocumentVersion) -> dict[str, Any]:
    """A PDF version as the API shows it."""
    return {"seq": v.seq, "kind": v.kind, "sha256": v.sha256, "size": v.size, "created_at": iso(v.created_at)}


def document_json(d: Document) -> dict[str, Any]:
    """A document as the API shows it."""
    type_name, abbreviation = catalog.DOC_TYPES[d.doc_type]
    return {
        "id": d.id,
        "doc_type": d.doc_type,
        "doc_type_name": type_name,
        "abbreviation": abbreviation,
        "summary": d.summary,
        "urgency": d.urgency,
        "confidentiality": d.confidentiality,
        "state": d.state,
        "state_label": STATE_LABELS[d.state],
        "return_reason": d.return_reason,
        "drafting_unit": {"id": d.drafting_unit.id, "code": d.drafting_unit.code, "name": d.drafting_unit.name},
        "drafter": person_json(d.drafter),
        "signer": person_json(d.signer),
        "kinh_gui": d.kinh_gui.splitlines(),
        "noi_nhan": d.noi_nhan.splitlines(),
        "due_date": iso(d.due_date),
        "replaces_id": d.replaces_id,
        "number": d.number,
        "symbol": d.symbol,
        "issued_at": iso(d.issued_at),
        "signed_at": iso(d.signed_at),
        "timestamp_due": d.timestamp_due,
        "created_at": iso(d.created_at),
        "current_version": version_json(d.current_version) if d.versions else None,
        "appendices": [appendix_json(a) for a in d.appendices],
    }


def appendix_json(a: Appendix) -> dict[str, Any]:
    """An appendix file as the API shows it."""
    return {
        "seq": a.seq,
        "filename": a.filename,
        "sha256": a.sha256,
        "size": a.size,
        "issued_sha256": a.issued_sha256,
        "created_at": iso(a.created_at),
    }


def batch_json(b: SigningBatch) -> dict[str, Any]:
    """A signing batch with its manifest."""
    counts: dict[str, int] = {}
    for item in b.items:
        counts[item.status] = counts.get(item.status, 0) + 1
    return {
        "id": b.id,
        "leader": person_json(b.leader),
        "state": b.state,
        "count": len(b.items),
        "counts": counts,
        "created_at": iso(b.created_at),
        "confirmed_at": iso(b.confirmed_at),
        "finished_at": iso(b.finished_at),
        "items": [
            {
                "document_id": i.document_id,
                "summary": i.document.summary,
                "urgency": i.document.urgency,
                "drafting_unit": i.document.drafting_unit.name,
                "sha256": i.sha256,
                "status": i.status,
                "error": i.error,
                "signed_at": iso(i.signed_at),
            }
            for i in b.items
        ],
    }
