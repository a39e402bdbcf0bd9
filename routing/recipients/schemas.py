"""What the recipients' requests carry: a line remembered, a recipient list."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from workflow.web.schemas import (
    Id,
    Lines,
    Request,
    Text,
    enum,
    one_of,
)

RememberKind = Annotated[
    str, one_of(("unit", "agency", "list"), "invalid_kind", "Loại nơi nhận"), enum(("unit", "agency", "list"))
]


class RememberIn(Request):
    """A name the directory did not know, and the unit, agency or distribution list it means from now on."""

    label: Text = Field(min_length=1, max_length=255, title="tên nơi nhận")
    kind: RememberKind = Field(title="loại nơi nhận")
    id: Id = Field(title="nơi nhận")


class ListIn(Request):
    """A distribution list: its name, other names and members (recipient lines), one a line."""

    name: Text = Field(min_length=1, max_length=255, title="tên danh sách")
    aliases: Lines = Field(default_factory=list, title="tên gọi khác")
    members: Lines = Field(default_factory=list, title="thành phần")
