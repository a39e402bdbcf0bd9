"""Real servers for the tests: redis-server, a throwaway PostgreSQL cluster, app processes."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from congvan.backup import BackupError, pg_tool


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stop a process started in its own session, with all its children."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


def stop_all(started: list[subprocess.Popen[bytes]], timeout: float = 5.0) -> None:
    """Stop processes started in their own sessions: all asked at once, what is left killed after `timeout`
    (an idle rq worker or gunicorn may take its time; a test's teardown need not wait for it)."""
    for process in started:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        stop(process, timeout=timeout)


class RedisServer:
    """A redis-server on a fixed port of 127.0.0.1 that a test may kill and start again, empty."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed: run the README's test command")
        self.port = free_port()
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (empty: no snapshot, no append-only file) and wait until it answers."""
        assert self.binary is not None
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, start_new_session=True
        )
        wait_for_port(self.port)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGKILL: as a crash would)."""
        if self.process is not None:
            stop(self.process, sig)
            self.process = None


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Start redis-server on a free port; yield its URL."""
    server = RedisServer(workdir)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _pg_bin(name: str) -> str:
    try:
        return pg_tool(name)
    except BackupError as exc:
        raise RuntimeError(f"PostgreSQL ({name}) is not installed: run the README's test command") from exc


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free port that a test may stop (immediate) and start again."""

    def __init__(self, fsync: bool = False) -> None:
        self.port = free_port()
        self.fsync = fsync
        # Directly under /tmp: pytest's own temporary folders are private to root, and as root the
        # cluster runs as the postgres user.
        self.workdir = Path(tempfile.mkdtemp(prefix="congvan-pg-"))
        self.data = self.workdir / "pgdata"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root: run the cluster as the postgres system user.
            user = pwd.getpwnam("postgres")
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        initdb = [_pg_bin("initdb"), "-D", str(self.data), "-U", "congvan", "--auth=trust"]
        subprocess.run(
            [*self.prefix, *initdb, "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """A superuser URL (database postgres)."""
        return f"postgresql://congvan@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server (after a crash it replays its write-ahead log) and wait until it answers."""
        settings = ["listen_addresses=127.0.0.1", f"fsync={'on' if self.fsync else 'off'}", "max_connections=200"]
        self.process = subprocess.Popen(
            [*self.prefix, _pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.workdir)]
            + [arg for setting in settings for arg in ("-c", setting)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.1)

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Stop the server: SIGINT is a fast shutdown, SIGQUIT an immediate one (no checkpoint, like a crash)."""
        if self.process is not None:
            stop(self.process, sig)
            self.process = None

    def remove(self) -> None:
        """Stop it and delete its data."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway PostgreSQL cluster on a free port; yield a superuser URL (database postgres)."""
    server = PostgresServer()
    try:
        server.start()
        yield server.url
    finally:
        server.remove()


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server; return a SQLAlchemy URL for it."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"


def congvan_command() -> list[str]:
    """The `congvan` command of this interpreter."""
    return [sys.executable, "-m", "congvan.cli"]


def start_congvan(
    args: list[str], env: dict[str, str], log: Path, module: str = "congvan.cli"
) -> subprocess.Popen[bytes]:
    """Start a `congvan` subcommand (worker, serve, scheduler), or the module standing in for it, in its own session."""
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextlib.contextmanager
def serve_in_thread(app: Any, port: int) -> Iterator[None]:
    """Serve a WSGI app on 127.0.0.1:port from a thread of this process, quietly, until the block ends."""
    import logging
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=5)
