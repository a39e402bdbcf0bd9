"""The answers of the documents' API: a document, its versions, appendices, signatures, history, comments."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workflow import catalog
from workflow.models import (
    Appendix,
    Document,
    DocumentVersion,
)
from workflow.states import STATE_LABELS
from workflow.web.answers import Answer, PersonOut, Time, UnitRef, moment


class VersionOut(Answer):
    """A PDF version of a document."""

    seq: int
    kind: str
    sha256: str
    size: int
    created_at: Time | None

    @classmethod
    def of(cls, v: DocumentVersion) -> VersionOut:
        """A PDF version of a document."""
        return cls.model_validate(v)


class AppendixOut(Answer):
    """An appendix file of a document."""

    seq: int
    filename: str
    sha256: str
    size: int
    issued_sha256: str | None
    created_at: Time | None

    @classmethod
    def of(cls, a: Appendix) -> AppendixOut:
        """An appendix file of a document."""
        return cls.model_validate(a)


class DocumentOut(Answer):
    """A document with its metadata and current version."""

    id: int
    doc_type: str
    doc_type_name: str
    abbreviation: str | None
    summary: str
    urgency: str
    confidentiality: str
    state: str
    state_label: str
    return_reason: str | None
    drafting_unit: UnitRef
    drafter: PersonOut
    signer: PersonOut
    authority_kind: str
    authority_lines: list[str]
    kinh_gui: list[str]
    noi_nhan: list[str]
    due_date: str | None
    replaces_id: int | None
    number: int | None
    symbol: str | None
    issued_at: Time | None
    signed_at: Time | None
    timestamp_due: bool
    created_at: Time | None
    current_version: VersionOut | None
    appendices: list[AppendixOut]

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        """A document as the API shows it."""
        type_name, abbreviation = catalog.DOC_TYPES[d.doc_type]
        return cls(
            id=d.id,
            doc_type=d.doc_type,
            doc_type_name=type_name,
            abbreviation=abbreviation,
            summary=d.summary,
            urgency=d.urgency,
            confidentiality=d.confidentiality,
            state=d.state,
            state_label=STATE_LABELS[d.state],
            return_reason=d.return_reason,
            drafting_unit=UnitRef.of(d.drafting_unit),
            drafter=PersonOut.of(d.drafter),
            signer=PersonOut.of(d.signer),
            authority_kind=d.authority_kind,
            authority_lines=[line for line in (d.authority_line, d.authority_title) if line],
            kinh_gui=d.kinh_gui.splitlines(),
            noi_nhan=d.noi_nhan.splitlines(),
            due_date=moment(d.due_date),
            replaces_id=d.replaces_id,
            number=d.number,
            symbol=d.symbol,
            issued_at=moment(d.issued_at),
            signed_at=moment(d.signed_at),
            timestamp_due=d.timestamp_due,
            created_at=moment(d.created_at),
            current_version=VersionOut.of(d.current_version) if d.versions else None,
            appendices=[AppendixOut.of(a) for a in d.appendices],
        )


class DocumentPage(Answer):
    """A page of documents."""

    documents: list[DocumentOut]
    next_before: int | None


class Versions(Answer):
    """Every version of a document's PDF."""

    versions: list[VersionOut]


class SignatureOut(Answer):
    """One signature of a PDF checked: our verdict on it and what it covers first, then each check and the
    reasons it is not good (in Vietnamese). `value_ok` is only the cryptographic check of its value.

    The API's contract for signing.validation.SignatureCheck (the adapter knows nothing of pydantic or the
    API): the same fields in the same order between `verdict`/`covers` and `ok`, which
    tests/web/test_openapi.py holds it to."""

    verdict: Literal["valid", "invalid"]
    covers: Literal["whole_file", "signed_revision_and_allowed_additions", "not_the_file_as_it_is"]
    field: str
    signer: str
    intact: bool
    value_ok: bool
    trusted: bool
    coverage: str
    modification_level: str | None
    signing_time: str | None
    timestamp: str | None
    timestamp_ok: bool | None
    level: str
    chain: list[str]
    certificate: dict[str, str]
    problems: list[str]
    ok: bool


class TimestampOut(Answer):
    """A document timestamp found in a PDF, with our verdict on it: the API's contract for
    signing.validation.TimestampCheck, held to its fields like SignatureOut."""

    verdict: Literal["valid", "invalid"]
    field: str
    time: str | None
    intact: bool
    value_ok: bool
    trusted: bool
    tsa: str


class Signatures(Answer):
    """Every signature and document timestamp of a document's current PDF, and the verdict."""

    sha256: str
    verdict: str
    signatures: list[SignatureOut]
    timestamps: list[TimestampOut]


class Validated(Signatures):
    """Any PDF checked against the agency's trust list."""

    trust_list: list[str]


class EventOut(Answer):
    """One step of a document's audit trail."""

    id: int
    action: str
    from_state: str | None
    to_state: str | None
    actor: str | None
    detail: dict[str, Any] | None
    at: Time | None


class Events(Answer):
    """A document's audit trail."""

    events: list[EventOut]


class CommentMade(Answer):
    """A comment, stored."""

    id: int
    body: str


class CommentOut(Answer):
    """A comment on a document."""

    id: int
    author: str
    body: str
    at: Time | None


class Comments(Answer):
    """The comments on a document."""

    comments: list[CommentOut]


class Acted(Answer):
    """A lifecycle action taken: the document as it is now and what the action did."""

    document: DocumentOut
    result: dict[str, Any] = Field(description="Kết quả riêng của thao tác (ví dụ số, ký hiệu khi phát hành)")
