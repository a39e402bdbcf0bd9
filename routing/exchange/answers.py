"""The answers of the exchange's API: updates sent, renamed agencies."""

from __future__ import annotations

from workflow.models import Agency
from workflow.web.answers import Answer


class Resent(Answer):
    """How many recipient agencies an update package goes to."""

    recipients: int


class AgencyName(Answer):
    """An agency of the directory with the name the national exchange lists for it, if that waits for a decision."""

    id: int
    code: str
    name: str
    listed_name: str | None

    @classmethod
    def of(cls, agency: Agency) -> AgencyName:
        """The answer for one agency."""
        return cls.model_validate(agency)


class AgencyNames(Answer):
    """The agencies whose name on the national exchange differs from the directory's."""

    agencies: list[AgencyName]
