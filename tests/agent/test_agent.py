"""congvan-agent on its own, as a leader's PC runs it (its process, a SoftHSM2 token): it answers only the page of
the one origin it serves, pairs by the code the page shows, signs only digests congvan authenticated with the
pairing key, asks the PIN once per batch, and says in Vietnamese why it did not sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from congvan_agent.server import mac_message
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding

from tests.support.agent import PIN, Agent, Token, make_token

SERVICE = "https://congvan.sotnmt.test"


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Token:
    return make_token(tmp_path_factory.mktemp("agent-token"))


@pytest.fixture(scope="module")
def agent(token: Token, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    running = Agent(token, SERVICE, tmp_path_factory.mktemp("agent-state"))
    yield running
    running.stop()


def _call(agent: Agent, method: str, path: str, body: Any = None, origin: str | None = SERVICE, **headers: str) -> Any:
    sent = ({"Origin": origin} if origin else {}) | headers
    return requests.request(method, agent.url + path, json=body, headers=sent, timeout=30)


def _pair(agent: Agent, token: Token) -> bytes:
    key, nonce = secrets.token_bytes(32), secrets.token_bytes(16)
    body = {"nonce": base64.b64encode(nonce).decode(), "key": base64.b64encode(key).decode()}
    # The page asks; the agent asks the leader for the code the page shows, which they type with a space.
    answered: dict[str, Any] = {}

    def ask() -> None:
        answered["reply"] = _call(agent, "POST", "/pair", body)

    import threading

    asking = threading.Thread(target=ask)
    asking.start()
    assert SERVICE in agent.asked("Nhập mã ghép nối")
    agent.type("4821 0937")
    asking.join(30)
    reply = answered["reply"]
    assert reply.status_code == 200, reply.text
    found = reply.json()
    der = token.certificate.public_bytes(Encoding.DER)
    assert base64.b64decode(found["certificates"][0]) == der  # the leader's certificate first, then the CA's
    assert base64.b64decode(found["certificates"][1]) == token.ca.cert.public_bytes(Encoding.DER)
    assert found["proof"] == hmac.new(b"48210937", nonce + der, hashlib.sha256).hexdigest()
    return key


def _request(key: bytes, batch: str, request: str, digests: list[bytes], ahead: int = 300) -> dict[str, Any]:
    hashes_ = [base64.b64encode(d).decode() for d in digests]
    expires = int(time.time()) + ahead
    mac = hmac.new(key, mac_message(SERVICE, batch, request, expires, hashes_), hashlib.sha256).hexdigest()
    return {
        "batch": batch,
        "request": request,
        "description": f"Lô ký {batch}",
        "expires": expires,
        "hashes": hashes_,
        "mac": mac,
    }


def _sign(agent: Agent, body: dict[str, Any], pin: str | None = PIN) -> Any:
    """Send a request; type the PIN when the agent asks for it (None: expect no question)."""
    import threading

    answered: dict[str, Any] = {}
    asking = threading.Thread(target=lambda: answered.setdefault("reply", _call(agent, "POST", "/sign", body)))
    asking.start()
    if pin is not None:
        assert f"Lô ký {body['batch']}" in agent.asked("Nhập mã PIN")
        agent.type(pin)
    asking.join(60)
    return answered["reply"]


def test_only_the_served_origin_at_the_loopback_address_is_answered(agent: Agent) -> None:
    status = _call(agent, "GET", "/status")
    assert status.status_code == 200 and status.headers["Access-Control-Allow-Origin"] == SERVICE
    assert status.json()["token"] == {"label": "leader-token", "present": True}
    for origin in ("https://evil.example", None, "https://congvan.sotnmt.test.evil.example"):
        refused = _call(agent, "GET", "/status", origin=origin)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_origin"
        assert "Access-Control-Allow-Origin" not in refused.headers  # the other page cannot even read why
    rebound = _call(agent, "GET", "/status", Host="congvan-agent.evil.example")
    assert rebound.status_code == 403 and rebound.json()["error"]["code"] == "wrong_host"
    # Chromium asks before a page on the network reaches this PC's loopback (Private Network Access).
    preflight = _call(
        agent,
        "OPTIONS",
        "/sign",
        **{"Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Private-Network"] == "true"
    assert preflight.headers["Access-Control-Allow-Origin"] == SERVICE
    assert _call(agent, "OPTIONS", "/sign", origin="https://evil.example").status_code == 403
    junk = requests.post(agent.url + "/sign", data=b"{", headers={"Origin": SERVICE}, timeout=30)
    assert junk.status_code == 400 and junk.json()["error"]["message"] == "Yêu cầu không phải JSON hợp lệ."


def test_pairs_then_signs_only_what_the_pairing_key_authenticates(agent: Agent, token: Token) -> None:
    unpaired = _sign(agent, _request(secrets.token_bytes(32), "1", "r0", [bytes(32)]), pin=None)
    assert (unpaired.status_code, unpaired.json()["error"]["code"]) in ((403, "not_paired"), (403, "not_from_congvan"))
    key = _pair(agent, token)
    assert _call(agent, "GET", "/status").json()["paired"] is True
    state = json.loads((Path(agent.process.args[-1]) / "pairings.json").read_text())  # type: ignore[index]
    assert list(state) == [SERVICE]

    digests = [hashlib.sha256(f"văn bản {n}".encode()).digest() for n in range(50)]
    forged = _request(secrets.token_bytes(32), "7", "r1", digests)
    refused = _sign(agent, forged, pin=None)  # refused before any PIN is asked
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_from_congvan")
    changed = _request(key, "7", "r1", digests)
    changed["hashes"][3] = base64.b64encode(bytes(32)).decode()
    assert _sign(agent, changed, pin=None).json()["error"]["code"] == "not_from_congvan"
    expired = _sign(agent, _request(key, "7", "r1", digests, ahead=-5), pin=None)
    assert (expired.status_code, expired.json()["error"]["code"]) == (410, "request_expired")
    too_many = _sign(agent, _request(key, "7", "r1", [*digests, bytes(32)]), pin=None)
    assert (too_many.status_code, too_many.json()["error"]["code"]) == (413, "too_many_hashes")

    asked_before = agent.count("Nhập mã PIN")
    signed = _sign(agent, _request(key, "7", "r1", digests))
    assert signed.status_code == 200, signed.text
    public = token.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    values = [base64.b64decode(v) for v in signed.json()["signatures"]]
    for digest, value in zip(digests, values, strict=True):
        public.verify(value, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    # The rest of the same batch: no PIN asked again. Another batch: asked once more.
    more = _sign(agent, _request(key, "7", "r2", digests[:3]), pin=None)
    assert more.status_code == 200 and len(more.json()["signatures"]) == 3
    assert agent.count("Nhập mã PIN") == asked_before + 1
    wrong = _sign(agent, _request(key, "8", "r1", digests[:1]), pin="000000")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "pin_incorrect")
    assert "nhập lại" in wrong.json()["error"]["message"]
    again = _sign(agent, _request(key, "8", "r1", digests[:1]))
    assert again.status_code == 200


def test_a_token_not_plugged_in_is_named(token: Token, tmp_path: Path) -> None:
    absent = Agent(token, SERVICE, tmp_path, "--token", "không-có")
    try:
        assert _call(absent, "GET", "/status").json()["token"] == {"label": None, "present": False}
        reply = _call(absent, "POST", "/pair", {"nonce": base64.b64encode(bytes(16)).decode(), "key": "A" * 44})
        assert reply.status_code == 409 and reply.json()["error"]["code"] == "token_missing"
        assert "cắm USB token" in reply.json()["error"]["message"]
    finally:
        absent.stop()
