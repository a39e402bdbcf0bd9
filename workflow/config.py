"""Settings: defaults, then CONGVAN_* environment variables (or CONGVAN_<KEY>_FILE for secrets), then explicit
overrides; typed, checked once at start, frozen, and read by attribute by every process alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting of congvan with its type and default; the environment variable is CONGVAN_ + the name in
    capitals (CONGVAN_MAX_PAGES for max_pages)."""

    database_url: str = "sqlite:///instance/congvan.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    files_dir: str = "instance/files"
    # Where PDFs are kept: "files" (FILES_DIR) or "s3" (a bucket of S3-compatible storage).
    storage: Literal["files", "s3"] = "files"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    keys_dir: str = "instance/keys"
    key_passphrase: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"  # checked: a zone of the tz database
    signing_cutoff: dt.time = dt.time(16, 30)
    # "rq": enqueue to Redis for `rq worker`; "inline": run jobs right after commit (unit tests).
    job_mode: Literal["rq", "inline"] = "rq"
    max_upload_bytes: int = 20 * 1024 * 1024
    max_pages: int = 500
    # Bounds of a request's work (workflow/limits.py): the text of a draft, its recipients' lines, a JSON
    # body's nesting, a PDF page's size and content, a page image's pixels, and a request's wall time.
    max_body_chars: int = 200_000
    max_body_paragraphs: int = 5000
    max_kinh_gui_lines: int = 50
    max_noi_nhan_lines: int = 150
    max_line_chars: int = 500
    max_json_depth: int = 32
    max_page_points: float = 3370.0  # the long side of A0, in points
    max_image_pixels: int = 8_000_000
    # Reading scanned pages (Tesseract, in a job): at most this many pages, this many seconds for all of them.
    ocr_max_pages: int = 20
    ocr_seconds: float = 180.0
    max_page_content_bytes: int = 1024 * 1024
    request_seconds: float = 60.0
    # Seconds without a heartbeat after which the reconciler re-enqueues a signing batch.
    batch_lease_seconds: float = 60.0
    # Seconds an internal delivery or an unpackaged document may wait before the reconciler re-enqueues
    # it (its job may have been lost with Redis).
    reconcile_after_seconds: float = 30.0
    # Days kept: outbox rows once relayed; the hub's delivered messages and the webhook delivery log.
    # (Exchange messages sent and received are kept: they are the evidence of what went where.)
    outbox_keep_days: float = 7.0
    log_keep_days: float = 90.0
    secret_key: str = "dev-only-change-me"  # noqa: S105 (refused in production by workflow/health.py)
    # Fernet keys (comma-separated, newest first) that encrypt stored secrets: peer and hub tokens, webhook
    # secrets, TOTP seeds. Empty (development only): derived from SECRET_KEY.
    secrets_keys: str = ""
    # Sign-in throttling within a window: failures of one account from one address, from one address
    # (any account), and of one account from addresses that have never signed in to it successfully.
    login_window_minutes: float = 15.0
    login_max_pair_failures: int = 5
    login_max_address_failures: int = 30
    login_max_account_failures: int = 20
    # A browser's session ends after this much idleness, and in any case this long after sign-in.
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    # Proxies in front of the web process whose X-Forwarded-For is trusted for the client's address.
    trusted_proxies: int = 0
    # PKCS#11 token/HSM for people whose profile says "pkcs11" (the key label is in the profile).
    pkcs11_module: str = ""
    pkcs11_token: str = ""
    pkcs11_pin: str = ""
    # PAdES baseline level of every signature: B-B, B-T (needs TSA_URL), B-LT, B-LTA.
    pades_level: Literal["B-B", "B-T", "B-LT", "B-LTA"] = "B-B"
    tsa_url: str = ""
    tsa_timeout: float = 10.0
    # When the TSA does not answer: "fail" the signature (the batch shows it, retry later), or
    # "defer": sign at B-B, flag the document, and add a document timestamp when the TSA is back.
    tsa_failure: Literal["fail", "defer"] = "fail"
    # Remote signing service (CSC API v2) for people whose profile says "csc" (credential id in the profile).
    csc_url: str = ""
    csc_username: str = ""
    csc_password: str = ""
    csc_approval_timeout: float = 120.0
    csc_poll_interval: float = 2.0
    # VNPT SmartCA, for leaders who link their own account: the gateway's base URL (auth/token and csc/… under
    # it) and the agency's application registered there. A leader approves each transaction (up to 50 documents)
    # in the SmartCA app; one not approved within the approval timeout counts as expired.
    smartca_url: str = ""
    smartca_client_id: str = ""
    smartca_client_secret: str = ""
    smartca_timeout: float = 15.0
    smartca_approval_timeout: float = 300.0
    # Polling a waiting transaction starts at 1 s and doubles up to this; SmartCA's callback wakes it at once.
    smartca_poll_max: float = 10.0
    # Viettel MySign, for leaders who link their MySign account (approvals in the MySign app): the gateway's base
    # URL (…/vtss/service/… under it), the agency's application and its RAS profile.
    mysign_url: str = ""
    mysign_client_id: str = ""
    mysign_client_secret: str = ""
    mysign_profile_id: str = "adss:ras:profile:001"
    # This service's address as SmartCA reaches it, for the callback (notifyUrl); empty: the address the leader
    # confirmed the batch at.
    public_url: str = ""
    # Where the signing tool of a leader's USB token listens on their own PC (VGCA SignService).
    signing_tool_url: str = "wss://127.0.0.1:8987"
    # Where congvan-agent (agent/: digests signed on a leader's USB token) listens on their own PC.
    signing_agent_url: str = "http://127.0.0.1:8990"
    # Processes that prepare a batch's documents in parallel (0: one per core).
    signing_processes: int = 0
    # Signed documents committed per transaction at the end of a batch (1: each on its own).
    signing_chunk: int = 25
    # Prepare a batch's signatures when it is created, so confirmation only signs the digests.
    prepare_ahead: bool = True
    # Exchange with other agencies: the national exchange (VXP protocol; a provincial axis, or a congvan hub's
    # /vxp, speaks the same): base URL, this system's id and secret. Packages and status packages go there by
    # sendEdoc, and every scheduler tick takes what waits for us.
    vxp_url: str = ""
    vxp_system_id: str = ""
    vxp_secret: str = ""
    # Take what waits at the exchange on every scheduler tick (off: an instance that only sends, e.g. in a bench).
    exchange_pull: bool = True
    exchange_timeout: float = 15.0
    # Retries of packages, status packages and webhooks: base * 2^(attempt-1), capped.
    retry_base_seconds: float = 5.0
    retry_cap_seconds: float = 900.0
    retry_max_attempts: int = 12
    # The clerk's board flags a recipient with no 01 this long after issuance, or no 03 by day's end.
    arrival_deadline_minutes: int = 60
    # The working day: flags and deadlines count from its start and end with its end, on these days of the week
    # (ISO digits: 1 Monday … 7 Sunday).
    workday_start: dt.time = dt.time(7, 30)
    working_days: str = "12345"
    workday_end: dt.time = dt.time(17, 0)
    # Notifications by e-mail too (to people with an address) through this SMTP server; empty: only in the pages.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "congvan@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    # Run as an exchange hub serving the VXP protocol (/vxp) to the systems registered with it.
    hub_mode: bool = False
    # The hub refuses a signed request whose timestamp is older than this (a captured request replayed later).
    # The SDK sets its timestamp once, when its service object is made: a system that keeps one object for days
    # needs a longer window, or 0 (not checked). Replayed sendEdoc calls are caught by their file in any case.
    vxp_timestamp_window_hours: float = 24.0
    # A received package's files (after unzipping): how many, and how much in all. The hub only counts them.
    exchange_max_attachments: int = 100
    exchange_max_unpacked_mb: int = 256
    # "production" refuses demo keys, default secrets, SQLite and inline jobs at start-up.
    env: Literal["development", "production"] = "development"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed, checked like the original."""
        return _checked({**dataclasses.asdict(self), **changes})

    def environment(self) -> dict[str, str]:
        """These settings as the CONGVAN_* variables that give them to another process."""
        return {_variable(name): _as_text(value) for name, value in dataclasses.asdict(self).items()}


# Secrets may come from a file instead (CONGVAN_<KEY>_FILE, e.g. a Docker or systemd secret).
SECRETS = (
    "KEY_PASSPHRASE",
    "SECRET_KEY",
    "SECRETS_KEYS",
    "PKCS11_PIN",
    "CSC_PASSWORD",
    "SMARTCA_CLIENT_SECRET",
    "MYSIGN_CLIENT_SECRET",
    "DATABASE_URL",
    "S3_SECRET_ACCESS_KEY",
    "VXP_SECRET",
    "SMTP_PASSWORD",
)

# The type of each setting, read once from the annotations above.
TYPES: dict[str, Any] = typing.get_type_hints(Settings)
DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(Settings)}


class ConfigError(RuntimeError):
    """A setting that cannot work, named by its environment variable, in Vietnamese: the process stops at start."""


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.strftime("%H:%M") if isinstance(value, dt.time) else str(value)


def _variable(name: str) -> str:
    return f"CONGVAN_{name.upper()}"


def _from_text(name: str, raw: str) -> Any:
    """A value written in the environment as its setting's type: numbers and true/false are read as JSON."""
    kind = TYPES[name]
    if kind is str or typing.get_origin(kind) is Literal:
        return raw
    if kind is dt.time:
        hour, _, minute = raw.strip().partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ConfigError(f"{_variable(name)} phải là giờ:phút, ví dụ 16:30 (đang là {raw!r}).")
        return dt.time(int(hour), int(minute))
    try:
        return json.loads(raw)
    except ValueError as exc:
        wanted = "true hoặc false" if kind is bool else "một số"
        raise ConfigError(f"{_variable(name)} không đọc được: {raw!r} (cần {wanted}).") from exc


def _check(name: str, value: Any) -> Any:
    """The value of one setting as its type, or ConfigError naming the variable."""
    kind, variable = TYPES[name], _variable(name)
    if isinstance(value, str) and kind is not str and typing.get_origin(kind) is not Literal:
        value = _from_text(name, value)
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{variable} phải là true hoặc false (đang là {value!r}).")
    elif kind is int or kind is float:
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{variable} phải là một số không âm (đang là {value!r}).")
        if kind is int and not whole:
            raise ConfigError(f"{variable} phải là một số nguyên (đang là {value!r}).")
        value = kind(value)
    elif kind is dt.time:
        if not isinstance(value, dt.time):
            raise ConfigError(f"{variable} phải là giờ:phút, ví dụ 16:30 (đang là {value!r}).")
    elif typing.get_origin(kind) is Literal:
        allowed = typing.get_args(kind)
        if value not in allowed:
            raise ConfigError(f"{variable} không hợp lệ: {value!r} (một trong: {', '.join(allowed)}).")
    elif not isinstance(value, str):
        raise ConfigError(f"{variable} phải là một chuỗi (đang là {value!r}).")
    return value


def _checked(values: dict[str, Any]) -> Settings:
    typed = {name: _check(name, value) for name, value in values.items()}
    days = typed["working_days"]
    if not days or any(day not in "1234567" for day in days):
        raise ConfigError(
            f"CONGVAN_WORKING_DAYS phải gồm các chữ số 1 (thứ Hai) đến 7 (Chủ nhật), ví dụ 12345 (đang là {days!r})."
        )
    try:
        ZoneInfo(typed["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"CONGVAN_TIMEZONE không phải múi giờ: {typed['timezone']!r}.") from exc
    return Settings(**typed)


def split(overrides: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Overrides named like settings (CONGVAN_ without the prefix, e.g. JOB_MODE) apart from the rest (Flask's)."""
    ours: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        (ours if key.lower() in TYPES else others)[key] = value
    return ours, others


# Every variable a process reads: the settings, and the files the secrets may be read from.
VARIABLES = (*(_variable(name) for name in TYPES), *(f"CONGVAN_{key}_FILE" for key in SECRETS))


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """The CONGVAN_* variables of an environment that are no setting (a misspelling would be silently ignored)."""
    return sorted(name for name in environ if name.startswith("CONGVAN_") and name not in VARIABLES)


def _refuse_unknown() -> None:
    unknown = unknown_variables(os.environ)
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, VARIABLES, n=1, cutoff=0.6)
        hints.append(f"{name} (có phải {close[0]}?)" if close else name)
    raise ConfigError(
        f"Không có thiết lập {', '.join(hints)}: sửa tên biến hoặc bỏ biến đó đi "
        "(một biến viết sai sẽ bị bỏ qua mà không ai biết)."
    )


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Merge defaults, the environment and overrides (keys as the variables without CONGVAN_, e.g. JOB_MODE), and
    check every setting: a ConfigError names the first wrong one, or a CONGVAN_* variable that is no setting."""
    _refuse_unknown()
    values = dict(DEFAULTS)
    for name in TYPES:
        raw = os.environ.get(_variable(name))
        if raw is not None:
            values[name] = _from_text(name, raw)
    for key in SECRETS:
        secret_file = os.environ.get(f"CONGVAN_{key}_FILE")
        if secret_file and f"CONGVAN_{key}" not in os.environ:
            values[key.lower()] = Path(secret_file).read_text(encoding="utf-8").strip()
    ours, others = split(overrides)
    if others:
        raise ConfigError(f"Không có thiết lập {', '.join(_variable(k) for k in others)}.")
    values.update({key.lower(): value for key, value in ours.items()})
    settings = _checked(values)
    url = settings.database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///")).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    return dataclasses.replace(
        settings,
        files_dir=str(Path(settings.files_dir).resolve()),
        keys_dir=str(Path(settings.keys_dir).resolve()),
        database_url=url,
    )
