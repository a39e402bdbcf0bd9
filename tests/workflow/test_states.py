"""The lifecycle table, and every (state, action) pair tried by every role through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.support.api import Api, build_app, database_url
from workflow.states import ACTIONS, STATES, TRANSITIONS, next_state

EXPECTED = {
    ("drafting", "submit"): ("in_review", "drafter"),
    ("drafting", "withdraw"): ("withdrawn", "drafter"),
    ("in_review", "approve"): ("awaiting_signature", "unit_head"),
    ("in_review", "return"): ("drafting", "unit_head"),
    ("awaiting_signature", "sign"): ("signed", "signer"),
    ("awaiting_signature", "return"): ("drafting", "signer"),
    ("signed", "issue"): ("issued", "clerk"),
    ("issued", "dispatch"): ("dispatched", "clerk"),
    ("dispatched", "recall"): ("recalled", "clerk"),
}

# Demo users and the actor kinds each one is for a document drafted by chuyenvien for giamdoc.
USERS = {
    "chuyenvien": {"drafter"},
    "truongphong": {"unit_head"},
    "giamdoc": {"signer"},
    "phogiamdoc": set(),  # a leader, but not the designated signer
    "vanthu": {"clerk"},
    "truongphong_dd": set(),  # head of another unit
    "chuyenvien_dd": set(),  # a user of a receiving unit
    "admin": set(),
}

# The states in which each of them sees that document at all (the rules of workflow/access.py, written out):
# the clerk from the signing book on, the receiving unit while it is in its inbox (the "issued" one is secret,
# kept on paper); the others never.
EVERY_STATE = set(STATES)
SEES = {
    "chuyenvien": EVERY_STATE,
    "truongphong": EVERY_STATE,
    "giamdoc": EVERY_STATE,
    "phogiamdoc": set(),
    "vanthu": {"awaiting_signature", "signed", "issued", "dispatched", "recalled"},
    "truongphong_dd": {"dispatched"},
    "chuyenvien_dd": {"dispatched"},
    "admin": set(),
}


def test_table_is_exactly_the_design() -> None:
    assert {k: tuple(v) for k, v in TRANSITIONS.items()} == EXPECTED
    for state in ("withdrawn", "recalled"):
        assert all(next_state(state, action) is None for action in ACTIONS)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, keys_dir: Path, password_hash: str
) -> Iterator[Flask]:
    base = tmp_path_factory.mktemp("matrix")
    application = build_app(database_url(request.param, base, request), base, keys_dir, password_hash)
    yield application
    application.extensions["congvan"].close()


@pytest.fixture(scope="module")
def matrix_api(matrix_app: Flask) -> Api:
    return Api(matrix_app.test_client())


_documents: dict[tuple[int, str], int] = {}


def document_in(api: Api, state: str, fresh: bool = False) -> int:
    """A document in the state; shared (per app) by the calls that must not change it."""
    key = (id(api), state)
    if fresh or key not in _documents:
        # 'issued' is only a resting state for secret documents, which are never dispatched over the network.
        doc = api.draft(confidentiality="mat" if state == "issued" else "thuong")
        api.advance(doc["id"], state)
        if fresh:
            return int(doc["id"])
        _documents[key] = int(doc["id"])
    return _documents[key]


@pytest.mark.parametrize("user", list(USERS))
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_every_pair_by_every_role(matrix_api: Api, state: str, action: str, user: str) -> None:
    transition = TRANSITIONS.get((state, action))
    allowed_for_user = transition is not None and transition.actor in USERS[user]
    doc_id = document_in(matrix_api, state, fresh=allowed_for_user)
    response = matrix_api.act(user, doc_id, action, "Lý do kiểm thử.")
    body = response.get_json()
    after = matrix_api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}").get_json()["state"]
    if state not in SEES[user]:
        # Someone the document is not for cannot tell it from one that does not exist.
        assert response.status_code == 404, body
        assert body["error"]["code"] == "document_not_found"
        assert after == state
    elif transition is None:
        assert response.status_code == 409, body
        assert body["error"]["code"] == "invalid_transition"
        assert after == state
    elif not allowed_for_user:
        assert response.status_code == 403, body
        assert body["error"]["code"] == "forbidden_action"
        assert after == state
    elif (state, action) == ("issued", "dispatch"):
        # The clerk may dispatch, but a secret document is refused for electronic dispatch.
        assert response.status_code == 422, body
        assert body["error"]["code"] == "confidential_no_electronic_dispatch"
        assert after == "issued"
    else:
        assert response.status_code == 200, body
        # Issuing dispatches at once (DESIGN §3: dispatch is automatic on issue).
        assert after == ("dispatched" if action == "issue" else transition.target)
        events = matrix_api.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}/events").get_json()["events"]
        assert any(e["action"] == action and e["from_state"] == state and e["actor"] == user for e in events)
