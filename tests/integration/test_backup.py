"""Backup and restore drill, on SQLite and PostgreSQL: restore into an empty system, every PDF checked."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from congvan import backup
from tests.support import processes
from tests.support.api import Api
from workflow import runtime
from workflow.config import Settings
from workflow.models import Document

pytestmark = pytest.mark.integration
_restores = itertools.count(1)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "congvan.cli", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _env(settings: Settings) -> dict[str, str]:
    keys = ("database_url", "files_dir", "keys_dir", "key_passphrase")
    return (
        dict(os.environ)
        | {f"CONGVAN_{k.upper()}": str(getattr(settings, k)) for k in keys}
        | {
            "CONGVAN_JOB_MODE": "inline",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
    )


@pytest.mark.both_databases
def test_backup_restore_drill(app: Flask, api: Api, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    ids = []
    for n in range(3):
        doc = api.draft(summary=f"văn bản sao lưu số {n + 1}")
        api.advance(doc["id"], "dispatched")
        ids.append(doc["id"])
    originals = {i: api.as_("vanthu", "GET", f"/api/v1/documents/{i}/pdf").data for i in ids}
    source = app.extensions["congvan"].settings
    done = _cli(_env(source), "backup", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "backup" / "manifest.json").is_file()
    assert _cli(_env(source), "backup", str(tmp_path / "backup")).returncode != 0  # never into a used folder

    # An empty system: a new database and an empty file store.
    if source.database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/restored.db"
    else:
        url = processes.create_database(request.getfixturevalue("pg_server"), f"restored{next(_restores)}")
    target = source.replace(database_url=url, files_dir=str(tmp_path / "restored-files"))
    done = _cli(_env(target), "restore", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    assert "phiên bản văn bản" in done.stdout
    assert _cli(_env(target), "restore", str(tmp_path / "backup")).returncode != 0  # not over a live system

    rt = runtime.build(target)
    try:
        check = backup.verify(rt)
        assert check.problems == [] and check.versions >= 3 * 4 and check.files >= check.versions
        for document_id, data in originals.items():
            with rt.readers() as session:
                document = session.get(Document, document_id)
                assert document is not None
                assert rt.store.get(document.current_version.sha256) == data
        # A changed byte in the restored store is found.
        victim = next(p for p in Path(target.files_dir).rglob("*.pdf"))
        victim.write_bytes(victim.read_bytes()[:-1] + b"\x00")
        done = _cli(_env(target), "verify-files")
        assert done.returncode != 0 and "không khớp mã băm" in done.stderr
    finally:
        rt.close()
