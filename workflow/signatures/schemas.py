"""What the signing requests carry: a batch to make, a leader's queue to read."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
)

from workflow.web.schemas import (
    Id,
    OptionalId,
    Request,
)


class NewBatch(Request):
    """A signing batch: the leader (the one asking, for a leader) and which of the waiting documents."""

    leader_id: OptionalId = Field(None, title="lãnh đạo ký")
    document_ids: list[Id] | None = Field(None, max_length=1000, title="danh sách văn bản")


class LeaderQuery(Request):
    """Whose signing book (the one asking, for a leader)."""

    leader_id: OptionalId = Field(None, title="lãnh đạo")


class AuthorityChoice(Request):
    """Which of the signer's authority lines a document is signed under."""

    authority_id: Id = Field(title="dòng thẩm quyền ký")


class AgentSignatures(Request):
    """What the leader's page brings back from congvan-agent for one request: a signature per digest, in order."""

    signatures: list[Annotated[str, StringConstraints(max_length=2048)]] = Field(
        max_length=50, title="chữ ký (base64), theo thứ tự mã băm"
    )
