"""What the notifications' requests carry."""

from __future__ import annotations

from pydantic import (
    Field,
)

from workflow.web.schemas import (
    Request,
)


class UnreadQuery(Request):
    """Only the unread notifications (unread=1)."""

    unread: bool = Field(False, title="chỉ thông báo chưa đọc")
