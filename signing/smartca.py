"""A client of VNPT SmartCA's gateway: OAuth2 tokens, the leader's credential, hashes sent, transactions polled.

Written from ../shared/signing-kit/SMARTCA-PROTOCOL.md. Not CSC v2: `csc/signature/signhash` takes at
most 50 hashes (SHA-256 of each document's CMS signed attributes, 32 bytes, no DigestInfo) and answers a
`tranId`; the leader approves that transaction in the SmartCA app; `csc/credentials/gettraninfo` says
whether it waits (4000), expired (4001), was rejected (4002), failed (4003, 4004) or is done (1), when
`documents[i].sig` holds the raw PKCS#1 v1.5 signature of hash i. Tokens come from `auth/token`; the
refresh token lives three months and every refresh gives a new one, which the caller must keep.
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

MAX_HASHES = 50  # per signhash transaction [doc]
SCOPE = "sign offline_access"

DONE = 1
WAITING = 4000
NAME = "SmartCA"
# What the leader reads when a transaction ends without signatures.
ENDED = {
    4001: "Giao dịch ký đã hết hạn vì chưa được xác nhận trên ứng dụng SmartCA.",
    4002: "Người ký đã từ chối giao dịch trên ứng dụng SmartCA.",
    4003: "SmartCA không xác thực được khóa ký của người ký.",
    4004: "SmartCA báo ký không thành công.",
}
UNAVAILABLE = "Không kết nối được dịch vụ ký số SmartCA; hãy thử lại sau ít phút."


class Gateway:
    """The agency's application at a SmartCA gateway (client id and secret), for any of its leaders."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self._http = requests.Session()

    def _send(self, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self._http.post(f"{self.base_url}/{path}", timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise SigningError("smartca_unavailable", UNAVAILABLE) from exc

    def _token(self, form: dict[str, str]) -> Tokens:
        asked = dt.datetime.now(dt.UTC)
        response = self._send(
            "auth/token", data={**form, "client_id": self.client_id, "client_secret": self.client_secret}
        )
        answer = _json(response)
        if response.status_code == 400 and answer.get("error") == "invalid_grant":
            detail = str(answer.get("error_description") or "")
            raise SigningError(
                "smartca_login_refused",
                "SmartCA từ chối đăng nhập: số định danh hoặc mật khẩu SmartCA không đúng"
                + (f" ({detail})." if detail else ".")
                + " Quá 5 lần sai tài khoản bị khóa 5 phút.",
            )
        if response.status_code == 400 and answer.get("error") == "invalid_client":
            raise SigningError(
                "smartca_client_refused",
                "SmartCA không nhận ứng dụng của cơ quan (mã ứng dụng hoặc khóa bí mật sai); "
                "hãy báo quản trị hệ thống.",
            )
        if response.status_code >= 500:
            raise SigningError("smartca_unavailable", UNAVAILABLE)
        try:
            return Tokens(
                access=str(answer["access_token"]),
                refresh=str(answer["refresh_token"]),
                expires_at=asked + dt.timedelta(seconds=int(answer.get("expires_in", 3600))),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise SigningError("smartca_bad_response", "SmartCA trả lời đăng nhập không hợp lệ.") from exc

    def log_in(self, username: str, password: str) -> Tokens:
        """The resource-owner password grant: the leader's personal id and SmartCA password, used once."""
        return self._token({"grant_type": "password", "username": username, "password": password})

    def refresh(self, refresh_token: str) -> Tokens:
        """New tokens from the refresh token (which is replaced by a new one)."""
        try:
            return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": SCOPE})
        except SigningError as exc:
            if exc.code != "smartca_login_refused":
                raise
            raise SigningError(
                "smartca_relink",
                "Phiên đăng nhập SmartCA đã hết hạn; người ký cần liên kết lại tài khoản SmartCA (trang Chữ ký số).",
            ) from exc

    def call(self, access: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One API call with the bearer token: the HTTP status and the JSON answer."""
        response = self._send(path, json=body, headers={"Authorization": f"Bearer {access}"})
        if response.status_code >= 500:
            raise SigningError("smartca_unavailable", UNAVAILABLE)
        return response.status_code, _json(response)


class Account:
    """One leader's SmartCA session (a signing.phone.Approver): calls with their access token, renewing it when
    expired or refused. `renewed` is called with every new pair of tokens, so the caller keeps the newest."""

    name = NAME
    max_hashes = MAX_HASHES

    def __init__(self, gateway: Gateway, tokens: Tokens, renewed: Callable[[Tokens], None]) -> None:
        self.gateway = gateway
        self.tokens = tokens
        self._renewed = renewed

    def _renew(self) -> None:
        self.tokens = self.gateway.refresh(self.tokens.refresh)
        self._renewed(self.tokens)

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.tokens.expires_at <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30):
            self._renew()
        status, answer = self.gateway.call(self.tokens.access, path, body)
        if status == 401:  # revoked or expired early: renew once
            self._renew()
            status, answer = self.gateway.call(self.tokens.access, path, body)
        if status == 401:
            raise SigningError("smartca_relink", "SmartCA không nhận phiên đăng nhập; hãy liên kết lại tài khoản.")
        code = answer.get("code")
        if status >= 400 or (code is not None and code != 0):
            raise _refusal(code, answer)
        return answer

    def credential_ids(self) -> list[str]:
        """The leader's credentials (credentials/list)."""
        content = self._call("csc/credentials/list", {}).get("content")
        if not isinstance(content, list):
            raise SigningError("smartca_bad_response", "SmartCA trả danh sách chứng thư không hợp lệ.")
        return [str(c) for c in content]

    def credential(self, credential_id: str) -> Credential:
        """A credential with its certificate chain (credentials/info; the answer bare or under `content`)."""
        answer = self._call(
            "csc/credentials/info",
            {"credentialId": credential_id, "certificates": "chain", "certInfo": True, "authInfo": True},
        )
        info = answer if "cert" in answer else answer.get("content") or {}
        try:
            certs = [asn1_x509.Certificate.load(base64.b64decode(c)) for c in info["cert"]["certificates"]]
            _ = [c.public_key for c in certs]  # parse now: a broken certificate fails here, not mid-batch
        except (KeyError, ValueError, TypeError) as exc:
            raise SigningError("smartca_bad_response", "SmartCA trả chứng thư số không hợp lệ.") from exc
        if not certs:
            raise SigningError("smartca_bad_response", "SmartCA không trả chứng thư số của người ký.")
        return Credential(credential_id, certs[0], certs[1:])

    def sign_hashes(
        self, credential_id: str, ref_tran_id: str, hashes: list[tuple[str, bytes]], description: str, notify_url: str
    ) -> str:
        """Send up to 50 named hashes for one approval on the phone (signature/signhash); the transaction id."""
        if not 0 < len(hashes) <= MAX_HASHES:
            raise ValueError(f"a SmartCA transaction carries 1 to {MAX_HASHES} hashes, not {len(hashes)}")
        body: dict[str, Any] = {
            "credentialId": credential_id,
            "refTranId": ref_tran_id,
            "description": description,
            "datas": [{"name": name, "hash": base64.b64encode(h).decode("ascii")} for name, h in hashes],
        }
        if notify_url:
            body["notifyUrl"] = notify_url
        content = self._call("csc/signature/signhash", body).get("content") or {}
        tran_id = content.get("tranId") if isinstance(content, dict) else None
        if not tran_id:
            raise SigningError("smartca_bad_response", "SmartCA không trả mã giao dịch ký.")
        return str(tran_id)

    def transaction(self, tran_id: str) -> Transaction:
        """Where a transaction stands (credentials/gettraninfo), with its signatures once approved."""
        content = self._call("csc/credentials/gettraninfo", {"tranId": tran_id}).get("content")
        try:
            assert isinstance(content, dict)
            status = int(content["tranStatus"])
            documents = content.get("documents") or []
            signatures = [_signature(d) for d in documents] if status == DONE else []
        except (AssertionError, KeyError, ValueError, TypeError) as exc:
            raise SigningError("smartca_bad_response", "SmartCA trả thông tin giao dịch không hợp lệ.") from exc
        reason = (
            ""
            if status in (DONE, WAITING)
            else ENDED.get(status, f"SmartCA báo giao dịch không thành công (mã {status}).")
        )
        return Transaction(tran_id, status, status == WAITING, status == DONE, reason, signatures)


def _signature(document: dict[str, Any]) -> bytes | None:
    value = document.get("sig") or document.get("dataSigned")  # one client falls back to dataSigned [code]
    return base64.b64decode("".join(str(value).split())) if value else None


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError as exc:
        raise SigningError("smartca_bad_response", "SmartCA trả lời không hợp lệ.") from exc
    if not isinstance(answer, dict):
        raise SigningError("smartca_bad_response", "SmartCA trả lời không hợp lệ.")
    return answer


def _refusal(code: Any, answer: dict[str, Any]) -> SigningError:
    message = str(answer.get("message") or answer.get("codeDesc") or answer.get("error") or "")
    if code == 60000:
        return SigningError("smartca_no_credential", "Không tìm thấy chứng thư số này trong tài khoản SmartCA.")
    if code == 65000:
        return SigningError("smartca_quota", "Gói dịch vụ SmartCA không hợp lệ hoặc đã hết lượt ký; hãy gia hạn gói.")
    return SigningError("smartca_refused", f"SmartCA từ chối yêu cầu (mã {code}{': ' + message if message else ''}).")
