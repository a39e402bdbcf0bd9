"""The answers of the incoming documents' API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from routing.deliveries.statuses import ARRIVED_VIA, INCOMING_LABELS
from routing.incoming import assignment
from routing.models import IncomingAssignee, IncomingDocument, IncomingEvent, IncomingExtension
from workflow import runtime
from workflow.web.answers import Answer, Time, moment


class Sender(Answer):
    """The agency an incoming document came from."""

    code: str
    name: str


class SignerName(Answer):
    """Who signed an incoming document."""

    name: str | None
    position: str | None


class AssigneeOut(Answer):
    """A unit or person given an incoming document: role, deadline, own progress."""

    id: int
    unit_id: int | None
    person_id: int | None
    name: str
    role: str
    role_label: str
    deadline: str | None
    due: str | None
    progress: str
    progress_label: str
    parent_id: int | None
    note: str
    reminders: int
    seen_at: Time | None
    done_at: Time | None

    @classmethod
    def of(cls, row: IncomingAssignee) -> AssigneeOut:
        """An assignee as the API shows it."""
        return cls(
            id=row.id,
            unit_id=row.unit_id,
            person_id=row.person_id,
            name=assignment.name_of(row),
            role=row.role,
            role_label=assignment.ROLES[row.role],
            deadline=moment(row.deadline),
            due=assignment.due_mark(row.deadline, row.progress == "done", _today()),
            progress=row.progress,
            progress_label=assignment.PROGRESS[row.progress],
            parent_id=row.parent_id,
            note=row.note,
            reminders=row.reminders,
            seen_at=moment(row.seen_at),
            done_at=moment(row.done_at),
        )


def _today() -> dt.date:
    return runtime.current().now().date()


class IncomingOut(Answer):
    """An incoming document."""

    id: int
    sender: Sender
    document_key: str
    symbol: str | None
    number: int | None
    promulgation_date: str
    type_name: str | None
    subject: str
    signer: SignerName
    priority: int | None
    due_date: str | None
    state: str
    state_label: str
    revision: int
    signatures: dict[str, Any]
    attachments: list[dict[str, Any]]
    recall_request: str | None
    return_reason: str | None
    incoming_number: int | None
    incoming_year: int | None
    registered_at: Time | None
    lead_unit_id: int | None
    supporting_unit_ids: list[int] | None
    deadline: str | None
    replaces_id: int | None
    received_at: Time | None
    received_via: str
    received_via_label: str
    confidentiality: str
    duplicate_of_id: int | None
    instruction: str
    ocr_state: str
    text_layer: bool
    due: str | None
    assignees: list[AssigneeOut]
    answered_by_id: int | None
    answers_document_id: int | None

    @classmethod
    def fields_of(cls, i: IncomingDocument) -> dict[str, Any]:
        """The fields of an incoming document (its detail adds the history)."""
        return {
            "id": i.id,
            "sender": Sender(code=i.sender_code, name=i.sender_name),
            "document_key": i.document_key,
            "symbol": i.symbol,
            "number": i.number,
            "promulgation_date": i.promulgation_date.isoformat(),
            "type_name": i.type_name,
            "subject": i.subject,
            "signer": SignerName(name=i.signer_name, position=i.signer_position),
            "priority": i.priority,
            "due_date": moment(i.due_date),
            "state": i.state,
            "state_label": INCOMING_LABELS[i.state],
            "revision": i.revision,
            "signatures": i.signatures,
            "attachments": i.attachments,
            "recall_request": i.recall_reason,
            "return_reason": i.return_reason,
            "incoming_number": i.incoming_number,
            "incoming_year": i.incoming_year,
            "registered_at": moment(i.registered_at),
            "lead_unit_id": i.lead_unit_id,
            "supporting_unit_ids": i.supporting_unit_ids,
            "deadline": moment(i.deadline),
            "replaces_id": i.replaces_id,
            "received_at": moment(i.received_at),
            "received_via": i.received_via,
            "received_via_label": ARRIVED_VIA.get(i.received_via, i.received_via),
            "confidentiality": i.confidentiality,
            "duplicate_of_id": i.duplicate_of_id,
            "instruction": i.instruction,
            "ocr_state": i.ocr_state,
            "text_layer": i.ocr_pdf_sha256 is not None,
            "due": assignment.due_mark(i.deadline or i.due_date, i.state in ("done", "returned"), _today()),
            "assignees": [AssigneeOut.of(a) for a in i.assignees if a.active],
            "answered_by_id": i.answered_by_id,
            "answers_document_id": i.answers_document_id,
        }

    @classmethod
    def of(cls, i: IncomingDocument) -> IncomingOut:
        """An incoming document as the API shows it."""
        return cls(**cls.fields_of(i))


class HistoryOut(Answer):
    """One step of an incoming document's history."""

    action: str
    code: str | None
    actor: str | None
    detail: dict[str, Any] | None
    at: Time | None

    @classmethod
    def of(cls, e: IncomingEvent) -> HistoryOut:
        """One step of an incoming document's history."""
        return cls(
            action=e.action,
            code=e.code,
            actor=e.actor.full_name if e.actor else None,
            detail=e.detail,
            at=moment(e.created_at),
        )


class ExtensionOut(Answer):
    """A request for more time and its answer."""

    id: int
    assignee_id: int
    old_deadline: str | None
    wanted: str
    reason: str
    state: str
    answer: str
    created_at: Time | None
    decided_at: Time | None

    @classmethod
    def of(cls, e: IncomingExtension) -> ExtensionOut:
        """A request for more time as the API shows it."""
        return cls(
            id=e.id,
            assignee_id=e.assignee_id,
            old_deadline=moment(e.old_deadline),
            wanted=e.wanted.isoformat(),
            reason=e.reason,
            state=e.state,
            answer=e.answer,
            created_at=moment(e.created_at),
            decided_at=moment(e.decided_at),
        )


class IncomingDetail(IncomingOut):
    """An incoming document with its history and requests for more time."""

    history: list[HistoryOut]
    extensions: list[ExtensionOut]

    @classmethod
    def with_history(
        cls, i: IncomingDocument, events: list[IncomingEvent], extensions: list[IncomingExtension]
    ) -> IncomingDetail:
        """An incoming document with its history."""
        return cls(
            **IncomingOut.fields_of(i),
            history=[HistoryOut.of(e) for e in events],
            extensions=[ExtensionOut.of(e) for e in extensions],
        )


class WorkItem(Answer):
    """One part of "Việc của tôi": the part and its document."""

    part: AssigneeOut
    incoming: IncomingOut


class MyWork(Answer):
    """The parts given to a person (and their unit, for its head), nearest deadline first."""

    items: list[WorkItem]


class Bulk(Answer):
    """What became of each document of a bulk step: done, or the refusal's code and message."""

    done: list[int]
    refused: list[dict[str, Any]]


class IncomingPage(Answer):
    """A page of incoming documents."""

    incoming: list[IncomingOut]
    next_before: int | None


class IncomingRegister(Answer):
    """The incoming register of a year."""

    year: int
    entries: list[IncomingOut]


class Imported(Answer):
    """What became of an imported package."""

    message_id: str
    result: str
    duplicate: bool
    status: str | None = None
    incoming_id: int | None = None
