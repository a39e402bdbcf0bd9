"""The per-process runtime: database sessions, file store, signing keys, job queue.

Built lazily (never at import time) by the web app and by each worker process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from asn1crypto import x509 as asn1_x509
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from signing import appearance, timestamps, validation
from signing import pdf as signing_pdf
from signing.errors import SigningError
from signing.remote import Credential, CscClient, CscSigner
from signing.signers import Signer, load_pkcs12, open_pkcs11
from workflow import config as config_module
from workflow import encryption
from workflow.config import Settings
from workflow.db import make_engine, make_session_factory
from workflow.models import Person
from workflow.storage import Store, make_store

if TYPE_CHECKING:
    from redis import Redis


class Keyring:
    """Signing keys kept ready for the life of the process, per person's profile.

    PKCS#12 files in KEYS_DIR (parsed once), keys on a PKCS#11 token (one session per process).
    """

    def __init__(self, settings: Settings) -> None:
        self.keys_dir = Path(settings.keys_dir)
        passphrase = settings.key_passphrase
        self._passphrase = passphrase.encode() if passphrase else None
        self._pkcs11 = (settings.pkcs11_module, settings.pkcs11_token, settings.pkcs11_pin)
        self._settings = settings
        self._signers: dict[str, Signer] = {}
        self._credentials: dict[str, Credential] = {}
        self._roots: tuple[tuple[tuple[str, int], ...], list[asn1_x509.Certificate]] | None = None  # (seen, roots)

    def _load(self, relative: str) -> Signer:
        if relative not in self._signers:
            path = self.keys_dir / relative
            if not path.is_file():
                raise SigningError("key_missing", "Chưa cấu hình khóa ký số cho người ký hoặc cơ quan.")
            self._signers[relative] = load_pkcs12(path.read_bytes(), self._passphrase)
        return self._signers[relative]

    def person(self, person: Person) -> Signer:
        """The signer of a person, from the backend their profile names."""
        if person.signer_kind == "pkcs12":
            return self._load(f"people/{person.username}.p12")
        if person.signer_kind == "pkcs11":
            cache_key = f"pkcs11:{person.signer_ref}"
            if cache_key not in self._signers:
                module, token, pin = self._pkcs11
                self._signers[cache_key] = open_pkcs11(module, token, pin, person.signer_ref)
            return self._signers[cache_key]
        raise SigningError("signer_remote", "Người ký dùng dịch vụ ký số từ xa; chỉ ký được theo lô có phê duyệt.")

    def for_batch(self, person: Person, expected: int, description: str) -> Signer:
        """The signer for a batch of `expected` documents; a remote one asks for one approval for all."""
        if person.signer_kind != "csc":
            return self.person(person)
        settings = self._settings
        if not settings.csc_url:
            raise SigningError("csc_not_configured", "Chưa cấu hình dịch vụ ký số từ xa (CONGVAN_CSC_URL).")
        client = CscClient(
            settings.csc_url,
            settings.csc_username,
            settings.csc_password,
            poll_interval=settings.csc_poll_interval,
            approval_timeout=settings.csc_approval_timeout,
        )
        if person.signer_ref not in self._credentials:
            self._credentials[person.signer_ref] = client.credential(person.signer_ref)
        return CscSigner(client, self._credentials[person.signer_ref], expected=expected, description=description)

    def agency(self, code: str) -> Signer:
        """The agency's signer, used by the clerk at issuance."""
        return self._load(f"agency-{code}.p12")

    @property
    def trusted_dir(self) -> Path:
        """Where the roots an administrator trusts (API or `congvan trust add`) are kept, one PEM per root."""
        return self.keys_dir / "trusted"

    @property
    def trust_roots(self) -> list[asn1_x509.Certificate]:
        """Certificates trusted when validating: the deployment's roots.pem and the roots added since.

        Read again whenever either changed, so a root added in one process counts in every other at once.
        """
        # Two stats and a listing per call (it is read on every signature and validation), not every file: a
        # root is added or removed as a whole file named by its digest, which changes the folder's time and,
        # should two changes fall in one tick of the file system's clock, the number of its files.
        base, folder = self.keys_dir / "roots.pem", self.trusted_dir
        names = len(os.listdir(folder)) if folder.is_dir() else 0
        seen = (*((str(f), f.stat().st_mtime_ns) for f in (base, folder) if f.exists()), ("files", names))
        if self._roots is None or self._roots[0] != seen:
            files = [f for f in (base, *sorted(folder.glob("*.pem"))) if f.is_file()]
            self._roots = (seen, [c for f in files for c in validation.load_certs(f.read_bytes())])
        return self._roots[1]


@dataclass
class Runtime:
    """Everything services and jobs need beyond the session."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    store: Store
    keyring: Keyring
    tz: ZoneInfo
    pid: int = field(default_factory=os.getpid)

    @functools.cached_property
    def redis(self) -> Redis:
        """This process's Redis client: one connection pool, with timeouts so a Redis gone away fails a call
        in seconds instead of hanging the request that enqueues."""
        from redis import Redis

        return Redis.from_url(
            self.settings.redis_url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )

    @functools.cached_property
    def font(self) -> bytes:
        """The prepared Vietnamese font for stamps and form fields."""
        return appearance.prepare_font(appearance.find_serif_font())

    @functools.cached_property
    def _pades(self) -> signing_pdf.Pades:
        level = self.settings.pades_level
        if level not in signing_pdf.LEVELS:
            raise SigningError("invalid_pades_level", f"Mức PAdES không hợp lệ: {level} (B-B, B-T, B-LT, B-LTA).")
        url = self.settings.tsa_url
        timestamper = timestamps.http_timestamper(url, self.settings.tsa_timeout) if url else None
        return signing_pdf.Pades(level=level, timestamper=timestamper)

    @property
    def pades(self) -> signing_pdf.Pades:
        """The configured PAdES level with its TSA client and the trust roots of the moment."""
        return dataclasses.replace(self._pades, trust_roots=tuple(self.keyring.trust_roots))

    @functools.cached_property
    def signing_pool(self) -> ProcessPoolExecutor:
        """Long-lived processes, one per core, that prepare signatures (phase 1) with the font loaded once.

        Started from a fork server, so they inherit neither database connections nor threads.
        """
        import multiprocessing

        from workflow.signatures import preparing

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["signing.pdf", "workflow.signatures.preparing"])
        count = self.settings.signing_processes or os.cpu_count() or 1
        return ProcessPoolExecutor(
            max_workers=count, mp_context=context, initializer=preparing.init_signing_process, initargs=(self.font,)
        )

    def warm(self) -> None:
        """Load the font and start the signing processes now, so the first batch does not wait for them."""
        _ = self.font
        pool = self.signing_pool
        list(pool.map(len, [b""] * (self.settings.signing_processes or os.cpu_count() or 1)))

    def close_pool(self) -> None:
        """Stop the signing processes (a new pool starts on next use)."""
        if "signing_pool" in self.__dict__:
            self.signing_pool.shutdown(cancel_futures=True)
            del self.__dict__["signing_pool"]

    def close(self) -> None:
        """Stop the signing processes and close database and Redis connections (tests, shutdown)."""
        self.close_pool()
        self.engine.dispose()
        if "redis" in self.__dict__:
            self.redis.close()

    def now(self) -> dt.datetime:
        """The current time in the agency's time zone (+07:00)."""
        return dt.datetime.now(self.tz)


def build(settings: Settings) -> Runtime:
    """Create a runtime from a loaded configuration."""
    encryption.configure(encryption.keys_of(settings))
    engine = make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        readers=make_session_factory(engine, readonly=True),
        store=make_store(settings),
        keyring=Keyring(settings),
        tz=ZoneInfo(settings.timezone),
    )


_current: Runtime | None = None


def current() -> Runtime:
    """The runtime of this process, built from the environment on first use (jobs, CLI)."""
    global _current
    if _current is None or _current.pid != os.getpid():
        _current = build(config_module.load())
    return _current


def install(runtime: Runtime) -> None:
    """Make a runtime the current one (the web app and tests do this)."""
    global _current
    _current = runtime
