"""Configuration: defaults, then CONGVAN_* environment variables, then explicit overrides."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///instance/congvan.db",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FILES_DIR": "instance/files",
    # Where PDFs are kept: "files" (FILES_DIR) or "s3" (a bucket of S3-compatible storage).
    "STORAGE": "files",
    "S3_ENDPOINT_URL": "",
    "S3_BUCKET": "",
    "S3_PREFIX": "",
    "S3_REGION": "",
    "S3_ACCESS_KEY_ID": "",
    "S3_SECRET_ACCESS_KEY": "",
    "KEYS_DIR": "instance/keys",
    "KEY_PASSPHRASE": "",
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "SIGNING_CUTOFF": "16:30",
    # "rq": enqueue to Redis for `rq worker`; "inline": run jobs right after commit (unit tests).
    "JOB_MODE": "rq",
    "MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    "MAX_PAGES": 500,
    # Bounds of a request's work (workflow/limits.py): the text of a draft, its recipients' lines, a JSON
    # body's nesting, a PDF page's size and content, a page image's pixels, and a request's wall time.
    "MAX_BODY_CHARS": 200_000,
    "MAX_BODY_PARAGRAPHS": 5000,
    "MAX_KINH_GUI_LINES": 50,
    "MAX_NOI_NHAN_LINES": 150,
    "MAX_LINE_CHARS": 500,
    "MAX_JSON_DEPTH": 32,
    "MAX_PAGE_POINTS": 3370,  # the long side of A0, in points
    "MAX_IMAGE_PIXELS": 8_000_000,
    "MAX_PAGE_CONTENT_BYTES": 1024 * 1024,
    "REQUEST_SECONDS": 60,
    # Seconds without a heartbeat after which the reconciler re-enqueues a signing batch.
    "BATCH_LEASE_SECONDS": 60,
    # Seconds an internal delivery or an unpackaged document may wait before the reconciler re-enqueues
    # it (its job may have been lost with Redis).
    "RECONCILE_AFTER_SECONDS": 30,
    # Days kept: outbox rows once relayed; the hub's delivered messages and the webhook delivery log.
    # (Exchange messages sent and received are kept: they are the evidence of what went where.)
    "OUTBOX_KEEP_DAYS": 7,
    "LOG_KEEP_DAYS": 90,
    "SECRET_KEY": "dev-only-change-me",
    # Fernet keys (comma-separated, newest first) that encrypt stored secrets: peer and hub tokens, webhook
    # secrets, TOTP seeds. Empty (development only): derived from SECRET_KEY.
    "SECRETS_KEYS": "",
    # Sign-in throttling within a window: failures of one account from one address, from one address
    # (any account), and of one account from addresses that have never signed in to it successfully.
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_MAX_PAIR_FAILURES": 5,
    "LOGIN_MAX_ADDRESS_FAILURES": 30,
    "LOGIN_MAX_ACCOUNT_FAILURES": 20,
    # A browser's session ends after this much idleness, and in any case this long after sign-in.
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    # Proxies in front of the web process whose X-Forwarded-For is trusted for the client's address.
    "TRUSTED_PROXIES": 0,
    # PKCS#11 token/HSM for people whose profile says "pkcs11" (the key label is in the profile).
    "PKCS11_MODULE": "",
    "PKCS11_TOKEN": "",
    "PKCS11_PIN": "",
    # PAdES baseline level of every signature: B-B, B-T (needs TSA_URL), B-LT, B-LTA.
    "PADES_LEVEL": "B-B",
    "TSA_URL": "",
    "TSA_TIMEOUT": 10,
    # When the TSA does not answer: "fail" the signature (the batch shows it, retry later), or
    # "defer": sign at B-B, flag the document, and add a document timestamp when the TSA is back.
    "TSA_FAILURE": "fail",
    # Remote signing service (CSC API v2) for people whose profile says "csc" (credential id in the profile).
    "CSC_URL": "",
    "CSC_USERNAME": "",
    "CSC_PASSWORD": "",
    "CSC_APPROVAL_TIMEOUT": 120,
    "CSC_POLL_INTERVAL": 2,
    # Processes that prepare a batch's documents in parallel (0: one per core).
    "SIGNING_PROCESSES": 0,
    # Signed documents committed per transaction at the end of a batch (1: each on its own).
    "SIGNING_CHUNK": 25,
    # Prepare a batch's signatures when it is created, so confirmation only signs the digests.
    "PREPARE_AHEAD": True,
    # Exchange with other agencies: the national exchange (VXP protocol; a provincial axis, or a congvan hub's
    # /vxp, speaks the same): base URL, this system's id and secret. Packages and status packages go there by
    # sendEdoc, and every scheduler tick takes what waits for us.
    "VXP_URL": "",
    "VXP_SYSTEM_ID": "",
    "VXP_SECRET": "",
    # Take what waits at the exchange on every scheduler tick (off: an instance that only sends, e.g. in a bench).
    "EXCHANGE_PULL": True,
    "EXCHANGE_TIMEOUT": 15,
    # Retries of packages, status packages and webhooks: base * 2^(attempt-1), capped.
    "RETRY_BASE_SECONDS": 5,
    "RETRY_CAP_SECONDS": 900,
    "RETRY_MAX_ATTEMPTS": 12,
    # The clerk's board flags a recipient with no 01 this long after issuance, or no 03 by day's end.
    "ARRIVAL_DEADLINE_MINUTES": 60,
    "WORKDAY_END": "17:00",
    # Run as an exchange hub serving the VXP protocol (/vxp) to the systems registered with it.
    "HUB_MODE": False,
    # "production" refuses demo keys, default secrets, SQLite and inline jobs at start-up.
    "ENV": "development",
}

# Secrets may come from a file instead (CONGVAN_<KEY>_FILE, e.g. a Docker or systemd secret).
SECRETS = (
    "KEY_PASSPHRASE",
    "SECRET_KEY",
    "SECRETS_KEYS",
    "PKCS11_PIN",
    "CSC_PASSWORD",
    "DATABASE_URL",
    "S3_SECRET_ACCESS_KEY",
    "VXP_SECRET",
)


class ConfigError(RuntimeError):
    """A setting that cannot work, named by its environment variable, in Vietnamese: the process stops at start."""


# Settings that take one of a few words, and settings that are a time of day.
CHOICES = {
    "JOB_MODE": ("rq", "inline"),
    "STORAGE": ("files", "s3"),
    "PADES_LEVEL": ("B-B", "B-T", "B-LT", "B-LTA"),
    "TSA_FAILURE": ("fail", "defer"),
    "ENV": ("development", "production"),
}
TIMES = ("SIGNING_CUTOFF", "WORKDAY_END")


def _typed(key: str, raw: Any) -> Any:
    """A value as its setting's type: text stays text; numbers and true/false are read as JSON."""
    default = DEFAULTS[key]
    if isinstance(default, str) or not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"CONGVAN_{key} không đọc được: {raw!r} (cần {_kind(default)}).") from exc


def _kind(default: Any) -> str:
    return "true hoặc false" if isinstance(default, bool) else "một số"


def check(config: dict[str, Any]) -> None:
    """Refuse, naming the variable, any setting of the wrong type, out of its choices, or not a time of day."""
    for key, default in DEFAULTS.items():
        value, name = config[key], f"CONGVAN_{key}"
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{name} phải là true hoặc false (đang là {value!r}).")
        elif isinstance(default, int | float):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{name} phải là một số không âm (đang là {value!r}).")
        elif not isinstance(value, str):
            raise ConfigError(f"{name} phải là một chuỗi (đang là {value!r}).")
    for key, allowed in CHOICES.items():
        if config[key] not in allowed:
            raise ConfigError(f"CONGVAN_{key} không hợp lệ: {config[key]!r} (một trong: {', '.join(allowed)}).")
    for key in TIMES:
        hour, _, minute = str(config[key]).partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ConfigError(f"CONGVAN_{key} phải là giờ:phút, ví dụ 16:30 (đang là {config[key]!r}).")
    try:
        ZoneInfo(str(config["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"CONGVAN_TIMEZONE không phải múi giờ: {config['TIMEZONE']!r}.") from exc


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, the environment (CONGVAN_<KEY>; numbers and true/false read as JSON) and overrides, then
    check every setting (ConfigError names the first wrong one)."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        raw = os.environ.get(f"CONGVAN_{key}")
        if raw is not None:
            config[key] = _typed(key, raw)
    for key in SECRETS:
        secret_file = os.environ.get(f"CONGVAN_{key}_FILE")
        if secret_file and f"CONGVAN_{key}" not in os.environ:
            config[key] = Path(secret_file).read_text(encoding="utf-8").strip()
    config.update({key: _typed(key, value) if key in DEFAULTS else value for key, value in (overrides or {}).items()})
    check(config)
    for key in ("FILES_DIR", "KEYS_DIR"):
        config[key] = str(Path(config[key]).resolve())
    url = str(config["DATABASE_URL"])
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///")).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{path}"
    return config
