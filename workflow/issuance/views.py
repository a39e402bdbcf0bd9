"""JSON API of the registers: the outgoing registers, their lines, the printable register."""

from __future__ import annotations

import io

from flask import Blueprint, Response, send_file

from workflow.issuance import answers, registers, schemas
from workflow.web.context import Answered, db, ok, path_id, person, runtime
from workflow.web.openapi import PDF, described

bp = Blueprint("issuance_api", __name__, url_prefix="/api/v1")


@bp.get("/registers", endpoint="registers")
@described(answers={200: answers.Registers})
def register_list() -> Answered:
    """The outgoing registers of the person's agency."""
    actor = person()
    rows = registers.registers_of(db(), actor.unit.agency_id)
    return ok(answers.Registers(registers=[answers.RegisterOut.of(r) for r in rows]))


@bp.get("/registers/<register_id>/entries")
@described(query=schemas.YearQuery, answers={200: answers.Entries})
def register_entries(register_id: str, query: schemas.YearQuery) -> Answered:
    """The lines of a register for a year (this year when absent), voided numbers included."""
    year = query.year or runtime().now().year
    entries = registers.register_entries(db(), person(), path_id(register_id), year)
    return ok(answers.Entries(year=year, entries=[answers.EntryOut.of(e) for e in entries]))


@bp.get("/registers/<register_id>/entries.pdf")
@described(query=schemas.YearQuery, answers={200: PDF})
def register_pdf(register_id: str, query: schemas.YearQuery) -> Response:
    """The register of a year as a printable PDF."""
    year = query.year or runtime().now().year
    data, name = registers.register_pdf(db(), runtime(), person(), path_id(register_id), year)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)
