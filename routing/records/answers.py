"""The answers of the case files' API."""

from __future__ import annotations

from routing.models import CaseFile, CaseFileItem, FileList, FilePlan
from workflow.web.answers import Answer, Time, moment


class PlanOut(Answer):
    """One file of the year's list."""

    id: int
    code: str
    title: str
    unit_id: int
    unit: str
    retention_years: int | None
    retention: str
    keeper_id: int
    keeper: str

    @classmethod
    def of(cls, entry: FilePlan) -> PlanOut:
        """An entry as the API shows it."""
        return cls(
            id=entry.id,
            code=entry.code,
            title=entry.title,
            unit_id=entry.unit_id,
            unit=entry.unit.name,
            retention_years=entry.retention_years,
            retention=f"{entry.retention_years} năm" if entry.retention_years else "Vĩnh viễn",
            keeper_id=entry.keeper_id,
            keeper=entry.keeper.full_name,
        )


class FileListOut(Answer):
    """The agency's file list of a year."""

    id: int
    year: int
    state: str
    approved_at: Time | None
    entries: list[PlanOut]

    @classmethod
    def of(cls, found: FileList) -> FileListOut:
        """A year's list as the API shows it."""
        return cls(
            id=found.id,
            year=found.year,
            state=found.state,
            approved_at=moment(found.approved_at),
            entries=[PlanOut.of(e) for e in found.entries],
        )


class ItemOut(Answer):
    """A document in a case file."""

    id: int
    document_id: int | None
    incoming_id: int | None
    symbol: str
    summary: str
    pages: int
    added_at: Time | None

    @classmethod
    def of(cls, item: CaseFileItem) -> ItemOut:
        """A filed document as the API shows it."""
        if item.document is not None:
            symbol, summary = item.document.symbol or "", item.document.summary
        else:
            assert item.incoming is not None
            symbol, summary = item.incoming.symbol, item.incoming.subject
        return cls(
            id=item.id,
            document_id=item.document_id,
            incoming_id=item.incoming_id,
            symbol=symbol,
            summary=summary,
            pages=item.pages,
            added_at=moment(item.added_at),
        )


class CaseFileOut(Answer):
    """A case file with its documents and counts."""

    id: int
    code: str
    title: str
    state: str
    year: int
    unit: str
    keeper: str
    retention: str
    opened_at: Time | None
    end_date: str | None
    documents: int
    pages: int
    handed_over_at: Time | None
    accepted_at: Time | None
    return_reason: str | None
    items: list[ItemOut]

    @classmethod
    def of(cls, found: CaseFile) -> CaseFileOut:
        """A case file as the API shows it."""
        plan = found.plan
        return cls(
            id=found.id,
            code=plan.code,
            title=found.title,
            state=found.state,
            year=plan.file_list.year,
            unit=plan.unit.name,
            keeper=plan.keeper.full_name,
            retention=PlanOut.of(plan).retention,
            opened_at=moment(found.opened_at),
            end_date=moment(found.end_date),
            documents=len(found.items),
            pages=sum(i.pages for i in found.items),
            handed_over_at=moment(found.handed_over_at),
            accepted_at=moment(found.accepted_at),
            return_reason=found.return_reason,
            items=[ItemOut.of(i) for i in found.items],
        )


class CaseFiles(Answer):
    """The case files a person keeps (leaders and clerks: the agency's)."""

    files: list[CaseFileOut]


class Removed(Answer):
    """What was taken out."""

    removed: int


class FilingOut(Answer):
    """Where a document goes at issuance: the chosen file, or the drafter's last used; the files to choose from."""

    case_file_id: int | None
    chosen: bool
    choices: list[CaseFileOut]
