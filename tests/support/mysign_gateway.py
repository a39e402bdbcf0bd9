"""A stand-in Viettel MySign gateway, written from ../shared/signing-kit/MYSIGN-PROTOCOL.md (second-hand facts).

`/vtss/service/ras/v1/login` (client id and secret, profile, user id; a token, no refresh token, expires_in as a
string), `certificates/info` (a bare array), `signHash` (`credentialID`, base64 document names and description,
`async` 2 answers a `transactionId`) and `requests/status` ("4000" pending, "1" with `signatures`, "4002"
rejected, "4001" timed out). Keys under its own CA. `outcomes` decide each new request, as for SmartCA.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask, jsonify, request

from signing import pki
from tests.support.processes import free_port, serve_in_thread

CLIENT_ID = "congvan-stnmt-mysign"
CLIENT_SECRET = "mysign-app-secret"
PROFILE = "adss:ras:profile:001"


@dataclass
class Request:
    """A signHash request as the gateway keeps it."""

    credential_id: str
    hashes: list[bytes]
    description: str
    status: str = "4000"
    signatures: list[bytes] = field(default_factory=list)


@dataclass
class Gateway:
    """The running gateway's state, and the switches tests turn."""

    url: str
    ca: pki.Identity
    users: dict[str, dict[str, pki.Identity]] = field(default_factory=dict)  # user id -> credential id -> key
    outcomes: list[str] = field(default_factory=list)
    answer_after: float = 0.2
    access: dict[str, str] = field(default_factory=dict)
    requests: dict[str, Request] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, user_id: str, common_name: str) -> str:
        """A MySign subscriber with one RSA-2048 certificate under the gateway's CA; its credential id."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = pki.certify(self.ca, key.public_key(), common_name, "Viettel-CA stand-in subscriber")
        credential_id = f"{user_id}_{secrets.randbelow(10**7)}_20261207"
        self.users.setdefault(user_id, {})[credential_id] = pki.Identity(key, cert)
        return credential_id

    def in_order(self) -> list[Request]:
        """The requests in the order they came."""
        return list(self.requests.values())


def _resolve(gateway: Gateway, found: Request, outcome: str) -> None:
    with gateway.lock:
        if outcome == "approve":
            key = next(k for u in gateway.users.values() for c, k in u.items() if c == found.credential_id).key
            found.signatures = [key.sign(h, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())) for h in found.hashes]
            found.status = "1"
        else:
            found.status = {"reject": "4002", "expire": "4001"}[outcome]


def _app(gateway: Gateway) -> Flask:
    app = Flask("mysign-stand-in")

    def application_ok(body: dict[str, Any]) -> bool:
        return body.get("client_id") == CLIENT_ID and body.get("client_secret") == CLIENT_SECRET

    @app.post("/vtss/service/ras/v1/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        if body.get("client_id") != CLIENT_ID:
            return jsonify({"code": 58007, "message": "client id does not exist"}), 400
        if body.get("client_secret") != CLIENT_SECRET:
            return jsonify({"code": 86024, "message": "bad client secret"}), 400
        if body.get("user_id") not in gateway.users:
            return jsonify({"code": 58008, "message": "user id does not exist"}), 400
        token = secrets.token_urlsafe(24)
        gateway.access[token] = str(body["user_id"])
        gateway.logins.append(str(body["user_id"]))
        return jsonify({"access_token": token, "refresh_token": "", "token_type": "Bearer", "expires_in": "3600"})

    @app.post("/vtss/service/<path:method>")
    def service(method: str) -> Any:
        user = gateway.access.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if user is None:
            return jsonify({"code": 401, "message": "unauthorized"}), 401
        body = request.get_json(silent=True) or {}
        if method == "certificates/info":
            if not application_ok(body) or body.get("user_id") != user:
                return jsonify({"code": 400, "message": "bad request"}), 400
            return jsonify(
                [
                    {
                        "credential_id": credential_id,
                        "key": {"status": "enabled", "algo": ["1.2.840.113549.1.1.1"], "len": "2048"},
                        "cert": {
                            "status": "valid",
                            "certificates": [
                                base64.b64encode(c.public_bytes(Encoding.DER)).decode()
                                for c in (identity.cert, gateway.ca.cert)
                            ],
                            "subjectDN": identity.cert.subject.rfc4514_string(),
                            "issuerDN": gateway.ca.cert.subject.rfc4514_string(),
                        },
                        "authMode": "implicit",
                        "multisign": "2147483647",
                    }
                    for credential_id, identity in gateway.users[user].items()
                ]
            )
        if method == "signHash":
            found_hashes = [base64.b64decode(h) for h in body.get("hash", [])]
            documents = body.get("documents", [])
            if (
                not application_ok(body)
                or body.get("credentialID") not in gateway.users[user]
                or body.get("numSignatures") != len(found_hashes)
                or len(documents) != len(found_hashes)
                or any(len(h) != 32 for h in found_hashes)
                or body.get("async") not in (1, 2)
                or len(str(body.get("description", ""))) >= 100
            ):
                return jsonify({"code": 400, "message": "invalid signHash request"}), 400
            description = base64.b64decode(str(body["description"])).decode()
            with gateway.lock:
                outcome = gateway.outcomes.pop(0) if gateway.outcomes else "approve"
                tran_id = secrets.token_hex(12)
                made = Request(str(body["credentialID"]), found_hashes, description)
                gateway.requests[tran_id] = made
            threading.Timer(gateway.answer_after, _resolve, (gateway, made, outcome)).start()
            return jsonify({"transactionId": tran_id})
        if method == "requests/status":
            found = gateway.requests.get(str(body.get("transactionId")))
            if found is None:
                return jsonify({"code": 404, "message": "transaction not found"}), 400
            signatures = [base64.encodebytes(s).decode() for s in found.signatures]  # with line breaks, as seen
            return jsonify({"status": found.status, "signatures": signatures, "description": found.description})
        return jsonify({"code": 404, "message": f"unknown method {method}"}), 404

    return app


@contextmanager
def mysign_gateway() -> Iterator[Gateway]:
    """Run the stand-in gateway in a thread on 127.0.0.1, under a CA of its own."""
    port = free_port()
    gateway = Gateway(url=f"http://127.0.0.1:{port}", ca=pki.make_root("Viettel-CA stand-in", "Viettel stand-in"))
    with serve_in_thread(_app(gateway), port):
        yield gateway
