"""The answers of the registers' API: the registers and their lines."""

from __future__ import annotations

from workflow import catalog
from workflow.models import (
    Register,
    RegisterEntry,
)
from workflow.web.answers import Answer, Time, moment


class RegisterOut(Answer):
    """An outgoing register."""

    id: int
    code: str
    name: str
    scope: str

    @classmethod
    def of(cls, r: Register) -> RegisterOut:
        """An outgoing register by its code, name and scope."""
        return cls.model_validate(r)


class Registers(Answer):
    """The outgoing registers of the agency."""

    registers: list[RegisterOut]


class EntryOut(Answer):
    """A register line, as the printable register shows it."""

    number: int
    symbol: str | None
    status: str
    void_reason: str | None
    issued_at: Time | None
    doc_type: str
    summary: str
    signer: str
    signer_authority: str
    recipients: list[str]
    copies: int | None
    document_id: int | None

    @classmethod
    def of(cls, e: RegisterEntry) -> EntryOut:
        """A register line as the printable outgoing register shows it."""
        return cls(
            number=e.number,
            symbol=e.symbol,
            status=e.status,
            void_reason=e.void_reason,
            issued_at=moment(e.issued_at),
            doc_type=catalog.DOC_TYPES[e.doc_type][0],
            summary=e.summary,
            signer=e.signer_name,
            signer_authority=e.signer_authority,
            recipients=e.recipients.splitlines(),
            copies=e.copies,
            document_id=e.document_id,
        )


class Entries(Answer):
    """The lines of a register for a year, voided numbers included."""

    year: int
    entries: list[EntryOut]
