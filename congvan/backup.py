"""Backup and restore of a deployment: the database and the file store, verified by SHA-256.

A backup folder holds the database (SQLite: an online copy through SQLite's backup API;
PostgreSQL: pg_dump's custom format), the content-addressed files, and a manifest. Signing keys
are not in it: they are secrets and are backed up apart. Restore goes into an empty system; the
drill then checks every stored file against its name and every document version against the
SHA-256 recorded in the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from workflow.models import Document, DocumentVersion
from workflow.runtime import Runtime
from workflow.storage import name_of

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done as asked, with the reason in Vietnamese."""


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return [*args, "-d", parsed.database or "postgres"], env


def pg_tool(name: str) -> str:
    """Path of a PostgreSQL program (on PATH, or in Debian's versioned folder)."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise BackupError(f"Không tìm thấy {name} (gói postgresql-client).")


def backup(rt: Runtime, target: Path) -> dict[str, Any]:
    """Write the database, the files and a manifest into an empty folder; returns the manifest."""
    import os

    if target.exists() and any(target.iterdir()):
        raise BackupError(f"Thư mục sao lưu {target} phải trống.")
    target.mkdir(parents=True, exist_ok=True)
    url = rt.settings.database_url
    if url.startswith("sqlite"):
        source = sqlite3.connect(make_url(url).database or "")
        copy = sqlite3.connect(target / "database.sqlite")
        with copy:
            source.backup(copy)  # consistent even while the service writes
        source.close()
        copy.close()
        kind = "sqlite"
    else:
        args, env = _pg_args(url.replace("+psycopg", ""))
        subprocess.run(  # noqa: S603 - fixed tool, arguments from our configuration
            [pg_tool("pg_dump"), "--format=custom", "--no-owner", "-f", str(target / "database.dump"), *args],
            check=True,
            env=os.environ | env,
            capture_output=True,
        )
        kind = "postgresql"
    copied = 0
    for name in rt.store.names():  # the local directory or the bucket, the same names
        path = target / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rt.store.read(name))
        copied += 1
    with rt.readers() as session:
        versions = int(session.scalar(select(func.count()).select_from(DocumentVersion)) or 0)
        documents = int(session.scalar(select(func.count()).select_from(Document)) or 0)
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": kind,
        "documents": documents,
        "versions": versions,
        "files": copied,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(rt: Runtime, source: Path) -> dict[str, Any]:
    """Restore a backup into an empty system (empty database, empty file store); returns the manifest."""
    import os

    if not (source / MANIFEST).is_file():
        raise BackupError(f"{source} không phải thư mục sao lưu của congvan (thiếu {MANIFEST}).")
    manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    if inspect(rt.engine).get_table_names():
        raise BackupError("Cơ sở dữ liệu đích không trống: chỉ khôi phục vào hệ thống mới.")
    if not rt.store.is_empty():
        raise BackupError(f"Kho tệp đích {rt.store.describe()} không trống: chỉ khôi phục vào hệ thống mới.")
    url = rt.settings.database_url
    if manifest["database"] == "sqlite":
        if not url.startswith("sqlite"):
            raise BackupError("Bản sao lưu SQLite chỉ khôi phục vào SQLite.")
        rt.engine.dispose()
        shutil.copyfile(source / "database.sqlite", make_url(url).database or "")
    else:
        if url.startswith("sqlite"):
            raise BackupError("Bản sao lưu PostgreSQL chỉ khôi phục vào PostgreSQL.")
        args, env = _pg_args(url.replace("+psycopg", ""))
        subprocess.run(  # noqa: S603 - fixed tool, arguments from our configuration
            [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", *args, str(source / "database.dump")],
            check=True,
            env=os.environ | env,
            capture_output=True,
        )
    stored = source / "files"
    for path in sorted(stored.rglob("*")) if stored.is_dir() else []:
        if path.is_file():
            rt.store.write(path.relative_to(stored).as_posix(), path.read_bytes())
    return manifest


@dataclass
class FileCheck:
    """What the drill found: files checked, and every problem (missing or changed file)."""

    files: int = 0
    versions: int = 0
    problems: list[str] = field(default_factory=list)


def verify(rt: Runtime) -> FileCheck:
    """Check every stored file against its name and every document version against its recorded SHA-256."""
    result = FileCheck()
    for name in rt.store.names():
        result.files += 1
        if hashlib.sha256(rt.store.read(name)).hexdigest() != name.rsplit("/", 1)[-1].split(".", 1)[0]:
            result.problems.append(f"Tệp {name} không khớp mã băm trong tên.")
    with rt.readers() as session:
        for version in session.scalars(select(DocumentVersion).order_by(DocumentVersion.id)):
            result.versions += 1
            try:
                data = rt.store.read(name_of(version.sha256))
            except FileNotFoundError:
                result.problems.append(f"Thiếu tệp của văn bản {version.document_id}, phiên bản {version.seq}.")
                continue
            if hashlib.sha256(data).hexdigest() != version.sha256:
                result.problems.append(
                    f"Tệp của văn bản {version.document_id}, phiên bản {version.seq} đã bị thay đổi."
                )
    return result
