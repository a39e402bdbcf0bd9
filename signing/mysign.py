"""A client of Viettel MySign's gateway (`/vtss/service/…`): a token per signer, the certificates, hashes sent,
requests polled. Written from ../shared/signing-kit/MYSIGN-PROTOCOL.md, whose facts are second-hand (a public
summary of Viettel's integration document v1.8/1.9 and client code), so every gap it lists stays a gap here:

- login takes the agency's client id and secret, the RAS profile and the signer's MySign id; no password, no
  refresh token (log in again when the token expires);
- `certificates/info` answers a bare array, one item per certificate;
- `signHash` with `async` 2 answers a `transactionId` (`credentialID` with a capital ID; `document_name` and
  `description` base64 of UTF-8, under 100 characters); the per-request cap is undocumented: 50, as the kit
  advises until Viettel confirms;
- `requests/status` says "1" done (`signatures[i]` for hash i, whitespace stripped), "0", "4000" or "6000"
  pending, anything else ended.
Viettel's webhook (async 3) needs a public endpoint and tokens Viettel obtains from us; polling is used.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import requests
from asn1crypto import x509 as asn1_x509

from signing.errors import SigningError
from signing.phone import Credential, Tokens, Transaction

NAME = "MySign"
MAX_HASHES = 50  # undocumented; the kit advises 50 until Viettel confirms
PROFILE = "adss:ras:profile:001"  # the RAS profile in every sample
SHA256_OID = "2.16.840.1.101.3.4.2.1"
RSA_OID = "1.2.840.113549.1.1.1"
PENDING = frozenset({"0", "4000", "6000"})
ENDED = {
    "4001": "Yêu cầu ký đã hết hạn vì chưa được xác nhận trên ứng dụng MySign.",
    "4002": "Người ký đã từ chối yêu cầu trên ứng dụng MySign.",
    "4004": "MySign báo ký không thành công.",
    "4005": "Tài khoản MySign đã hết lượt ký hoặc hết hạn gói dịch vụ; hãy gia hạn.",
    "13004": "Chứng thư số MySign của người ký đã hết hạn hoặc bị thu hồi.",
    "50000": "MySign báo lỗi hệ thống; hãy ký lại sau ít phút.",
}
LOGIN_REFUSED = {
    "58007": "MySign không nhận ứng dụng của cơ quan (mã ứng dụng không tồn tại); hãy báo quản trị hệ thống.",
    "86024": "MySign không nhận ứng dụng của cơ quan (khóa bí mật sai); hãy báo quản trị hệ thống.",
    "58008": "Không có tài khoản MySign mang mã định danh này; hãy kiểm tra lại (ví dụ CMT_…, MST_… hoặc số CCCD).",
    "59033": "MySign từ chối đăng nhập tài khoản này.",
}
UNAVAILABLE = "Không kết nối được dịch vụ ký số MySign; hãy thử lại sau ít phút."


def _b64text(text: str) -> str:
    """Text as MySign wants it: base64 of UTF-8, kept under 100 characters."""
    data = text.encode()
    while len(base64.b64encode(data)) >= 100:
        data = data[:-1]
    return base64.b64encode(data.decode(errors="ignore").encode()).decode("ascii")


class Gateway:
    """The agency's application at MySign: client id and secret, and the RAS profile."""

    def __init__(
        self, base_url: str, client_id: str, client_secret: str, profile_id: str = PROFILE, *, timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.profile_id = profile_id or PROFILE
        self.timeout = timeout
        self._http = requests.Session()

    @property
    def application(self) -> dict[str, str]:
        """What every call that names the application carries."""
        return {"client_id": self.client_id, "client_secret": self.client_secret, "profile_id": self.profile_id}

    def post(self, path: str, body: dict[str, Any], access: str = "") -> tuple[int, Any]:
        """One JSON call: the HTTP status and the answer (an object or, for certificates, an array)."""
        headers = {"Authorization": f"Bearer {access}"} if access else {}
        try:
            response = self._http.post(
                f"{self.base_url}/vtss/service/{path}", json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise SigningError("mysign_unavailable", UNAVAILABLE) from exc
        if response.status_code >= 500:
            raise SigningError("mysign_unavailable", UNAVAILABLE)
        try:
            return response.status_code, response.json()
        except ValueError as exc:
            raise SigningError("mysign_bad_response", "MySign trả lời không hợp lệ.") from exc

    def log_in(self, user_id: str) -> Tokens:
        """A token for one signer (ras/v1/login); MySign gives no refresh token."""
        asked = dt.datetime.now(dt.UTC)
        status, answer = self.post("ras/v1/login", {**self.application, "user_id": user_id})
        if status >= 400 or not isinstance(answer, dict) or not answer.get("access_token"):
            code = str((answer or {}).get("code", "")) if isinstance(answer, dict) else ""
            message = LOGIN_REFUSED.get(code, "MySign từ chối đăng nhập tài khoản này.")
            raise SigningError("mysign_login_refused", message)
        try:
            seconds = int(str(answer.get("expires_in", "3600")))
        except ValueError:
            seconds = 3600
        return Tokens(str(answer["access_token"]), "", asked + dt.timedelta(seconds=seconds))


class Account:
    """One signer's MySign session (a signing.phone.Approver), logging in again when the token expires."""

    name = NAME
    max_hashes = MAX_HASHES

    def __init__(self, gateway: Gateway, user_id: str, tokens: Tokens, renewed: Callable[[Tokens], None]) -> None:
        self.gateway = gateway
        self.user_id = user_id
        self.tokens = tokens
        self._renewed = renewed

    def _renew(self) -> None:
        self.tokens = self.gateway.log_in(self.user_id)
        self._renewed(self.tokens)

    def _call(self, path: str, body: dict[str, Any]) -> Any:
        if self.tokens.expires_at <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30):
            self._renew()
        status, answer = self.gateway.post(path, body, self.tokens.access)
        if status == 401:
            self._renew()
            status, answer = self.gateway.post(path, body, self.tokens.access)
        if status >= 400:
            detail = answer.get("message") or answer.get("code") if isinstance(answer, dict) else ""
            raise SigningError("mysign_refused", f"MySign từ chối yêu cầu ({detail or status}).")
        return answer

    def _certificates(self) -> list[Credential]:
        body = {**self.gateway.application, "user_id": self.user_id, "certificates": "chain"}
        answer = self._call("certificates/info", {**body, "certInfo": True, "authInfo": True})
        try:
            assert isinstance(answer, list)
            found = []
            for item in answer:
                certs = [asn1_x509.Certificate.load(base64.b64decode(c)) for c in item["cert"]["certificates"]]
                _ = [c.public_key for c in certs]
                found.append(Credential(str(item["credential_id"]), certs[0], certs[1:]))
        except (AssertionError, KeyError, IndexError, ValueError, TypeError) as exc:
            raise SigningError("mysign_bad_response", "MySign trả chứng thư số không hợp lệ.") from exc
        return found

    def credential_ids(self) -> list[str]:
        """The signer's credentials."""
        return [c.credential_id for c in self._certificates()]

    def credential(self, credential_id: str) -> Credential:
        """A credential with its chain."""
        for found in self._certificates():
            if found.credential_id == credential_id:
                return found
        raise SigningError("mysign_no_credential", "Không tìm thấy chứng thư số này trong tài khoản MySign.")

    def sign_hashes(
        self, credential_id: str, ref: str, hashes: list[tuple[str, bytes]], description: str, notify_url: str
    ) -> str:
        """Send up to 50 named hashes for one approval (signHash, async 2); the transaction id."""
        del notify_url  # MySign calls back only with tokens it obtains from us (async 3): polling instead
        if not 0 < len(hashes) <= MAX_HASHES:
            raise ValueError(f"a MySign request carries 1 to {MAX_HASHES} hashes here, not {len(hashes)}")
        body = {
            "client_id": self.gateway.client_id,
            "client_secret": self.gateway.client_secret,
            "credentialID": credential_id,
            "numSignatures": len(hashes),
            "documents": [
                {"document_id": f"{ref}-{i}", "document_name": _b64text(n)} for i, (n, _) in enumerate(hashes)
            ],
            "hash": [base64.b64encode(h).decode("ascii") for _, h in hashes],
            "hashAlgo": SHA256_OID,
            "signAlgo": RSA_OID,
            "description": _b64text(description),
            "async": 2,
        }
        answer = self._call("signHash", body)
        tran_id = answer.get("transactionId") if isinstance(answer, dict) else None
        if not tran_id:
            raise SigningError("mysign_bad_response", "MySign không trả mã giao dịch ký.")
        return str(tran_id)

    def transaction(self, tran_id: str) -> Transaction:
        """Where a request stands (requests/status)."""
        answer = self._call("requests/status", {"transactionId": tran_id})
        if not isinstance(answer, dict) or "status" not in answer:
            raise SigningError("mysign_bad_response", "MySign trả trạng thái yêu cầu không hợp lệ.")
        status = str(answer["status"]).strip()
        code = int(status) if status.isdigit() else -1
        if status in PENDING:
            return Transaction(tran_id, code, True, False, "", [])
        if status != "1":
            reason = ENDED.get(status, f"MySign báo yêu cầu không thành công (mã {status}).")
            return Transaction(tran_id, code, False, False, reason, [])
        try:
            signatures: list[bytes | None] = [
                base64.b64decode("".join(str(s).split())) if s else None for s in answer.get("signatures") or []
            ]
        except ValueError as exc:
            raise SigningError("mysign_bad_response", "MySign trả chữ ký không hợp lệ.") from exc
        return Transaction(tran_id, code, False, True, "", signatures)
