"""Workflow steps cannot be skipped through the API: each answer is a refusal and nothing changes."""

from __future__ import annotations

import pytest

from tests.support.api import Api


def _state(api: Api, doc_id: int) -> str:
    return str(api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}").get_json()["state"])


@pytest.mark.both_databases
def test_no_step_can_be_skipped(api: Api) -> None:
    doc = api.draft()["id"]
    skips = [
        ("drafting", "giamdoc", "sign"),  # sign before review
        ("drafting", "truongphong", "approve"),  # review before submission
        ("drafting", "vanthu", "issue"),  # issue before signature
        ("drafting", "vanthu", "dispatch"),  # dispatch before issue
    ]
    for state, user, action in skips:
        answer = api.act(user, doc, action)
        assert answer.status_code in (403, 404, 409), (state, action, answer.get_json())
        assert _state(api, doc) == state
    api.advance(doc, "in_review")
    for user, action in (("giamdoc", "sign"), ("vanthu", "issue"), ("vanthu", "dispatch")):
        assert api.act(user, doc, action).status_code in (403, 404, 409), action
        assert _state(api, doc) == "in_review"
    api.advance(doc, "awaiting_signature")
    for user, action in (("vanthu", "issue"), ("vanthu", "dispatch")):
        assert api.act(user, doc, action).status_code in (403, 404, 409), action
        assert _state(api, doc) == "awaiting_signature"
    api.advance(doc, "signed")
    assert api.act("vanthu", doc, "dispatch").status_code in (403, 404, 409)
    assert _state(api, doc) == "signed"
    events = api.as_("vanthu", "GET", f"/api/v1/documents/{doc}/events").get_json()["events"]
    assert [e["action"] for e in events if e["action"] in ("sign", "signature_applied", "issue", "dispatch")] in (
        ["sign", "signature_applied"],
        ["signature_applied", "sign"],
        ["signature_applied"],
    )
