"""Remote signing over the Cloud Signature Consortium API v2: many hashes, one approval.

For a provider that speaks the standard CSC flow (VNPT SmartCA and Viettel MySign do not: SmartCA is
in signing/smartca.py). The key stays with the provider, the signer approves on their phone. One
`credentials/authorize` carries every hash of the batch (numSignatures = N); while the approval is
pending the client polls `credentials/authorizeCheck` until it gets the SAD, a refusal, an expiry, or
its own timeout; then one `signatures/signHash` returns the N signatures, matched by position.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import requests
from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.errors import SigningError

SHA256_OID = "2.16.840.1.101.3.4.2.1"
RSA_OID = "1.2.840.113549.1.1.1"


@dataclass(frozen=True)
class Credential:
    """A signing key held by the provider: its id, certificate and chain, and how many hashes one approval may cover."""

    credential_id: str
    certificate: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate]
    multisign: int


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class CscClient:
    """A client of a CSC API v2 service (base URL ending in /csc/v2), logged in with HTTP Basic."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        poll_interval: float = 1.0,
        approval_timeout: float = 120.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._basic = (username, password)
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.approval_timeout = approval_timeout
        self._token: str | None = None
        self._http = requests.Session()

    def _post(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._token is None:
            self.login()
        for attempt in (1, 2):
            try:
                response = self._http.post(
                    f"{self.base_url}/{method}",
                    json=body,
                    headers={"Authorization": f"Bearer {self._token}"},
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise SigningError("csc_unavailable", "Không kết nối được dịch vụ ký số từ xa.") from exc
            if response.status_code == 401 and attempt == 1:
                self.login()  # the access token expired: log in again once
                continue
            try:
                answer = response.json()
            except ValueError as exc:
                raise SigningError("csc_bad_response", "Dịch vụ ký số từ xa trả lời không hợp lệ.") from exc
            if not isinstance(answer, dict):
                raise SigningError("csc_bad_response", "Dịch vụ ký số từ xa trả lời không hợp lệ.")
            return response.status_code, answer
        raise SigningError("csc_auth_failed", "Dịch vụ ký số từ xa từ chối xác thực.")

    def login(self) -> None:
        """Get an access token (auth/login with HTTP Basic)."""
        try:
            response = self._http.post(f"{self.base_url}/auth/login", json={}, auth=self._basic, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SigningError("csc_unavailable", "Không kết nối được dịch vụ ký số từ xa.") from exc
        if response.status_code != 200:
            raise SigningError("csc_auth_failed", "Dịch vụ ký số từ xa từ chối đăng nhập.")
        self._token = str(response.json()["access_token"])

    def credentials_list(self) -> list[str]:
        """The credential ids of the account (credentials/list)."""
        status, answer = self._post("credentials/list", {})
        self._raise_for(status, answer)
        return [str(c) for c in answer.get("credentialIDs", [])]

    def credential(self, credential_id: str) -> Credential:
        """A credential's certificate chain and limits (credentials/info)."""
        status, answer = self._post(
            "credentials/info", {"credentialID": credential_id, "certificates": "chain", "certInfo": True}
        )
        self._raise_for(status, answer)
        try:
            certs = [asn1_x509.Certificate.load(base64.b64decode(c)) for c in answer["cert"]["certificates"]]
            multisign = int(answer.get("multisign", 1))
        except (KeyError, ValueError, TypeError) as exc:
            raise SigningError("csc_bad_response", "Dịch vụ ký số từ xa trả chứng thư không hợp lệ.") from exc
        if not certs:
            raise SigningError("csc_bad_response", "Dịch vụ ký số từ xa không trả chứng thư.")
        return Credential(credential_id, certs[0], certs[1:], multisign)

    def authorize(self, credential_id: str, hashes: list[bytes], description: str) -> str:
        """Ask the signer to approve every hash at once; wait (polling) for the SAD."""
        status, answer = self._post(
            "credentials/authorize",
            {
                "credentialID": credential_id,
                "numSignatures": len(hashes),
                "hashes": [_b64(h) for h in hashes],
                "hashAlgorithmOID": SHA256_OID,
                "description": description,
            },
        )
        deadline = time.monotonic() + self.approval_timeout
        request_id = answer.get("requestID")
        while True:
            self._raise_for(status, answer)
            if "SAD" in answer:
                return str(answer["SAD"])
            if not request_id:
                raise SigningError("csc_bad_response", "Dịch vụ ký số từ xa trả lời không hợp lệ.")
            if time.monotonic() + self.poll_interval > deadline:
                raise SigningError("approval_timeout", "Hết thời gian chờ người ký phê duyệt trên điện thoại.")
            time.sleep(self.poll_interval)
            status, answer = self._post("credentials/authorizeCheck", {"requestID": request_id})

    def sign_hashes(self, credential_id: str, sad: str, hashes: list[bytes]) -> list[bytes]:
        """Sign every approved hash in one call (signatures/signHash)."""
        status, answer = self._post(
            "signatures/signHash",
            {
                "credentialID": credential_id,
                "SAD": sad,
                "hashes": [_b64(h) for h in hashes],
                "hashAlgorithmOID": SHA256_OID,
                "signAlgo": RSA_OID,
            },
        )
        self._raise_for(status, answer)
        try:
            signatures = [base64.b64decode(s) for s in answer["signatures"]]
        except (KeyError, ValueError, TypeError) as exc:
            raise SigningError("csc_bad_response", "Dịch vụ ký số từ xa trả chữ ký không hợp lệ.") from exc
        if len(signatures) != len(hashes):
            raise SigningError("csc_bad_response", "Số chữ ký trả về không khớp số văn bản.")
        return signatures

    @staticmethod
    def _raise_for(status: int, answer: dict[str, Any]) -> None:
        if status < 400:
            return
        error = str(answer.get("error", ""))
        if error == "access_denied":
            raise SigningError("approval_refused", "Người ký đã từ chối phê duyệt trên điện thoại.")
        if error in ("expired_token", "expired_request"):
            raise SigningError("approval_expired", "Yêu cầu phê duyệt đã hết hạn.")
        raise SigningError("csc_error", f"Dịch vụ ký số từ xa báo lỗi: {error or status}.")


class CscSigner(Signer):
    """A pyHanko signer whose raw signatures all come from one approval and one signHash call.

    Made per batch for the number of documents it will sign: the signature requests are collected
    until all N have arrived, then sent together.
    """

    def __init__(self, client: CscClient, credential: Credential, *, expected: int, description: str) -> None:
        super().__init__(
            signing_cert=credential.certificate,
            cert_registry=SimpleCertificateStore.from_certs([credential.certificate, *credential.chain]),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
        )
        if expected > credential.multisign:
            raise SigningError("csc_multisign", f"Dịch vụ ký chỉ cho phép {credential.multisign} chữ ký mỗi lần duyệt.")
        self.client = client
        self.credential = credential
        self.expected = expected
        self.description = description
        self._pending: list[tuple[bytes, asyncio.Future[bytes]]] = []

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self.credential.certificate.public_key.bit_size // 8)
        if digest_algorithm.lower() != "sha256":
            raise SigningError("csc_digest", "Dịch vụ ký từ xa chỉ dùng SHA-256.")
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending.append((hashlib.sha256(data).digest(), future))
        if len(self._pending) == self.expected:
            await self._send()
        return await future

    async def _send(self) -> None:
        pending, self._pending = self._pending, []
        hashes = [h for h, _ in pending]
        try:
            sad = await asyncio.to_thread(
                self.client.authorize, self.credential.credential_id, hashes, self.description
            )
            values = await asyncio.to_thread(self.client.sign_hashes, self.credential.credential_id, sad, hashes)
        except SigningError as exc:
            for _, future in pending:
                future.set_exception(exc)
            return
        for (_, future), value in zip(pending, values, strict=True):
            future.set_result(value)
