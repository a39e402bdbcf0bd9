"""JSON API of the registers: the outgoing registers, their lines, the printable register."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, send_file

from workflow import catalog, serializers
from workflow.issuance import registers
from workflow.models import RegisterEntry
from workflow.web import answers, schemas
from workflow.web.context import db, ok, path_id, person, runtime
from workflow.web.openapi import PDF, described

bp = Blueprint("issuance_api", __name__, url_prefix="/api/v1")


@bp.get("/registers", endpoint="registers")
@described(answers={200: answers.Registers})
def register_list() -> tuple[Response, int]:
    """The outgoing registers of the person's agency."""
    actor = person()
    rows = registers.registers_of(db(), actor.unit.agency_id)
    return ok({"registers": [{"id": r.id, "code": r.code, "name": r.name, "scope": r.scope} for r in rows]})


def entry_json(e: RegisterEntry) -> dict[str, Any]:
    """A register line as the printable outgoing register shows it."""
    return {
        "number": e.number,
        "symbol": e.symbol,
        "status": e.status,
        "void_reason": e.void_reason,
        "issued_at": serializers.iso(e.issued_at),
        "doc_type": catalog.DOC_TYPES[e.doc_type][0],
        "summary": e.summary,
        "signer": e.signer_name,
        "recipients": e.recipients.splitlines(),
        "copies": e.copies,
        "document_id": e.document_id,
    }


@bp.get("/registers/<register_id>/entries")
@described(query=schemas.YearQuery, answers={200: answers.Entries})
def register_entries(register_id: str, query: schemas.YearQuery) -> tuple[Response, int]:
    """The lines of a register for a year (this year when absent), voided numbers included."""
    year = query.year or runtime().now().year
    entries = registers.register_entries(db(), person(), path_id(register_id), year)
    return ok({"year": year, "entries": [entry_json(e) for e in entries]})


@bp.get("/registers/<register_id>/entries.pdf")
@described(query=schemas.YearQuery, answers={200: PDF})
def register_pdf(register_id: str, query: schemas.YearQuery) -> Response:
    """The register of a year as a printable PDF."""
    year = query.year or runtime().now().year
    data, name = registers.register_pdf(db(), runtime(), person(), path_id(register_id), year)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)
