"""HTTP transport of edXML messages: one agency's instance to another's, or to and from the hub.

One wire format for both ways: the body is the edXML bytes; headers carry the message id, the
sending and receiving organ ids and the sending agency's detached CMS signature (base64). The
caller authenticates with a bearer token: the secret shared with a direct peer, or its own
credentials at the hub.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

MESSAGE_ID = "Message-Id"
FROM = "X-Organ-Id"
TO = "To-Organ-Id"
SIGNATURE = "Edxml-Signature"
INBOX_PATH = "/exchange/v1/messages"  # an instance's receiving endpoint
HUB_PATH = "/hub/v1/messages"  # the hub's


@dataclass(frozen=True)
class Envelope:
    """A signed edXML message on its way from one agency to another."""

    message_id: str
    sender: str
    recipient: str
    body: bytes
    signature: bytes

    def headers(self, token: str) -> dict[str, str]:
        """The HTTP headers that carry the envelope, with the caller's bearer token."""
        return {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/xml",
            MESSAGE_ID: self.message_id,
            FROM: self.sender,
            TO: self.recipient,
            SIGNATURE: base64.b64encode(self.signature).decode("ascii"),
        }


class EnvelopeError(ValueError):
    """Headers that do not make an envelope (a missing id or an unreadable signature)."""


def envelope_from(headers: Mapping[str, str], body: bytes) -> Envelope:
    """Read an envelope from received headers (any case) and body."""
    headers = {name.lower(): value for name, value in headers.items()}
    message_id = headers.get(MESSAGE_ID.lower(), "").strip()
    if not message_id or len(message_id) > 64 or not message_id.isascii():
        raise EnvelopeError("Thiếu hoặc sai mã thông điệp (Message-Id).")
    try:
        signature = base64.b64decode(headers.get(SIGNATURE.lower(), ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeError("Chữ ký của gói tin (Edxml-Signature) không phải base64.") from exc
    if not signature:
        raise EnvelopeError("Gói tin thiếu chữ ký của cơ quan gửi (Edxml-Signature).")
    sender, recipient = headers.get(FROM.lower(), "").strip(), headers.get(TO.lower(), "").strip()
    return Envelope(message_id, sender, recipient, body, signature)


def bearer(headers: Mapping[str, str]) -> str:
    """The bearer token of a request, or ''."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return value[7:].strip() if value.startswith("Bearer ") else ""


def retry_delay(config: dict[str, Any], attempts: int) -> dt.timedelta:
    """Wait before the next attempt: base * 2^(attempts-1) seconds, never more than the cap."""
    base, cap = float(config["RETRY_BASE_SECONDS"]), float(config["RETRY_CAP_SECONDS"])
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Outcome:
    """What came of one attempt: delivered, worth retrying, or refused for good."""

    delivered: bool
    retry: bool
    error: str | None = None
    answer: dict[str, Any] | None = None


def post(url: str, token: str, envelope: Envelope, timeout: float) -> Outcome:
    """POST an envelope; network errors, 5xx, 408 and 429 are worth retrying, other 4xx are refusals."""
    try:
        response = requests.post(url, data=envelope.body, headers=envelope.headers(token), timeout=timeout)
    except requests.RequestException as exc:
        return Outcome(False, True, f"Không kết nối được tới {url}: {type(exc).__name__}.")
    answer = _json(response)
    if response.ok:
        return Outcome(True, False, answer=answer)
    message = str((answer.get("error") or {}).get("message") or f"HTTP {response.status_code}")
    retry = response.status_code >= 500 or response.status_code in (408, 429)
    return Outcome(False, retry, f"{response.status_code}: {message}", answer)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def get(url: str, token: str, organ_id: str, timeout: float) -> requests.Response:
    """GET from the hub as an organ (listing or fetching waiting messages, the directory)."""
    headers = {"Authorization": f"Bearer {token}", FROM: organ_id}
    response = requests.get(url, headers=headers, timeout=timeout)
    response.raise_for_status()
    return response


def ack(url: str, token: str, organ_id: str, result: dict[str, Any], timeout: float) -> None:
    """Tell the hub a fetched message was taken (and what came of it)."""
    headers = {"Authorization": f"Bearer {token}", FROM: organ_id}
    requests.post(url, json=result, headers=headers, timeout=timeout).raise_for_status()
