"""JSON API of addressing: a document's resolved recipients, remembered names, distribution lists."""

from __future__ import annotations

from flask import Blueprint

from routing.recipients import addressing, answers, schemas
from workflow.web.context import Answered, commit, db, ok, path_id, person
from workflow.web.openapi import described

bp = Blueprint("recipients_api", __name__, url_prefix="/api/v1")


@bp.get("/documents/<doc_id>/recipients")
@described(answers={200: answers.RecipientsPreview})
def document_recipients(doc_id: str) -> Answered:
    """Where each recipient of a document goes, what stays unknown (with the closest names), and warnings."""
    found = addressing.preview(db(), person(), path_id(doc_id))
    return ok(
        answers.RecipientsPreview(
            recipients=[answers.ResolvedLine.of(r) for r in found.recipients],
            unresolved=found.unresolved,
            warnings=found.warnings,
        )
    )


@bp.post("/recipient-names")
@described(body=schemas.RememberIn, answers={200: answers.Remembered})
def remember_recipient_name(body: schemas.RememberIn) -> Answered:
    """The clerk maps an unknown recipient name to a unit, agency or list once, for every later document."""
    target = addressing.remember(db(), person(), body.label, body.kind, body.id)
    commit()
    return ok(answers.Remembered(label=body.label, target=target))


@bp.get("/distribution-lists")
@described(answers={200: answers.DistributionLists})
def distribution_lists() -> Answered:
    """The agency's distribution lists ("Các Sở, ban, ngành thuộc tỉnh") with their members."""
    return ok(
        answers.DistributionLists(
            lists=[answers.DistributionListOut.of(x) for x in addressing.lists_of(db(), person())]
        )
    )


@bp.post("/distribution-lists")
@described(body=schemas.ListIn, answers={201: answers.DistributionListOut})
def create_distribution_list(body: schemas.ListIn) -> Answered:
    """The administrator adds a distribution list."""
    group = addressing.save_list(db(), person(), None, body.name, "\n".join(body.aliases), "\n".join(body.members))
    commit()
    return ok(answers.DistributionListOut.of(group), 201)


@bp.put("/distribution-lists/<list_id>")
@described(body=schemas.ListIn, answers={200: answers.DistributionListOut})
def update_distribution_list(list_id: str, body: schemas.ListIn) -> Answered:
    """The administrator changes a distribution list."""
    group = addressing.save_list(
        db(), person(), path_id(list_id), body.name, "\n".join(body.aliases), "\n".join(body.members)
    )
    commit()
    return ok(answers.DistributionListOut.of(group))


@bp.delete("/distribution-lists/<list_id>")
@described(answers={200: answers.Deleted})
def delete_distribution_list(list_id: str) -> Answered:
    """The administrator removes a distribution list."""
    addressing.delete_list(db(), person(), path_id(list_id))
    commit()
    return ok(answers.Deleted(deleted=path_id(list_id)))
