"""The agent's HTTP service on 127.0.0.1: answers only the congvan page of the one origin it serves, pairs with
it by the code the page shows, and signs the digests congvan authenticated with the pairing key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from congvan_agent import __version__
from congvan_agent.errors import AgentError
from congvan_agent.token import Token

MAX_BODY = 64 * 1024
MAX_HASHES = 50  # as a SmartCA transaction: one request of the page, one step of its progress
MAX_AHEAD = 3600  # a request valid for longer than this is refused


def mac_message(origin: str, batch: str, request: str, expires: int, hashes: list[str]) -> bytes:
    """What the pairing key authenticates: the lines of the request, then each digest (base64)."""
    return "\n".join([origin, batch, request, str(expires), *hashes]).encode()


class Pairings:
    """The pairing key for the served origin, kept in a file only the user reads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text()))
        except (OSError, ValueError):
            return {}

    def key(self, origin: str) -> bytes | None:
        """The key paired with the origin, if any."""
        value = self._read().get(origin)
        return base64.b64decode(value) if value else None

    def keep(self, origin: str, key: bytes) -> None:
        """Remember the key for the origin (replacing an older pairing)."""
        kept = self._read() | {origin: base64.b64encode(key).decode()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump(kept, out)
        temporary.replace(self.path)


class Prompts:
    """Where the agent asks the leader: the pairing code and the token's PIN (its own window, never the page)."""

    def __init__(self, ask: Callable[[str, bool], str]) -> None:
        self.ask = ask

    def code(self, origin: str) -> str:
        text = f"Trang congvan {origin} đề nghị ghép nối. Nhập mã ghép nối đang hiện trên trang: "
        return "".join(self.ask(text, False).split())

    def pin(self, description: str) -> str:
        return self.ask(f"Ký {description}. Nhập mã PIN của USB token: ", True).strip()


def _b64(value: object, field: str) -> bytes:
    if not isinstance(value, str) or len(value) > 4096:
        raise AgentError(400, "invalid_request", f"Yêu cầu thiếu hoặc sai trường {field}.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AgentError(400, "invalid_request", f"Trường {field} không phải base64.") from exc


class Agent:
    """What the requests do, apart from HTTP."""

    def __init__(self, origin: str, token: Token, pairings: Pairings, prompts: Prompts) -> None:
        self.origin, self.token, self.pairings, self.prompts = origin, token, pairings, prompts

    def status(self) -> dict[str, Any]:
        label = self.token.present()
        token = {"label": label, "present": label is not None}
        paired = self.pairings.key(self.origin) is not None
        return {"agent": "congvan-agent", "version": __version__, "paired": paired, "token": token}

    def pair(self, body: dict[str, Any]) -> dict[str, Any]:
        nonce, key = _b64(body.get("nonce"), "nonce"), _b64(body.get("key"), "key")
        if len(key) < 32 or len(nonce) < 16:
            raise AgentError(400, "invalid_request", "Khóa hoặc nonce ghép nối quá ngắn.")
        identity = self.token.identity()
        code = self.prompts.code(self.origin)
        if not code:
            raise AgentError(400, "pairing_cancelled", "Chưa nhập mã ghép nối vào congvan-agent; hãy ghép nối lại.")
        proof = hmac.new(code.encode(), nonce + identity.certificates[0], hashlib.sha256).hexdigest()
        self.pairings.keep(self.origin, key)
        print(f"Đã gửi chứng thư của token cho {self.origin}; congvan sẽ xác nhận mã ghép nối.", flush=True)
        certificates = [base64.b64encode(c).decode() for c in identity.certificates]
        return {"certificates": certificates, "proof": proof}

    def sign(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self.pairings.key(self.origin)
        if key is None:
            raise AgentError(
                403, "not_paired", "congvan-agent chưa ghép nối với congvan; hãy ghép nối ở trang «Chữ ký số»."
            )
        batch, request, description = body.get("batch"), body.get("request"), body.get("description", "")
        expires, hashes, mac = body.get("expires"), body.get("hashes"), body.get("mac")
        if not (isinstance(batch, str) and isinstance(request, str) and isinstance(description, str)):
            raise AgentError(400, "invalid_request", "Yêu cầu ký thiếu lô, số yêu cầu hoặc mô tả.")
        if not isinstance(expires, int) or not isinstance(hashes, list) or not isinstance(mac, str):
            raise AgentError(400, "invalid_request", "Yêu cầu ký thiếu thời hạn, mã băm hoặc mã xác thực.")
        if not 0 < len(hashes) <= MAX_HASHES:
            raise AgentError(413, "too_many_hashes", f"Mỗi yêu cầu ký từ 1 đến {MAX_HASHES} mã băm.")
        digests = [_b64(h, "hashes") for h in hashes]
        if any(len(d) != 32 for d in digests):
            raise AgentError(400, "invalid_request", "Mỗi mã băm phải là SHA-256 (32 byte).")
        expected = hmac.new(key, mac_message(self.origin, batch, request, expires, hashes), hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), mac):
            raise AgentError(
                403,
                "not_from_congvan",
                "Yêu cầu ký không do congvan đã ghép nối lập ra nên không ký; nếu vừa ghép nối lại, hãy tải lại trang.",
            )
        now = int(time.time())
        if expires <= now or expires > now + MAX_AHEAD:
            raise AgentError(410, "request_expired", "Yêu cầu ký đã hết hạn; hãy tải lại trang lô ký và ký tiếp.")
        private = self.token.signing(batch, lambda: self.prompts.pin(description[:200]))
        signatures = [base64.b64encode(self.token.sign(private, d)).decode() for d in digests]
        print(f"Đã ký {len(signatures)} văn bản: {description[:200]}.", flush=True)
        return {"signatures": signatures}


def handler(agent: Agent) -> type[BaseHTTPRequestHandler]:
    """The request handler bound to an agent."""

    class Handler(BaseHTTPRequestHandler):
        server_version = f"congvan-agent/{__version__}"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the agent prints what it signed; request lines would only hide that

        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", agent.origin)
            self.send_header("Vary", "Origin")

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if self.headers.get("Origin") == agent.origin:
                self._cors()
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, error: AgentError) -> None:
            self._answer(error.status, {"error": {"code": error.code, "message": error.message}})

        def _checked(self) -> bool:
            """Only the served origin's page, at the loopback address the agent listens on."""
            if self.headers.get("Origin") != agent.origin:
                self._refuse(AgentError(403, "wrong_origin", "congvan-agent chỉ phục vụ trang congvan đã cấu hình."))
                return False
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host not in ("127.0.0.1", "localhost"):  # a DNS name rebound to 127.0.0.1 is not the page's
                self._refuse(AgentError(403, "wrong_host", "congvan-agent chỉ nhận yêu cầu gửi tới 127.0.0.1."))
                return False
            return True

        def do_OPTIONS(self) -> None:
            if self.headers.get("Origin") != agent.origin:
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(204)
            self._cors()
            self.send_header("Access-Control-Allow-Methods", "GET, POST")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
            self.send_header("Access-Control-Max-Age", "600")
            # A page on the network reaching this PC's loopback: Chromium asks first (Private Network Access).
            if self.headers.get("Access-Control-Request-Private-Network") == "true":
                self.send_header("Access-Control-Allow-Private-Network", "true")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            if not self._checked():
                return
            if self.path != "/status":
                self._refuse(AgentError(404, "not_found", "Không có chức năng này."))
                return
            self._answer(200, agent.status())

        def do_POST(self) -> None:
            if not self._checked():
                return
            actions = {"/pair": agent.pair, "/sign": agent.sign}
            action = actions.get(self.path)
            if action is None:
                self._refuse(AgentError(404, "not_found", "Không có chức năng này."))
                return
            try:
                length = int(self.headers.get("Content-Length") or "0")
                if length > MAX_BODY:
                    raise AgentError(413, "too_large", "Yêu cầu quá lớn.")
                body = json.loads(self.rfile.read(length) or b"null")
                if not isinstance(body, dict):
                    raise AgentError(400, "invalid_request", "Yêu cầu phải là một đối tượng JSON.")
                self._answer(200, action(body))
            except AgentError as error:
                self._refuse(error)
            except ValueError:
                self._refuse(AgentError(400, "invalid_request", "Yêu cầu không phải JSON hợp lệ."))

    return Handler


def serve(agent: Agent, port: int) -> HTTPServer:
    """The server on 127.0.0.1:port; one request at a time, as the token signs one thing at a time."""
    return HTTPServer(("127.0.0.1", port), handler(agent))
