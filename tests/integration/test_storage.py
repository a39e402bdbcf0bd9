"""The file store on the local filesystem and on S3-compatible storage (an S3 server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from congvan import backup
from tests.support import processes
from tests.support.api import Api, build_app
from workflow import config as config_module
from workflow import runtime
from workflow.errors import Corrupted
from workflow.storage import FileStore, S3Store, Store, make_store, name_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server (moto's standalone server: the S3 REST API over HTTP) on 127.0.0.1."""
    port = processes.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


_buckets = iter(range(1, 10_000))


def s3_config(endpoint: str) -> dict[str, Any]:
    """Settings for a new, empty bucket on the server."""
    bucket = f"congvan-{next(_buckets)}"
    config = {
        "STORAGE": "s3",
        "S3_ENDPOINT_URL": endpoint,
        "S3_BUCKET": bucket,
        "S3_PREFIX": "van-ban",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "congvan-test",
        "S3_SECRET_ACCESS_KEY": "congvan-test-secret",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="congvan-test",
        aws_secret_access_key="congvan-test-secret",
    )
    client.create_bucket(Bucket=bucket)
    return config


@pytest.fixture(params=["files", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "files":
        return make_store(config_module.load({"FILES_DIR": str(tmp_path / "files")}))
    return make_store(config_module.load(s3_config(request.getfixturevalue("s3_endpoint"))))


def _tamper(store: Store, name: str, data: bytes) -> None:
    """Change a stored file behind congvan's back, as a disk fault or an intruder would."""
    if isinstance(store, FileStore):
        (store.root / name).write_bytes(data)
    else:
        assert isinstance(store, S3Store)
        store.client.put_object(Bucket=store.bucket, Key=store.prefix + name, Body=data)


def test_stores_keep_files_by_hash_never_overwrite_and_check_on_read(store: Store) -> None:
    assert store.is_empty()
    data = b"%PDF-1.7 van ban"
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.get(digest) == data
    assert store.put(data) == digest and list(store.names()) == [name_of(digest)]  # stored once
    many = store.put_many([b"%PDF a", b"%PDF b", b"%PDF a"])
    assert many[0] == many[2] and len(set(store.names())) == 3
    _tamper(store, name_of(digest), b"%PDF-1.7 van ban da bi sua")
    with pytest.raises(Corrupted):
        store.get(digest)
    with pytest.raises(FileNotFoundError):
        store.get("0" * 64)


def test_bad_storage_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="files"):
        make_store(config_module.load({"STORAGE": "ftp", "FILES_DIR": str(tmp_path)}))
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        make_store(config_module.load({"STORAGE": "s3", "FILES_DIR": str(tmp_path)}))


def test_a_day_on_s3_then_backup_and_restore(
    s3_endpoint: str, tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    settings = s3_config(s3_endpoint)
    app = build_app(f"sqlite:///{tmp_path}/s3.db", tmp_path, keys_dir, password_hash, **settings)
    api = Api(app.test_client())
    doc = api.draft(summary="văn bản lưu trên kho S3")
    api.advance(doc["id"], "dispatched")
    pdf = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    rt = app.extensions["congvan"]
    stored = set(rt.store.names())
    assert name_of(hashlib.sha256(pdf.data).hexdigest()) in stored
    assert not list((tmp_path / "files").rglob("*.pdf"))  # nothing on the local disk

    manifest = backup.backup(rt, tmp_path / "backup")
    assert manifest["files"] == len(stored)
    bucket = {key.lower(): value for key, value in s3_config(s3_endpoint).items()}
    restored = runtime.build(rt.settings.replace(**bucket, database_url=f"sqlite:///{tmp_path}/restored.db"))
    backup.restore(restored, tmp_path / "backup")
    assert set(restored.store.names()) == stored
    check = backup.verify(restored)
    assert check.problems == [] and check.versions >= 3
    with pytest.raises(backup.BackupError, match="không trống"):
        backup.restore(restored, tmp_path / "backup")  # only into an empty system
    _tamper(restored.store, next(iter(stored)), b"changed")
    assert backup.verify(restored).problems
    restored.close()
    app.extensions["congvan"].close()
