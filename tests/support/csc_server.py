"""A small reference CSC API v2 server for tests: holds keys, requires the signer's approval.

The "phone" is simulated by `decision` (approve, refuse, ignore) and `approve_after` seconds:
credentials/authorize answers 202 with a requestID; credentials/authorizeCheck stays pending until
the decision is taken, then returns the SAD (bound to exactly those hashes, single use) or an error.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from flask import Flask, jsonify, request

from signing import pki
from tests.support.processes import free_port, serve_in_thread


@dataclass
class Key:
    """A credential the server holds."""

    identity: pki.Identity
    chain: list[Any]
    owner: str


@dataclass
class CscServer:
    """State of the running server, and the switches tests turn."""

    url: str
    accounts: dict[str, str] = field(default_factory=dict)  # username -> password
    keys: dict[str, Key] = field(default_factory=dict)  # credentialID -> key
    decision: str = "approve"
    approve_after: float = 0.3
    expires_after: float = 30.0
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    sads: dict[str, dict[str, Any]] = field(default_factory=dict)
    sign_calls: list[int] = field(default_factory=list)  # how many hashes each signHash carried
    authorize_calls: list[int] = field(default_factory=list)

    def add_key(self, credential_id: str, owner: str, ca: pki.Identity, common_name: str, organization: str) -> None:
        """Hold a new RSA-2048 key certified by the CA."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = pki.certify(ca, key.public_key(), common_name, organization)
        self.keys[credential_id] = Key(pki.Identity(key, cert), [ca.cert], owner)


def _error(status: int, code: str, description: str) -> Any:
    return jsonify({"error": code, "error_description": description}), status


def _app(server: CscServer) -> Flask:
    app = Flask("csc")
    tokens: dict[str, str] = {}

    def user() -> str | None:
        header = request.headers.get("Authorization", "")
        return tokens.get(header.removeprefix("Bearer ").strip())

    @app.post("/csc/v2/info")
    def info() -> Any:
        return jsonify({"specs": "2.0.0.2", "name": "congvan test CSC", "authType": ["basic"], "methods": []})

    @app.post("/csc/v2/auth/login")
    def login() -> Any:
        auth = request.authorization
        if auth is None or server.accounts.get(auth.username or "") != auth.password:
            return _error(401, "invalid_request", "Sai tài khoản.")
        token = secrets.token_hex(16)
        tokens[token] = auth.username or ""
        return jsonify({"access_token": token, "expires_in": 3600})

    @app.post("/csc/v2/credentials/list")
    def credentials_list() -> Any:
        if user() is None:
            return _error(401, "invalid_token", "Cần đăng nhập.")
        return jsonify({"credentialIDs": sorted(server.keys)})

    @app.post("/csc/v2/credentials/info")
    def credentials_info() -> Any:
        if user() is None:
            return _error(401, "invalid_token", "Cần đăng nhập.")
        key = server.keys.get(request.get_json()["credentialID"])
        if key is None:
            return _error(400, "invalid_request", "Không có credential.")
        certs = [key.identity.cert, *key.chain]
        return jsonify(
            {
                "key": {"status": "enabled", "algo": ["1.2.840.113549.1.1.1"], "len": 2048},
                "cert": {
                    "status": "valid",
                    "certificates": [
                        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs
                    ],
                },
                "authMode": "oauth2code",
                "SCAL": "2",
                "multisign": 1000,
            }
        )

    @app.post("/csc/v2/credentials/authorize")
    def authorize() -> Any:
        if user() is None:
            return _error(401, "invalid_token", "Cần đăng nhập.")
        body = request.get_json()
        hashes = body.get("hashes", [])
        if body.get("credentialID") not in server.keys or body.get("numSignatures") != len(hashes) or not hashes:
            return _error(400, "invalid_request", "numSignatures phải bằng số hash.")
        server.authorize_calls.append(len(hashes))
        request_id = secrets.token_hex(8)
        server.requests[request_id] = {"credential": body["credentialID"], "hashes": hashes, "at": time.monotonic()}
        return jsonify({"requestID": request_id, "expiresIn": server.expires_after}), 202

    @app.post("/csc/v2/credentials/authorizeCheck")
    def authorize_check() -> Any:
        if user() is None:
            return _error(401, "invalid_token", "Cần đăng nhập.")
        pending = server.requests.get(request.get_json().get("requestID", ""))
        if pending is None:
            return _error(400, "invalid_request", "Không có yêu cầu.")
        waited = time.monotonic() - pending["at"]
        if waited > server.expires_after:
            return _error(400, "expired_request", "Yêu cầu đã hết hạn.")
        if waited < server.approve_after or server.decision == "ignore":
            return jsonify({"status": "pending"}), 202
        if server.decision == "refuse":
            return _error(403, "access_denied", "Người ký từ chối.")
        sad = secrets.token_hex(16)
        server.sads[sad] = pending
        return jsonify({"SAD": sad, "expiresIn": 300})

    @app.post("/csc/v2/signatures/signHash")
    def sign_hash() -> Any:
        if user() is None:
            return _error(401, "invalid_token", "Cần đăng nhập.")
        body = request.get_json()
        approved = server.sads.pop(body.get("SAD", ""), None)  # single use
        if approved is None or approved["credential"] != body.get("credentialID"):
            return _error(400, "invalid_request", "SAD không hợp lệ.")
        if sorted(body.get("hashes", [])) != sorted(approved["hashes"]):
            return _error(400, "invalid_request", "Các hash không khớp với phê duyệt.")
        server.sign_calls.append(len(body["hashes"]))
        key = server.keys[body["credentialID"]].identity.key
        signatures = [
            key.sign(base64.b64decode(h), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())) for h in body["hashes"]
        ]
        return jsonify({"signatures": [base64.b64encode(s).decode() for s in signatures]})

    return app


@contextmanager
def csc_server() -> Iterator[CscServer]:
    """Run the reference server in a thread on 127.0.0.1."""
    port = free_port()
    server = CscServer(url=f"http://127.0.0.1:{port}/csc/v2")
    with serve_in_thread(_app(server), port):
        yield server
