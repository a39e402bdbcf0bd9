"""The lifecycle of an outgoing document as data: (state, action) -> (next state, who may act)."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Transition(NamedTuple):
    """Where an action leads and which actor kind may take it."""

    target: str
    actor: str  # drafter, unit_head, signer, clerk, system


class DocumentState(StrEnum):
    """Where an outgoing document is in its lifecycle."""

    DRAFTING = "drafting"
    IN_REVIEW = "in_review"
    AWAITING_SIGNATURE = "awaiting_signature"
    SIGNED = "signed"
    ISSUED = "issued"
    DISPATCHED = "dispatched"
    WITHDRAWN = "withdrawn"
    RECALLED = "recalled"


STATES = tuple(DocumentState)
# The states a document passes through before it has a number, and after.
BEFORE_ISSUANCE = frozenset(
    {DocumentState.DRAFTING, DocumentState.IN_REVIEW, DocumentState.AWAITING_SIGNATURE, DocumentState.SIGNED}
)
AFTER_ISSUANCE = frozenset({DocumentState.ISSUED, DocumentState.DISPATCHED, DocumentState.RECALLED})
# Issued and not recalled: what may still be sent, resent or updated.
SENDABLE = frozenset({DocumentState.ISSUED, DocumentState.DISPATCHED})

ACTIONS = ("submit", "withdraw", "approve", "return", "sign", "issue", "dispatch", "recall")

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (DocumentState.DRAFTING, "submit"): Transition(DocumentState.IN_REVIEW, "drafter"),
    (DocumentState.DRAFTING, "withdraw"): Transition(DocumentState.WITHDRAWN, "drafter"),
    (DocumentState.IN_REVIEW, "approve"): Transition(DocumentState.AWAITING_SIGNATURE, "unit_head"),
    (DocumentState.IN_REVIEW, "return"): Transition(DocumentState.DRAFTING, "unit_head"),
    (DocumentState.AWAITING_SIGNATURE, "sign"): Transition(DocumentState.SIGNED, "signer"),
    (DocumentState.AWAITING_SIGNATURE, "return"): Transition(DocumentState.DRAFTING, "signer"),
    (DocumentState.SIGNED, "issue"): Transition(DocumentState.ISSUED, "clerk"),
    (DocumentState.ISSUED, "dispatch"): Transition(DocumentState.DISPATCHED, "clerk"),
    (DocumentState.DISPATCHED, "recall"): Transition(DocumentState.RECALLED, "clerk"),
}

STATE_LABELS = {
    "drafting": "Đang soạn thảo",
    "in_review": "Chờ lãnh đạo phòng duyệt",
    "awaiting_signature": "Chờ lãnh đạo ký",
    "signed": "Đã ký, chờ phát hành",
    # "Đã gửi" is said of each recipient once it went (routing's sending label), not of the document at issuance.
    "issued": "Đã phát hành, chưa gửi",
    "dispatched": "Đã phát hành",
    "withdrawn": "Đã rút",
    "recalled": "Đã thu hồi",
}

ACTION_LABELS = {
    "submit": "trình duyệt",
    "withdraw": "rút văn bản",
    "approve": "duyệt",
    "return": "trả lại",
    "sign": "ký",
    "issue": "phát hành",
    "dispatch": "gửi",
    "recall": "thu hồi",
}

# How audit events read in a document's history (lifecycle actions use ACTION_LABELS).
EVENT_LABELS = {
    "create": "tạo dự thảo",
    "new_version": "phiên bản mới",
    "comment": "ghi ý kiến",
    "signature_applied": "chữ ký số đã gắn vào văn bản",
    "issue_failed": "phát hành không thành",
    "dispatch_refused": "không gửi điện tử (văn bản mật)",
    "delivery_failed": "gửi tới nơi nhận thất bại",
    "timestamp_deferred": "dấu thời gian để sau",
    "timestamp_added": "đã thêm dấu thời gian",
    "exchange_update": "gửi cập nhật tới cơ quan nhận",
    "delivery_resent": "văn thư gửi lại tới nơi nhận",
    "read_for_signing": "lãnh đạo đã đọc trong sổ trình ký",
    "authority_chosen": "đổi dòng thẩm quyền ký",
}

# Actions that need a reason from the person who takes them.
NEEDS_REASON = frozenset({"return", "recall"})


def next_state(state: str, action: str) -> Transition | None:
    """Return the transition for (state, action), or None when it is not allowed."""
    return TRANSITIONS.get((state, action))


class BatchState(StrEnum):
    """Where a signing batch is: collecting (open), being signed, finished (done) or finished with failures."""

    OPEN = "open"
    SIGNING = "signing"
    DONE = "done"
    PARTIAL = "partial"


# A batch still being made or signed; a batch finished, every document signed or not.
UNFINISHED_BATCH = frozenset({BatchState.OPEN, BatchState.SIGNING})
FINISHED_BATCH = frozenset({BatchState.DONE, BatchState.PARTIAL})


class ItemStatus(StrEnum):
    """One document of a signing batch: waiting, signed, or failed (with its reason)."""

    PENDING = "pending"
    SIGNED = "signed"
    FAILED = "failed"


class ApprovalState(StrEnum):
    """An approval asked of a remote signing service (a SmartCA transaction): recorded but not yet accepted
    (sending), on the leader's phone (waiting), approved and written (done), or ended without signatures."""

    SENDING = "sending"
    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


OPEN_APPROVAL = frozenset({ApprovalState.SENDING, ApprovalState.WAITING})


# What people read for a batch's state and a document's result in it.
BATCH_LABELS = {
    BatchState.OPEN: "Đang lập",
    BatchState.SIGNING: "Đang ký",
    BatchState.DONE: "Đã ký xong",
    BatchState.PARTIAL: "Đã xong, có văn bản lỗi",
}
ITEM_LABELS = {ItemStatus.PENDING: "Đang chờ", ItemStatus.SIGNED: "Đã ký", ItemStatus.FAILED: "Lỗi"}
APPROVAL_LABELS = {
    ApprovalState.SENDING: "Đang gửi tới SmartCA",
    ApprovalState.WAITING: "Chờ xác nhận trên điện thoại",
    ApprovalState.DONE: "Đã xác nhận",
    ApprovalState.FAILED: "Không thành công",
}
