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

from workflow.backup import BackupError, pg_tool


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


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Start redis-server on a free port; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run the README's test command")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


def _pg_bin(name: str) -> str:
    try:
        return pg_tool(name)
    except BackupError as exc:
        raise RuntimeError(f"PostgreSQL ({name}) is not installed: run the README's test command") from exc


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway PostgreSQL cluster on a free port; yield a superuser URL (database postgres)."""
    port = free_port()
    # Directly under /tmp: pytest's own temporary folders are private to root, and as root the
    # cluster runs as the postgres user.
    workdir = Path(tempfile.mkdtemp(prefix="congvan-pg-"))
    data = workdir / "pgdata"
    prefix: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the cluster as the postgres system user.
        user = pwd.getpwnam("postgres")
        os.chown(workdir, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *prefix,
            _pg_bin("initdb"),
            "-D",
            str(data),
            "-U",
            "congvan",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    process = subprocess.Popen(
        [
            *prefix,
            _pg_bin("postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(workdir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=200",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"postgresql://congvan@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(url, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        stop(process, signal.SIGINT)
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server; return a SQLAlchemy URL for it."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"


def start_congvan(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a `congvan` subcommand (worker, serve, scheduler) in its own process group."""
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "workflow.cli", *args],
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
