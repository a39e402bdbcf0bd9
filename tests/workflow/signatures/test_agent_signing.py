"""A leader's USB token through congvan-agent (its own process, the key on SoftHSM2), the test playing the page:
paired once by the code the page shows, then each batch's digests carried to the agent in requests of 50 and the
signatures brought back, every one checked against the token's certificate before its document is written; a
request the page stops carrying fails its documents with the reason, and they can be signed again."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from congvan.demo_day import PASSWORD
from signing import pki
from tests.support.agent import PIN, Agent, Token, make_token
from tests.support.api import Api, build_app, database_url
from tests.support.factories import awaiting
from workflow import runtime
from workflow.signatures import agent as agent_service
from workflow.signatures.models import RemoteTransaction

PAGE = "http://localhost"  # the origin of the test client's pages


@dataclass
class Paired:
    app: Flask
    api: Api
    agent: Agent
    leader: int


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Token:
    return make_token(tmp_path_factory.mktemp("agent-token"))


def _app(token: Token, base: Path, url: str, keys_dir: Path, password_hash: str) -> tuple[Flask, Api]:
    keys = base / "keys"
    shutil.copytree(keys_dir, keys)
    app = build_app(url, base, keys, password_hash, PREPARE_AHEAD=False)
    api = Api(app.test_client())
    root = pki.cert_pem(token.ca.cert)
    added = api.as_("admin", "POST", "/api/v1/trust-roots", data=root, content_type="application/x-pem-file")
    assert added.status_code == 201, added.get_json()
    return app, api


def _on_agent(agent: Agent, path: str, body: Any, answer: str | None, question: str) -> Any:
    """The page's call to the agent; the leader types `answer` when the agent asks `question` (None: not asked)."""
    replies: list[Any] = []
    calling = threading.Thread(
        target=lambda: replies.append(requests.post(agent.url + path, json=body, headers={"Origin": PAGE}, timeout=60))
    )
    calling.start()
    if answer is not None:
        agent.asked(question)
        agent.type(answer)
    calling.join(60)
    return replies[0]


def pair(api: Api, agent: Agent, leader: int, code: str | None = None) -> Any:
    offer = api.as_("giamdoc", "POST", f"/api/v1/people/{leader}/signer/pairing")
    assert offer.status_code == 201, offer.get_json()
    found = offer.get_json()
    assert len(found["code"]) == 8 and found["agent_url"] == "http://127.0.0.1:8990"
    body = {"nonce": found["nonce"], "key": found["key"]}
    answer = _on_agent(agent, "/pair", body, code or found["code"], "Nhập mã ghép nối")
    assert answer.status_code == 200, answer.text
    paired = {"kind": "agent", **answer.json()}
    return api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json=paired)


@pytest.fixture(scope="module")
def paired(
    token: Token, tmp_path_factory: pytest.TempPathFactory, keys_dir: Path, password_hash: str
) -> Iterator[Paired]:
    base = tmp_path_factory.mktemp("agent-app")
    app, api = _app(token, base, f"sqlite:///{base}/congvan.db", keys_dir, password_hash)
    agent = Agent(token, PAGE, base / "agent")
    leader = api.id_of("giamdoc")
    done = pair(api, agent, leader)
    assert done.status_code == 200, done.get_json()
    yield Paired(app, api, agent, leader)
    agent.stop()
    app.extensions["congvan"].close()


def _confirmed(app: Flask, api: Api, leader: int, count: int) -> tuple[list[int], int]:
    ids = awaiting(app, api, count)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader, "document_ids": ids})
    assert batch.status_code == 201, batch.get_json()
    path = f"/api/v1/signing-batches/{batch.get_json()['id']}/confirm"
    confirmed = api.as_("giamdoc", "POST", path, json={"password": PASSWORD})
    assert confirmed.status_code == 202, confirmed.get_json()
    assert confirmed.get_json()["state"] == "signing"  # prepared, waiting for the page to carry the digests
    return ids, int(batch.get_json()["id"])


def carry(api: Api, agent: Agent, batch_id: int, pin: str | None = PIN, spoil: int | None = None) -> list[str]:
    """What the batch page does: each request to the agent (the PIN typed if asked) and its signatures back; the
    requests' descriptions. `spoil`: change that signature of the first request before bringing it back."""
    path = f"/api/v1/signing-batches/{batch_id}/agent-requests"
    described = []
    while True:
        found = api.as_("giamdoc", "GET", path).get_json()
        assert found["origin"] == PAGE and not found["preparing"], found
        if not found["requests"]:
            return described
        request = found["requests"][0]
        signed = _on_agent(agent, "/sign", request, pin, "Nhập mã PIN")
        assert signed.status_code == 200, signed.text
        pin = None  # once per batch
        signatures = signed.json()["signatures"]
        if spoil is not None:
            value = bytearray(base64.b64decode(signatures[spoil]))
            value[10] ^= 1
            signatures[spoil], spoil = base64.b64encode(bytes(value)).decode(), None
        taken = api.as_("giamdoc", "POST", f"{path}/{request['request']}", json={"signatures": signatures})
        assert taken.status_code == 202, taken.get_json()
        described.append(request["description"])


def _batch(api: Api, batch_id: int) -> dict[str, Any]:
    return dict(api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch_id}").get_json())


def test_pairing_takes_the_code_shown_on_the_page_and_only_the_leader(
    token: Token, tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    app, api = _app(token, tmp_path, f"sqlite:///{tmp_path}/congvan.db", keys_dir, password_hash)
    agent = Agent(token, PAGE, tmp_path / "agent")
    try:
        leader = api.id_of("giamdoc")
        for user in ("vanthu", "admin"):  # the code is for the leader's own eyes and their own PC
            refused = api.as_(user, "POST", f"/api/v1/people/{leader}/signer/pairing")
            assert refused.status_code == 403, refused.get_json()
        early = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "agent", "proof": "x"})
        assert (early.status_code, early.get_json()["error"]["code"]) == (409, "pairing_not_started")

        wrong = pair(api, agent, leader, code="00000000")
        assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (422, "pairing_code_mismatch")
        assert "không khớp mã ghép nối" in wrong.get_json()["error"]["message"]
        before = api.as_("giamdoc", "GET", f"/api/v1/people/{leader}/signer").get_json()
        assert before["signer_kind"] != "agent"

        done = pair(api, agent, leader)
        assert done.status_code == 200, done.get_json()
        assert done.get_json()["signer_kind"] == "agent"
        assert "Phạm Mạnh Duyệt" in done.get_json()["certificate"]["subject"]
        shown = api.as_("giamdoc", "GET", f"/api/v1/people/{leader}/signer").get_json()
        assert shown["certificate"] == done.get_json()["certificate"]
        by_admin = api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "agent"})
        assert by_admin.status_code == 403
    finally:
        agent.stop()
        app.extensions["congvan"].close()


def test_a_batch_goes_in_requests_of_fifty_with_one_pin(paired: Paired, tmp_path: Path) -> None:
    api, agent = paired.api, paired.agent
    runtime.install(paired.app.extensions["congvan"])
    ids, batch_id = _confirmed(paired.app, api, paired.leader, 51)
    path = f"/api/v1/signing-batches/{batch_id}/agent-requests"
    assert api.as_("vanthu", "GET", path).status_code == 403  # only the leader carries their batch
    first = api.as_("giamdoc", "GET", path).get_json()["requests"]
    assert [len(r["hashes"]) for r in first] == [50, 1]
    wrong_count = api.as_("giamdoc", "POST", f"{path}/{first[1]['request']}", json={"signatures": ["AAAA", "AAAA"]})
    assert (wrong_count.status_code, wrong_count.get_json()["error"]["code"]) == (400, "wrong_signature_count")

    asked = agent.count("Nhập mã PIN")
    described = carry(api, agent, batch_id)
    assert described == [f"Lô ký {batch_id} — văn bản 1–50 / 51", f"Lô ký {batch_id} — văn bản 51 / 51"]
    assert agent.count("Nhập mã PIN") == asked + 1
    again = api.as_("giamdoc", "POST", f"{path}/{first[0]['request']}", json={"signatures": ["AAAA"] * 50})
    assert again.status_code == 404  # written: no second answer
    done = _batch(api, batch_id)
    assert done["state"] == "done" and done["counts"] == {"signed": 51}, done
    for doc_id in (ids[0], ids[-1]):
        report = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/signatures").get_json()
        assert report["verdict"] == "valid", report
        assert report["signatures"][0]["signer"] == "Phạm Mạnh Duyệt"
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(api.as_("vanthu", "GET", f"/api/v1/documents/{ids[-1]}/pdf").data)
    checked = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, timeout=60, check=False).stdout
    assert "Signature Validation: Signature is Valid." in checked and "Phạm Mạnh Duyệt" in checked, checked


def test_a_wrong_signature_or_a_closed_page_fails_only_its_request_and_it_signs_again(paired: Paired) -> None:
    api, agent, app = paired.api, paired.agent, paired.app
    rt = app.extensions["congvan"]
    runtime.install(rt)
    ids, batch_id = _confirmed(app, api, paired.leader, 53)
    carry_first = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch_id}/agent-requests").get_json()
    assert len(carry_first["requests"]) == 2

    # One signature of the first request changed on the way: none of its 50 is written; the 3 others are.
    carry(api, agent, batch_id, spoil=7)
    state = _batch(api, batch_id)
    assert state["counts"] == {"failed": 50, "signed": 3}, state
    failed = [i for i in state["items"] if i["status"] == "failed"]
    assert "Chữ ký USB token (congvan-agent) trả về không khớp" in failed[0]["error"]
    assert all(not i["signed_at"] for i in failed)

    # Signed again, but the page is closed before it carries anything: after the wait, the documents fail with
    # the reason; signed again once more, the batch ends signed.
    retried = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch_id}/retry", json={"password": PASSWORD})
    assert retried.status_code == 202, retried.get_json()
    assert agent_service.expire(rt) == 0  # still within its wait
    with rt.sessions() as session, session.begin():
        for row in session.scalars(select(RemoteTransaction).where(RemoteTransaction.state == "waiting")):
            row.next_poll_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert agent_service.expire(rt) == 1
    state = _batch(api, batch_id)
    assert state["counts"] == {"failed": 50, "signed": 3}
    assert "trang lô ký đã đóng" in next(i for i in state["items"] if i["status"] == "failed")["error"]
    retried = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch_id}/retry", json={"password": PASSWORD})
    assert retried.status_code == 202, retried.get_json()
    carry(api, agent, batch_id, pin=None)  # the same batch: the agent does not ask the PIN again
    done = _batch(api, batch_id)
    assert done["state"] == "done" and done["counts"] == {"signed": 53}, done
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[0]}/signatures").get_json()
    assert report["verdict"] == "valid", report


@pytest.mark.both_databases
def test_the_batch_signs_on_either_database(
    token: Token, database_kind: str, tmp_path: Path, request: pytest.FixtureRequest, keys_dir: Path, password_hash: str
) -> None:
    app, api = _app(token, tmp_path, database_url(database_kind, tmp_path, request), keys_dir, password_hash)
    agent = Agent(token, PAGE, tmp_path / "agent")
    try:
        leader = api.id_of("giamdoc")
        assert pair(api, agent, leader).status_code == 200
        _ids, batch_id = _confirmed(app, api, leader, 3)
        carry(api, agent, batch_id)
        assert _batch(api, batch_id)["counts"] == {"signed": 3}
    finally:
        agent.stop()
        app.extensions["congvan"].close()
