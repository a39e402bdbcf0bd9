"""What the incoming documents' requests carry: a registration, a search, the register's year, a step."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field

from routing.deliveries.statuses import INCOMING_LABELS, RECEIVED_VIA
from workflow.web.schemas import (
    Confidentiality,
    DocType,
    Id,
    OptionalDate,
    OptionalId,
    PageQuery,
    Request,
    Text,
    Urgency,
    coded,
    empty_is_none,
    enum,
    one_of,
)

ReceivedVia = Annotated[str, one_of(RECEIVED_VIA, "invalid_received_via", "Nguồn nhận"), enum(RECEIVED_VIA)]

IncomingState = Annotated[str, one_of(INCOMING_LABELS, "invalid_state", "Trạng thái"), enum(INCOMING_LABELS)]


# The year of the incoming register (absent: all years for a list, this year for the register).
Year = Annotated[int | None, BeforeValidator(empty_is_none)]


class Registration(Request):
    """A document the clerk registers from paper, e-mail or by hand: what is printed on it and how it came."""

    sender: Text = coded("invalid_sender", min_length=1, max_length=255, title="cơ quan gửi")
    number: Text = coded("invalid_number", min_length=1, max_length=64, title="số, ký hiệu")
    issued_on: dt.date = coded("invalid_date", title="ngày văn bản")
    summary: Text = coded("invalid_summary", min_length=1, max_length=2000, title="trích yếu")
    doc_type: Annotated[DocType, BeforeValidator(lambda v: v or "cong_van")] = coded(
        "invalid_doc_type", default="cong_van", title="loại văn bản"
    )
    received_via: ReceivedVia = coded("invalid_received_via", title="nguồn nhận")
    received_at: Annotated[dt.datetime | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_date", default=None, title="thời điểm nhận"
    )
    urgency: Annotated[Urgency, BeforeValidator(lambda v: v or "thuong")] = Field("thuong", title="độ khẩn")
    confidentiality: Annotated[Confidentiality, BeforeValidator(lambda v: v or "thuong")] = Field(
        "thuong", title="độ mật"
    )
    deadline: OptionalDate = Field(None, title="hạn xử lý")
    signer_name: Text = Field("", max_length=255, title="người ký")


class IncomingQuery(PageQuery):
    """Incoming documents matching words, in a state, registered in a year."""

    q: Text = Field("", max_length=200, title="từ khóa")

    state: Annotated[IncomingState | None, BeforeValidator(empty_is_none)] = coded(
        "invalid_state", default=None, title="trạng thái"
    )
    year: Year = coded("invalid_year", default=None, ge=2000, le=2100, title="năm")


class RegisterYear(Request):
    """The incoming register of a year (this year when absent)."""

    year: Year = coded("invalid_year", default=None, ge=2000, le=2100, title="năm")


ROLE_NAMES = {"lead": "Chủ trì", "support": "Phối hợp", "info": "Để biết"}
Role = Annotated[str, one_of(ROLE_NAMES, "invalid_role", "Vai trò"), enum(ROLE_NAMES)]
Note = Annotated[str, BeforeValidator(lambda v: (v or "").strip() if isinstance(v, str | None) else v)]


class AssigneeIn(Request):
    """One unit or person the instruction names, with its role and own deadline."""

    unit_id: OptionalId = coded("invalid_unit", default=None, title="đơn vị")
    person_id: OptionalId = coded("invalid_person", default=None, title="người")
    role: Role = coded("invalid_role", title="vai trò")
    deadline: OptionalDate = Field(None, title="hạn xử lý")


class IncomingStep(Request):
    """A step on an incoming document: a reason (return, refuse_recall, register without a good signature), or
    the assignment (assign: the instruction and its assignees; or, as before, a lead unit, supporting units and
    one deadline)."""

    reason: Annotated[str, BeforeValidator(lambda v: v or "")] = Field("", max_length=2000, title="lý do")
    instruction: Note = Field("", max_length=4000, title="ý kiến chỉ đạo")
    assignees: list[AssigneeIn] | None = coded("invalid_assignees", default=None, title="nơi được giao")
    lead_unit_id: OptionalId = coded("invalid_unit", default=None, title="đơn vị chủ trì")
    supporting_unit_ids: list[Id] = coded("invalid_unit", default_factory=list, title="đơn vị phối hợp")
    deadline: OptionalDate = Field(None, title="hạn xử lý")

    def named(self) -> list[AssigneeIn]:
        """The assignees, from the list or from the lead unit, supporting units and deadline."""
        if self.assignees is not None:
            return self.assignees
        if self.lead_unit_id is None:
            return []
        lead = AssigneeIn(unit_id=self.lead_unit_id, role="lead", deadline=self.deadline)
        others = [AssigneeIn(unit_id=u, role="support", deadline=self.deadline) for u in self.supporting_unit_ids]
        return [lead, *[o for o in others if o.unit_id != self.lead_unit_id]]


class Forward(Request):
    """The unit head passes the unit's part to one of its people."""

    person_id: Id = coded("invalid_person", title="người nhận")
    deadline: OptionalDate = Field(None, title="hạn xử lý")
    note: Note = Field("", max_length=2000, title="ghi chú")


PROGRESS_NAMES = {"working": "Đang xử lý", "done": "Đã xong"}


class Progress(Request):
    """An assignee's own progress, with a note (a supporting unit's report) and, in a form, files."""

    progress: Annotated[str, one_of(PROGRESS_NAMES, "invalid_progress", "Tiến độ"), enum(PROGRESS_NAMES)] = coded(
        "invalid_progress", title="tiến độ"
    )
    note: Note = Field("", max_length=4000, title="ghi chú")


class ExtensionAsk(Request):
    """More time asked for: the date wanted and why."""

    wanted: dt.date = coded("invalid_date", title="hạn đề nghị")
    reason: Text = Field(min_length=1, max_length=2000, title="lý do")


class ExtensionAnswer(Request):
    """The answer to a request for more time (a refusal needs its reason)."""

    answer: Note = Field("", max_length=2000, title="ý kiến")


class Reminder(Request):
    """A reminder to one assignee."""

    assignee_id: Id = coded("invalid_assignee", title="nơi được giao")
    note: Note = Field("", max_length=2000, title="lời nhắc")


class WorkQuery(Request):
    """ "Việc của tôi": open parts, or the finished ones."""

    done: bool = coded("invalid_field", default=False, title="đã xong")


class BulkAssign(Request):
    """One instruction for several registered documents."""

    ids: list[Id] = coded("invalid_ids", min_length=1, max_length=100, title="văn bản")
    instruction: Note = Field("", max_length=4000, title="ý kiến chỉ đạo")
    assignees: list[AssigneeIn] = coded("invalid_assignees", title="nơi được giao")


class BulkFinish(Request):
    """Several documents finished at once by their lead."""

    ids: list[Id] = coded("invalid_ids", min_length=1, max_length=100, title="văn bản")
