"""The national exchange's HTTP protocol (VXP, ../shared/interop/VXP-PROTOCOL.md §1): how the SDK signs a
request, how the file it sends is tied to the signature, and how answers look. Pure: headers and bytes in,
values out.

Every parameter travels as an `XroadVnpt-<name>` header. The SDK puts the headers it signs in a compact JSON
object (`XroadVnpt-sign-header`) and sends the HMAC-SHA256 of that exact string, keyed with the system's secret
as written (`XroadVnpt-hash-header`). The server verifies the HMAC over the string received (key order is not
stable), then takes every parameter from that signed object, never from an unsigned header.

A signature alone would let one captured request be used for another operation or body, or again later. So
each operation has the parameters it must sign (REQUIRED: sendEdoc's file is bound by its signed `hash-file`,
updateStatus signs its docId and status, …), and the signed timestamp must be recent (`fresh`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "XroadVnpt-"
VERSION = "3.0.201608"
OPERATIONS = (
    "sendEdoc",
    "getReceivedEdocList",
    "getEdoc",
    "updateStatus",
    "getAgenciesList",
    "registerAgency",
    "deleteAgency",
    "countReceiveEdoc",
    "countReceiveStatus",
)
MESSAGE_TYPES = ("edoc", "status")
STATUSES = ("done", "fail", "processing")

# What each operation must sign besides the system id and the timestamp: its every input. sendEdoc's and
# registerAgency's bodies are bound by `hash-file` (the SDK's quirky SHA-256 of the body, `file_hash`).
REQUIRED: dict[str, tuple[str, ...]] = {
    "sendEdoc": ("messagetype", "hash-file"),
    "getReceivedEdocList": ("messagetype",),
    "getEdoc": ("docid",),
    "updateStatus": ("docid", "status"),
    "getAgenciesList": (),
    "registerAgency": ("hash-file",),
    "deleteAgency": ("agencycode",),
    "countReceiveEdoc": (),
    "countReceiveStatus": (),
}
# The SDK's timestamp: ddMMyyyy'T'HHmmss then "+" and the milliseconds (not a zone), in the client's local time.
TIMESTAMP = "%d%m%YT%H%M%S"
# The SDK writes its machine's local time without a zone: a timestamp is taken as fresh if it is in some zone
# from UTC-12 to UTC+14, so a client set to UTC or to Vietnam time is judged alike.
_EAST, _WEST = dt.timedelta(hours=14), dt.timedelta(hours=12)
_SKEW = dt.timedelta(minutes=5)
UNAUTHORIZED = "Yêu cầu không được chấp nhận: mã hệ thống hoặc chữ ký không đúng. Kiểm tra mã hệ thống và khóa bí mật."


class VxpError(Exception):
    """A request refused, with a stable code, a Vietnamese message and the HTTP status to answer with."""

    def __init__(self, code: str, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


@dataclass(frozen=True)
class Signed:
    """A request whose signature checked: the system that sent it and its signed parameters."""

    system_id: str
    params: dict[str, str]  # bare parameter names, lower-cased -> values

    def get(self, name: str) -> str:
        """A signed parameter, or "" when the request did not sign one of that name."""
        return self.params.get(name.lower(), "")


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get((PREFIX + name).lower(), "")


def verify(
    headers: Mapping[str, str],
    operation: str,
    secret_of: Callable[[str], str | None],
    now: dt.datetime,
    window: dt.timedelta | None,
) -> Signed:
    """Check a request for `operation`: its HMAC with the secret of the system it names, the parameters the
    operation must sign, and (unless `window` is None) a timestamp within `window` of `now`; its signed parameters.

    `headers` has lower-cased names (the SDK keeps its callers' spelling: names match in any case). An unknown
    system and a wrong secret are answered alike, so which system ids exist cannot be learnt."""
    system_id = _header(headers, "systemid")
    signed, given = _header(headers, "sign-header"), _header(headers, "hash-header")
    secret = secret_of(system_id) if system_id else None
    # Compared even for an unknown system (with a key nobody holds), so both refusals take the same time.
    expected = hmac.new((secret or "\x00unknown").encode(), signed.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.strip().lower()) or secret is None or not signed:
        raise VxpError("vxp_unauthorized", UNAUTHORIZED, 401)
    try:
        values = json.loads(signed)
    except ValueError as exc:
        raise VxpError("vxp_bad_signature", "Phần tiêu đề được ký không phải JSON.", 401) from exc
    if not isinstance(values, dict):
        raise VxpError("vxp_bad_signature", "Phần tiêu đề được ký không phải JSON.", 401)
    params: dict[str, str] = {}
    for name, value in values.items():
        # Every signed header must have come as signed: one changed on the way is a forged request.
        if headers.get(str(name).lower(), "") != str(value):
            raise VxpError("vxp_tampered", f"Tiêu đề {name} khác giá trị đã ký.", 401)
        if str(name).lower().startswith(PREFIX.lower()):
            params[str(name)[len(PREFIX) :].lower()] = str(value)
    if params.get("systemid") != system_id:
        raise VxpError("vxp_tampered", "Mã hệ thống khác giá trị đã ký.", 401)
    missing = [name for name in ("timestamp", *REQUIRED[operation]) if not params.get(name)]
    if missing:
        # Headers signed for another operation (or none) do not authorise this one.
        raise VxpError("vxp_unsigned", f"Yêu cầu {operation} phải ký các tham số: {', '.join(missing)}.", 401)
    if window is not None and not fresh(params["timestamp"], now, window):
        raise VxpError(
            "vxp_stale",
            f"Thời điểm ký của yêu cầu ({params['timestamp']}) đã quá cũ hoặc ở tương lai: tạo lại đối tượng "
            "dịch vụ của SDK (thời điểm ký được đặt khi tạo) rồi gửi lại.",
            401,
        )
    return Signed(system_id, params)


def fresh(timestamp: str, now: dt.datetime, window: dt.timedelta) -> bool:
    """Whether an SDK timestamp is no older than `window` and not in the future, in some time zone."""
    try:
        written = dt.datetime.strptime(timestamp.split("+", 1)[0], TIMESTAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        return False
    earliest, latest = written - _EAST, written + _WEST  # the instant it names, in the zones it may be in
    return earliest <= now + _SKEW and latest >= now - window


def timestamp(moment: dt.datetime) -> str:
    """A timestamp as the SDK writes it (`27112026T161710+0488`), in Vietnam time."""
    local = moment.astimezone(dt.timezone(dt.timedelta(hours=7)))
    return f"{local:{TIMESTAMP}}+{local.microsecond // 1000:04d}"


def file_hash(data: bytes) -> str:
    """The SDK's `hash-file`: SHA-256 written as the hex of each byte without zero padding (0x08 is "8")."""
    return "".join(format(byte, "x") for byte in hashlib.sha256(data).digest())


def sign(
    system_id: str, secret: str, params: Mapping[str, str], content_type: str, moment: dt.datetime | None = None
) -> dict[str, str]:
    """The headers of a request as the SDK makes them, stamped `moment` (now): every parameter signed."""
    headers = {
        PREFIX + "systemid": system_id,
        PREFIX + "timestamp": timestamp(moment or dt.datetime.now(dt.UTC)),
        PREFIX + "Content-Type": content_type,
    }
    headers |= {PREFIX + name: value for name, value in params.items()}
    signed = json.dumps(headers, separators=(",", ":"), ensure_ascii=False)
    return headers | {
        "Content-Type": content_type,
        PREFIX + "sign-header-key": ";".join(name[len(PREFIX) :] for name in headers),
        PREFIX + "sign-header": signed,
        PREFIX + "hash-header": hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest(),
        PREFIX + "version": VERSION,
    }


def ok(**fields: Any) -> dict[str, Any]:
    """A successful answer: the three fields the SDK requires, then the operation's own."""
    return {"status": "OK", "ErrorCode": "0", "ErrorDesc": ""} | fields


def failure(code: str, message: str) -> dict[str, Any]:
    """A refused request's answer (the SDK reads these fields whatever the HTTP status; never null)."""
    return {"status": "FAIL", "ErrorCode": code, "ErrorDesc": message, "DocId": ""}


def body_of(data: bytes) -> bytes:
    """The edXML file of a sendEdoc body: the raw bytes the SDK sends, without its trailing CRLF."""
    return data.removesuffix(b"\r\n")


# --- the client: an agency's congvan talking to the national exchange (or a congvan hub) --------------


@dataclass(frozen=True)
class Client:
    """The settings of one system at a VXP endpoint (CONGVAN_VXP_URL, _SYSTEM_ID, _SECRET)."""

    url: str
    system_id: str
    secret: str
    organ_id: str
    timeout: float

    def call(
        self, operation: str, params: Mapping[str, str], body: bytes = b"", content_type: str = ""
    ) -> dict[str, Any]:
        """One signed request; its answer, or VxpError with the endpoint's code (network errors propagate)."""
        import requests

        content_type = content_type or "application/json"
        headers = sign(self.system_id, self.secret, params, content_type)
        response = requests.post(
            f"{self.url.rstrip('/')}/{operation}", data=body, headers=headers, timeout=self.timeout
        )
        try:
            answer = response.json()
        except ValueError as exc:
            raise VxpError(
                "vxp_bad_answer", f"Trục trả lời không phải JSON (HTTP {response.status_code}).", 502
            ) from exc
        if not isinstance(answer, dict) or answer.get("status") != "OK":
            code = str((answer or {}).get("ErrorCode") or "vxp_failed") if isinstance(answer, dict) else "vxp_failed"
            message = str(answer.get("ErrorDesc") or "") if isinstance(answer, dict) else ""
            raise VxpError(
                code, message or f"Trục từ chối yêu cầu (HTTP {response.status_code}).", response.status_code
            )
        return answer

    def send(self, data: bytes, kind: str, to: str) -> str:
        """sendEdoc: a package (kind `edoc`) or status package (`status`) for one organ; the hub's DocId."""
        params = {
            "from": self.organ_id,
            "servicetype": "eDoc",
            "messagetype": kind,
            "to": json.dumps([to]),
            "hash-file": file_hash(data),
        }
        return str(self.call("sendEdoc", params, data + b"\r\n", "application/octet-stream").get("DocId", ""))

    def received(self, kind: str) -> list[dict[str, Any]]:
        """getReceivedEdocList: what waits for us, of one message type."""
        data = self.call("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": kind}).get("data") or []
        return [item for item in data if isinstance(item, dict) and item.get("docId")]

    def get(self, doc_id: str) -> bytes:
        """getEdoc: one waiting item's package."""
        import base64

        return base64.b64decode(str(self.call("getEdoc", {"docId": doc_id}, b"{}").get("data") or ""))

    def update(self, doc_id: str, status: str) -> None:
        """updateStatus: done, fail or processing."""
        self.call("updateStatus", {"docId": doc_id, "status": status}, b"{}")
