"""The hub's own endpoints (hub mode), generated from its URL map: only a registered agency, with its own
token and organ id, gets anything; it sees only the messages addressed to it, and another agency's message
answers like a missing one."""

from __future__ import annotations

import base64
import re
import uuid
from pathlib import Path

from flask import Flask

from routing import hub
from routing.models import HubMessage
from signing import pki
from tests.conftest import Api, build_app

A, B = "000.00.09.H57", "000.00.04.H57"


def test_every_hub_endpoint_by_every_caller(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    app: Flask = build_app(f"sqlite:///{tmp_path}/hub.db", tmp_path, keys_dir, password_hash, HUB_MODE=True)
    rt = app.extensions["congvan"]
    pem = pki.cert_pem(pki.make_root("Cơ quan thử", "Cơ quan thử").cert).decode()
    body = b"<edXML/>"
    with rt.sessions() as session, session.begin():
        hub.register_organ(session, A, "Sở Nội vụ", "token-of-a", pem)
        hub.register_organ(session, B, "Sở Tài chính", "token-of-b", pem)
        message = HubMessage(
            message_id=uuid.uuid4().hex,
            kind="package",
            from_organ=A,
            to_organ=B,
            document_key="x",
            body_sha256=rt.store.put(body, ".xml"),
            signature=base64.b64encode(b"sig").decode(),
        )
        session.add(message)
        session.flush()
        for_b = message.id
    person_token = Api(app.test_client()).token("admin")  # a person of the hub's own directory
    callers = {
        "anonymous": {},
        "person": {"Authorization": f"Bearer {person_token}", "X-Organ-Id": A},
        "wrong token": {"Authorization": "Bearer token-of-x", "X-Organ-Id": A},
        "a's token as b": {"Authorization": "Bearer token-of-a", "X-Organ-Id": B},
        "a": {"Authorization": "Bearer token-of-a", "X-Organ-Id": A},
        "b": {"Authorization": "Bearer token-of-b", "X-Organ-Id": B},
    }
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("hub.")]
    assert {r.endpoint for r in rules} == {
        "hub.hub_send",
        "hub.hub_waiting",
        "hub.hub_fetch",
        "hub.hub_ack",
        "hub.hub_directory",
    }
    problems = []
    client = app.test_client()
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for target in ("b's", "missing") if "<message_id>" in rule.rule else ("",):
                url = re.sub(r"<message_id>", str(for_b if target == "b's" else 999999), rule.rule)
                for caller, headers in callers.items():
                    allowed = caller in ("a", "b") and (target != "b's" or caller == "b") and target != "missing"
                    if allowed and method == "POST":
                        continue  # taking and acknowledging messages is tested with the hub
                    response = client.open(url, method=method, headers=headers, json={} if method == "POST" else None)
                    where = f"{caller} {method} {url} -> {response.status_code}"
                    if response.status_code >= 500:
                        problems.append(f"server error: {where}")
                    if not allowed and response.status_code < 300:
                        problems.append(f"unauthorised 2xx: {where}")
                    if allowed and response.status_code != 200:
                        problems.append(f"refused: {where}")
                    if (
                        caller in ("anonymous", "person", "wrong token", "a's token as b")
                        and response.status_code != 401
                    ):
                        problems.append(f"not 401: {where}")
                    if caller == "a" and target == "b's":
                        twin = client.open(
                            rule.rule.replace("<message_id>", "999999"),
                            method=method,
                            headers=headers,
                            json={} if method == "POST" else None,
                        )
                        if (twin.status_code, twin.get_json()) != (response.status_code, response.get_json()):
                            problems.append(f"tells b's message from a missing one: {where}")
    assert not problems, "\n".join(problems)
    # What a waits for does not include b's message; b's list does.
    waiting_a = client.get("/hub/v1/messages", headers=callers["a"]).get_json()["messages"]
    waiting_b = client.get("/hub/v1/messages", headers=callers["b"]).get_json()["messages"]
    assert waiting_a == [] and [m["id"] for m in waiting_b] == [for_b]
    rt.close()
