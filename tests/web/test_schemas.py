"""Requests parsed once: the models carry the agency's bounds, and a revision says what it changes."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support.api import Api
from workflow.documents import schemas
from workflow.errors import Invalid
from workflow.web.schemas import DEFAULTS, parse

DRAFT = {"doc_type": "cong_van", "summary": "Kế hoạch", "body": "Nội dung./.", "signer_id": 1}


def test_a_draft_is_held_to_the_bounds_of_the_settings_it_is_parsed_with() -> None:
    tight = dataclasses.replace(DEFAULTS, max_body_chars=12, max_kinh_gui_lines=1, max_line_chars=8)
    assert parse(schemas.Draft, DRAFT | {"body": "x" * 12}, tight).body == "x" * 12
    cases = [
        ({"body": "x" * 13}, "body_too_long", "body"),
        ({"kinh_gui": ["a", "b"]}, "too_many_lines", "kinh_gui"),
        ({"noi_nhan": ["Như trên; và thêm"]}, "line_too_long", "noi_nhan"),
    ]
    for change, code, field in cases:
        with pytest.raises(Invalid) as refused:
            parse(schemas.Draft, DRAFT | change, tight)
        assert (refused.value.code, refused.value.detail["field"]) == (code, field)
        with pytest.raises(Invalid) as refused:  # a revision is held to them too
            parse(schemas.DraftChange, change, tight)
        assert refused.value.code == code
    # Without settings, the defaults of Settings: the one table of the bounds.
    with pytest.raises(Invalid, match=r"200\.000"):
        parse(schemas.Draft, DRAFT | {"body": "x" * 200_001})


def test_a_revision_changes_what_it_gives_and_a_null_due_date_clears_it(api: Api) -> None:
    doc = api.draft(due_date="2027-01-15", urgency="khan")
    path = f"/api/v1/documents/{doc['id']}/versions"
    assert api.as_("chuyenvien", "POST", path, json={"summary": "Kế hoạch mới", "urgency": None}).status_code == 201
    changed = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    assert (changed["summary"], changed["urgency"], changed["due_date"]) == ("Kế hoạch mới", "khan", "2027-01-15")
    assert api.as_("chuyenvien", "POST", path, json={"due_date": None}).status_code == 201
    cleared = api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    assert (cleared["summary"], cleared["due_date"]) == ("Kế hoạch mới", None)
