"""A stand-in VNPT SmartCA gateway, written from ../shared/signing-kit/SMARTCA-PROTOCOL.md.

It speaks what the kit documents: `auth/token` (password and refresh_token grants, form-encoded, errors as
HTTP 400 `{"error": …}`), the `{code, codeDesc, message, content}` envelope (success is code 0, errors HTTP
400 with 30000/6xxxx), `credentials/list`, `credentials/info` answered bare (as VNPT's document shows it),
`signature/signhash` (at most 50 hashes, `refTranId` required), `credentials/gettraninfo` (4000 waiting,
4001 expired, 4002 rejected, 1 done with `documents[i].sig`) and one POST to `notifyUrl` when the
transaction ends. It holds a key under its own CA, which the service does not trust until told to.

The leader's phone is `outcomes`: what each new transaction becomes ("approve", "reject", "expire",
"wrong" — a signature by another key —, or "hold" until a test decides), after `answer_after` seconds.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask, jsonify, request

from signing import pki
from tests.support.processes import free_port, serve_in_thread

CLIENT_ID = "congvan-stnmt"
CLIENT_SECRET = "smartca-app-secret"


@dataclass
class Tran:
    """A signhash transaction as the gateway keeps it."""

    tran_id: str
    credential_id: str
    ref_tran_id: str
    description: str
    hashes: list[bytes]
    notify_url: str
    outcome: str
    status: int = 4000
    signatures: list[bytes] = field(default_factory=list)


@dataclass
class Gateway:
    """The running gateway's state, and the switches tests turn."""

    url: str
    ca: pki.Identity
    users: dict[str, str] = field(default_factory=dict)  # personal id -> SmartCA password
    credentials: dict[str, tuple[str, pki.Identity]] = field(default_factory=dict)  # id -> (owner, key)
    outcomes: list[str] = field(default_factory=list)  # consumed one per new transaction; then "approve"
    answer_after: float = 0.2
    token_seconds: int = 3600
    expire_after_signhash: bool = False  # every access token stops working once a transaction is sent
    access: dict[str, str] = field(default_factory=dict)  # access token -> user
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> user
    trans: dict[str, Tran] = field(default_factory=dict)
    notified: list[dict[str, Any]] = field(default_factory=list)
    notify_answers: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, HTTP status)
    polls: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, tranId) of gettraninfo
    grants: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, uid: str, password: str, common_name: str) -> str:
        """A SmartCA subscriber with one RSA-2048 credential under the gateway's CA; its credential id."""
        self.users[uid] = password
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = pki.certify(self.ca, key.public_key(), common_name, "VNPT SmartCA stand-in subscriber")
        credential_id = f"{secrets.token_hex(4)}-{uid}"
        self.credentials[credential_id] = (uid, pki.Identity(key, cert))
        return credential_id

    def expire_access_tokens(self) -> None:
        """Every access token given so far stops working (as one an hour old would)."""
        self.access.clear()

    def decide(self, tran_id: str, outcome: str) -> None:
        """The leader answers a held transaction on the phone."""
        _resolve(self, self.trans[tran_id], outcome)

    def in_order(self) -> list[Tran]:
        """The transactions in the order they came."""
        return list(self.trans.values())


def _envelope(content: Any, code: int = 0, status: int = 200, message: str = "") -> Any:
    desc = "SUCCESS" if code == 0 else {30000: "CLIENT_INPUT_INVALID", 60000: "CREDENTIAL_NOT_EXIST"}.get(code, "")
    return jsonify({"code": code, "codeDesc": desc, "message": message or None, "content": content}), status


def _sign(gateway: Gateway, tran: Tran, outcome: str) -> list[bytes]:
    key = gateway.credentials[tran.credential_id][1].key
    if outcome == "wrong":  # a signature that no certificate of this leader verifies
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert isinstance(key, rsa.RSAPrivateKey)
    return [key.sign(h, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())) for h in tran.hashes]


def _resolve(gateway: Gateway, tran: Tran, outcome: str) -> None:
    with gateway.lock:
        if tran.status != 4000:
            return
        if outcome in ("approve", "wrong"):
            tran.signatures, tran.status = _sign(gateway, tran, outcome), 1
        else:
            tran.status = {"reject": 4002, "expire": 4001}[outcome]
    if tran.notify_url:  # once, server to server; a hint only
        body = {"tranId": tran.tran_id, "refTranId": tran.ref_tran_id, "status": 1 if tran.status == 1 else 0}
        gateway.notified.append(body)
        with contextlib.suppress(requests.RequestException):  # the partner polls anyway
            answer = requests.post(tran.notify_url, json=body, timeout=5)
            gateway.notify_answers.append((time.monotonic(), answer.status_code))


def _app(gateway: Gateway) -> Flask:
    app = Flask("smartca-stand-in")

    def user() -> str | None:
        header = request.headers.get("Authorization", "")
        return gateway.access.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None

    @app.post("/auth/token")
    def token() -> Any:
        form = request.form
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return jsonify({"error": "invalid_client"}), 400
        grant = form.get("grant_type")
        gateway.grants.append(str(grant))
        if grant == "password":
            uid = form.get("username", "")
            if gateway.users.get(uid) != form.get("password") or not uid:
                return jsonify({"error": "invalid_grant", "error_description": "Incorrect password"}), 400
        elif grant == "refresh_token":
            uid = gateway.refresh.pop(form.get("refresh_token", ""), "")
            if not uid or form.get("scope") != "sign offline_access":
                return jsonify({"error": "invalid_grant"}), 400
        else:
            return jsonify({"error": "unsupported_grant_type"}), 400
        access, refresh = secrets.token_urlsafe(24), secrets.token_hex(32)
        gateway.access[access], gateway.refresh[refresh] = uid, uid
        return jsonify(
            {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": gateway.token_seconds,
                "scope": "email offline_access openid profile sign",
            }
        )

    @app.post("/csc/<path:method>")
    def csc(method: str) -> Any:
        uid = user()
        if uid is None:
            return jsonify({"error": "invalid_token"}), 401
        body = request.get_json(silent=True) or {}
        if method == "credentials/list":
            return _envelope([c for c, (owner, _) in gateway.credentials.items() if owner == uid])
        if method == "credentials/info":
            found = gateway.credentials.get(str(body.get("credentialId")))
            if found is None or found[0] != uid:
                return _envelope(None, 60000, 400, f"no_credential_match_id_{body.get('credentialId')}")
            cert = found[1].cert
            return jsonify(
                {
                    "key": {"status": "ENABLED", "alg": ["1.2.840.113549.1.1.1"], "len": 2048},
                    "cert": {
                        "status": "VALID",
                        "serialNumber": format(cert.serial_number, "x"),
                        "subjectDN": cert.subject.rfc4514_string(),
                        "issuerDN": cert.issuer.rfc4514_string(),
                        "certificates": [
                            base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in (cert, gateway.ca.cert)
                        ],
                        "validFrom": cert.not_valid_before_utc.strftime("%Y%m%d%H%M%SZ"),
                        "validTo": cert.not_valid_after_utc.strftime("%Y%m%d%H%M%SZ"),
                    },
                    "authMode": "oauth2code",
                    "scal": "SCAL2",
                    "multisign": 1,
                    "status": "VALID",
                }
            )
        if method == "signature/signhash":
            datas = body.get("datas") or []
            credential = gateway.credentials.get(str(body.get("credentialId")))
            if credential is None or credential[0] != uid:
                return _envelope(None, 60000, 400, "no_credential_match")
            if not body.get("refTranId") or not 0 < len(datas) <= 50:
                return _envelope(None, 30000, 400, "datas must hold 1 to 50 hashes; refTranId is required")
            hashes_ = [base64.b64decode(d["hash"]) for d in datas]
            if any(len(h) != 32 for h in hashes_):
                return _envelope(None, 30000, 400, "hash must be a SHA-256 digest")
            with gateway.lock:
                outcome = gateway.outcomes.pop(0) if gateway.outcomes else "approve"
                tran = Tran(
                    tran_id=secrets.token_hex(16),
                    credential_id=str(body["credentialId"]),
                    ref_tran_id=str(body["refTranId"]),
                    description=str(body.get("description", "")),
                    hashes=hashes_,
                    notify_url=str(body.get("notifyUrl", "")),
                    outcome=outcome,
                )
                gateway.trans[tran.tran_id] = tran
            if gateway.expire_after_signhash:
                gateway.expire_access_tokens()
            if outcome != "hold":
                threading.Timer(gateway.answer_after, _resolve, (gateway, tran, outcome)).start()
            return _envelope({"tranId": tran.tran_id}, message="Chờ người dùng xác nhận")
        if method == "credentials/gettraninfo":
            tran = gateway.trans.get(str(body.get("tranId")))
            gateway.polls.append((time.monotonic(), str(body.get("tranId"))))
            if tran is None:
                return _envelope(None, 62000, 400, "SIGNATURE_TRANSACTION_NOT_FOUND")
            desc = {1: "SUCCESS", 4000: "WAITING_FOR_SIGNER_CONFIRM", 4001: "EXPIRED", 4002: "SIGNER_REJECTED"}
            documents = [
                {"name": f"doc-{i}", "hash": base64.b64encode(h).decode(), "sig": None, "dataSigned": None}
                for i, h in enumerate(tran.hashes)
            ]
            for document, sig in zip(documents, tran.signatures, strict=False):
                document["sig"] = base64.b64encode(sig).decode()
            return _envelope(
                {
                    "tranId": tran.tran_id,
                    "refTranId": tran.ref_tran_id,
                    "sub": uid,
                    "tranType": 3,
                    "tranTypeDesc": "SIGNHASH",
                    "tranStatus": tran.status,
                    "tranStatusDesc": desc[tran.status],
                    "reqTime": dt.datetime.now(dt.UTC).isoformat(),
                    "documents": documents,
                }
            )
        return _envelope(None, 30000, 400, f"unknown method {method}")

    return app


@contextmanager
def smartca_gateway() -> Iterator[Gateway]:
    """Run the stand-in gateway in a thread on 127.0.0.1, under a CA of its own."""
    port = free_port()
    gateway = Gateway(url=f"http://127.0.0.1:{port}", ca=pki.make_root("SmartCA stand-in RS", "VNPT stand-in"))
    with serve_in_thread(_app(gateway), port):
        yield gateway
