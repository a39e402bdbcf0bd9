"""The answers of the addressing API: resolved recipients, remembered names, distribution lists."""

from __future__ import annotations

from pydantic import Field

from routing.models import DistributionList
from routing.recipients.addressing import Resolved, Target
from workflow.web.answers import Answer


class RecipientTarget(Answer):
    """Where a recipient line goes."""

    kind: str = Field(description="unit | person | agency | unresolved; list for a suggestion")
    id: int | None
    name: str

    @classmethod
    def of(cls, t: Target) -> RecipientTarget:
        """Where a line goes."""
        return cls.model_validate(t)


class ResolvedLine(Answer):
    """A recipient line as written, its purpose, and where it goes before issuance."""

    label: str
    purpose: str
    names: str = Field(description="organisation | people | reference (Như Điều 4)")
    via: str | None = Field(description="the distribution list the line named")
    targets: list[RecipientTarget]
    suggestions: list[RecipientTarget] = Field(
        description="the closest units, agencies and lists of the directory, for an unknown line"
    )

    @classmethod
    def of(cls, r: Resolved) -> ResolvedLine:
        """One line and where it goes."""
        return cls(
            label=r.line.label,
            purpose=r.line.purpose,
            names=r.line.kind,
            via=r.via,
            targets=[RecipientTarget.of(t) for t in r.targets],
            suggestions=[RecipientTarget.of(t) for t in r.suggestions],
        )


class RecipientsPreview(Answer):
    """Every recipient of a document and where it goes, what stays unknown, and the drafter's warnings."""

    recipients: list[ResolvedLine]
    unresolved: int
    warnings: list[str]


class Remembered(Answer):
    """A name remembered for a unit, agency or distribution list."""

    label: str
    target: str


class DistributionListOut(Answer):
    """A distribution list of the agency."""

    id: int
    name: str
    aliases: list[str]
    members: list[str]

    @classmethod
    def of(cls, group: DistributionList) -> DistributionListOut:
        """A distribution list with its other names and members."""
        return cls(id=group.id, name=group.name, aliases=group.aliases.splitlines(), members=group.members.splitlines())


class DistributionLists(Answer):
    """The agency's distribution lists."""

    lists: list[DistributionListOut]


class Deleted(Answer):
    """What was removed."""

    deleted: int
