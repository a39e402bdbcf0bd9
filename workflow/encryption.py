"""Secrets kept encrypted at rest: the secrets of the systems registered at the hub, webhook signing secrets,
TOTP seeds. A column of type Encrypted encrypts on write and decrypts on read, so no code path can forget.

Keys (CONGVAN_SECRETS_KEYS, Fernet keys, newest first) are this process's: the newest encrypts, all of
them decrypt, so a key is rotated by putting a new one first and running `congvan reseal`. Without keys
(development), one is derived from SECRET_KEY. Values written before encryption existed are read as they
are and encrypted by `congvan reseal`.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, MetaData, Text, select, type_coerce, update
from sqlalchemy.types import TypeDecorator

from workflow.config import Settings

PREFIX = "sealed:"  # the mark every stored encrypted value carries: kept as it is, or old values would not read

# Every key this process was configured with, newest first (a test process may build several apps).
_keys: list[bytes] = []


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from the application's SECRET_KEY (development and tests)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"congvan secrets at rest")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def keys_of(settings: Settings) -> list[bytes]:
    """The keys a configuration names (CONGVAN_SECRETS_KEYS, comma-separated), or the derived one."""
    named = [k.strip().encode() for k in settings.secrets_keys.split(",") if k.strip()]
    return named or [derived_key(settings.secret_key)]


def configure(keys: list[bytes]) -> None:
    """Use these keys from now on (the first encrypts); keys configured before still decrypt."""
    for key in keys:
        Fernet(key)  # refuses a malformed key at start-up rather than at first use
    _keys[:] = keys + [k for k in _keys if k not in keys]


def _box() -> MultiFernet:
    if not _keys:
        raise RuntimeError("secrets keys not configured (workflow.encryption.configure)")
    return MultiFernet([Fernet(k) for k in _keys])


def encrypt(value: str) -> str:
    """The value encrypted with the newest key, marked as encrypted."""
    return PREFIX + _box().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    """The plain value of what is stored (a value from before encryption is returned as it is)."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _box().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("an encrypted secret cannot be decrypted with the configured keys") from exc


class Encrypted(TypeDecorator[str]):
    """A text column stored encrypted; reads and writes plain strings."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, _dialect: Any) -> str | None:
        return encrypt(value) if value else value

    def process_result_value(self, value: str | None, _dialect: Any) -> str | None:
        return decrypt(value) if value else value


def encrypt_again(engine: Engine, metadata: MetaData) -> int:
    """Write every encrypted value again with the newest key (old keys, or values from before encryption);
    returns how many values were written. Run after putting a new key first in CONGVAN_SECRETS_KEYS."""
    written = 0
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, Encrypted):
                    continue
                key = list(table.primary_key.columns)
                # Read raw (as stored) and write through the type, which encrypts with the newest key.
                raw = select(*key, type_coerce(column, Text)).where(column.is_not(None), column != "")
                for *ids, stored in connection.execute(raw).all():
                    where = [c == v for c, v in zip(key, ids, strict=True)]
                    connection.execute(update(table).where(*where).values({column.name: decrypt(stored)}))
                    written += 1
    return written
