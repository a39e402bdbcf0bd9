"""What the agent answers the page when it cannot sign: an HTTP status, a stable code, a Vietnamese message."""

from __future__ import annotations


class AgentError(Exception):
    """A refusal the page shows as it is: `message` says what happened and what the leader can do."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
