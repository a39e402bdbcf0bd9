"""The answers of the signing API: the signing book and signing batches."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from workflow.documents.answers import DocumentOut
from workflow.models import (
    SigningBatch,
    SigningBatchItem,
)
from workflow.signatures.agent import Offer, Request
from workflow.signatures.models import RemoteTransaction
from workflow.signatures.tokens import Ticket
from workflow.states import ApprovalState
from workflow.web.answers import Answer, PersonOut, Time, moment


class BatchItemOut(Answer):
    """A document of a signing batch and its result."""

    document_id: int
    summary: str
    urgency: str
    drafting_unit: str
    sha256: str | None
    status: str
    error: str | None
    signed_at: Time | None

    @classmethod
    def of(cls, i: SigningBatchItem) -> BatchItemOut:
        """A document of a batch and its result."""
        return cls(
            document_id=i.document_id,
            summary=i.document.summary,
            urgency=i.document.urgency,
            drafting_unit=i.document.drafting_unit.name,
            sha256=i.sha256,
            status=i.status,
            error=i.error,
            signed_at=moment(i.signed_at),
        )


class ApprovalOut(Answer):
    """One approval asked of the leader's phone (a SmartCA transaction) and where it stands."""

    description: str
    state: str  # sending, waiting, done, failed
    documents: int
    error: str | None
    created_at: Time | None
    answered_at: Time | None

    @classmethod
    def of(cls, t: RemoteTransaction) -> ApprovalOut:
        """A transaction as the leader follows it."""
        return cls(
            description=t.description,
            state=t.state,
            documents=len(t.item_ids),
            error=t.error,
            created_at=moment(t.created_at),
            answered_at=moment(t.answered_at),
        )


class BatchOut(Answer):
    """A signing batch with its manifest and per-document results."""

    id: int
    leader: PersonOut
    state: str
    count: int
    counts: dict[str, int]
    created_at: Time | None
    confirmed_at: Time | None
    finished_at: Time | None
    items: list[BatchItemOut]
    approvals: list[ApprovalOut] = Field(description="giao dịch chờ xác nhận trên điện thoại (SmartCA)")
    approvals_confirmed: int

    @classmethod
    def of(cls, b: SigningBatch, transactions: Sequence[RemoteTransaction] = ()) -> BatchOut:
        """A signing batch with its manifest (and the approvals it asked of a remote signing service)."""
        counts: dict[str, int] = {}
        for item in b.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return cls(
            id=b.id,
            leader=PersonOut.of(b.leader),
            state=b.state,
            count=len(b.items),
            counts=counts,
            created_at=moment(b.created_at),
            confirmed_at=moment(b.confirmed_at),
            finished_at=moment(b.finished_at),
            items=[BatchItemOut.of(i) for i in b.items],
            approvals=[ApprovalOut.of(t) for t in transactions],
            approvals_confirmed=sum(1 for t in transactions if t.state == ApprovalState.DONE),
        )


class SigningBook(Answer):
    """The documents waiting for a leader's signature."""

    leader: PersonOut
    documents: list[DocumentOut]


class Notified(Answer):
    """SmartCA's callback was taken."""

    received: bool


class TokenFileOut(Answer):
    """One document for the leader's signing tool: where it fetches the file and where it hands it back."""

    document_id: int
    summary: str
    file_url: str
    upload_url: str
    expires_at: Time


class TokenFiles(Answer):
    """The documents of a batch still to be signed on the leader's USB token, with their one-time addresses."""

    batch_id: int
    items: list[TokenFileOut]

    @classmethod
    def of(cls, batch_id: int, handed: Sequence[Ticket], base_url: str) -> TokenFiles:
        """The tickets handed out, as addresses under this service's base URL (as the leader's PC reaches it)."""
        items = []
        for t in handed:
            address = f"{base_url.rstrip('/')}/api/v1/token-files/{t.secret}"
            items.append(
                TokenFileOut(
                    document_id=t.document_id,
                    summary=t.summary,
                    file_url=address,
                    upload_url=address,
                    expires_at=moment(t.expires_at) or "",
                )
            )
        return cls(batch_id=batch_id, items=items)


class TokenUploaded(Answer):
    """What the signing tool is answered when it hands a signed file back (VGCA SignService's reply shape)."""

    Status: int
    Message: str
    FileName: str
    FileServer: str


class PairingOut(Answer):
    """A pairing of congvan-agent under way: the code the leader types into the agent, and what the page hands
    the agent."""

    code: str
    nonce: str
    key: str
    expires_at: Time
    agent_url: str

    @classmethod
    def of(cls, offer: Offer, agent_url: str) -> PairingOut:
        """The offer, with where the agent listens."""
        return cls(
            code=offer.code,
            nonce=offer.nonce,
            key=offer.key,
            expires_at=moment(offer.expires_at) or "",
            agent_url=agent_url,
        )


class AgentRequestOut(Answer):
    """One request for congvan-agent: up to 50 digests, authenticated with the pairing key until `expires`."""

    batch: str
    request: str
    description: str
    hashes: list[str]
    expires: int
    mac: str


class AgentRequests(Answer):
    """What the leader's page still has to carry to congvan-agent for a batch, and whether more is coming."""

    batch_id: int
    origin: str
    agent_url: str
    preparing: bool
    requests: list[AgentRequestOut]

    @classmethod
    def of(cls, batch_id: int, origin: str, agent_url: str, found: Sequence[Request], preparing: bool) -> AgentRequests:
        """The requests, as the agent takes them."""
        requests = [
            AgentRequestOut(
                batch=str(batch_id),
                request=r.id,
                description=r.description,
                hashes=r.hashes,
                expires=r.expires,
                mac=r.mac,
            )
            for r in found
        ]
        return cls(batch_id=batch_id, origin=origin, agent_url=agent_url, preparing=preparing, requests=requests)


class AgentAnswered(Answer):
    """Signatures taken for a request: written by a job once each is checked (follow the batch's progress)."""

    batch_id: int
    request: str
    documents: int
