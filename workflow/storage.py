"""Content-addressed storage of PDFs: written once under their SHA-256, checked when read.

Two places, the same names ("ab/abcdef….pdf"): the local filesystem (the default) or a bucket of
S3-compatible storage (MinIO, Ceph RGW, AWS S3; CONGVAN_STORAGE=s3). Neither ever overwrites a file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from workflow.config import Settings
from workflow.errors import Corrupted


def name_of(sha256: str, suffix: str = ".pdf") -> str:
    """The stored name of the bytes with this SHA-256."""
    return f"{sha256[:2]}/{sha256}{suffix}"


def _checked(data: bytes, sha256: str) -> bytes:
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Corrupted("file_corrupted", "Tệp lưu trữ không khớp mã băm SHA-256 đã ghi nhận.")
    return data


class Store(ABC):
    """What every store does; subclasses say where the bytes live (read, write, names)."""

    @abstractmethod
    def read(self, name: str) -> bytes:
        """The bytes stored under a name, unchecked (FileNotFoundError if there are none)."""
        raise NotImplementedError

    @abstractmethod
    def write(self, name: str, data: bytes) -> None:
        """Store bytes under a name unless something is stored there already."""
        raise NotImplementedError

    @abstractmethod
    def names(self) -> Iterator[str]:
        """Every stored name."""
        raise NotImplementedError

    @abstractmethod
    def describe(self) -> str:
        """Where the files are, for messages."""
        raise NotImplementedError

    def put(self, data: bytes, suffix: str = ".pdf") -> str:
        """Store the bytes and return their SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        self.write(name_of(digest, suffix), data)
        return digest

    def put_many(self, items: list[bytes], suffix: str = ".pdf") -> list[str]:
        """Store many files at once; their writes run side by side (fsyncs commit together, requests overlap)."""
        if len(items) < 2:
            return [self.put(data, suffix) for data in items]
        with ThreadPoolExecutor(max_workers=min(16, len(items))) as pool:
            return list(pool.map(lambda data: self.put(data, suffix), items))

    def get(self, sha256: str, suffix: str = ".pdf") -> bytes:
        """Read the bytes stored under the SHA-256 and check they still match it."""
        return _checked(self.read(name_of(sha256, suffix)), sha256)

    def is_empty(self) -> bool:
        """True if nothing is stored."""
        return next(self.names(), None) is None


class FileStore(Store):
    """Files on the local filesystem."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def read(self, name: str) -> bytes:
        """The bytes of the file."""
        return (self.root / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        """Write to a temporary file, fsync, then rename into place: a reader never sees half a file."""
        path = self.root / name
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own: two writers of the same bytes (threads or processes) never share one.
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def names(self) -> Iterator[str]:
        """Every file under the root, temporary ones left out."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and path.suffix != ".tmp":
                yield path.relative_to(self.root).as_posix()

    def describe(self) -> str:
        """The directory."""
        return str(self.root)


class S3Store(Store):
    """Objects in a bucket of S3-compatible storage, under an optional prefix."""

    def __init__(self, settings: Settings) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:  # an optional dependency: pip install congvan[s3]
            raise RuntimeError("CONGVAN_STORAGE=s3 cần gói boto3: pip install 'congvan[s3]'.") from exc
        self.bucket = settings.s3_bucket
        if not self.bucket:
            raise RuntimeError("CONGVAN_STORAGE=s3 cần CONGVAN_S3_BUCKET.")
        self.prefix = settings.s3_prefix.strip("/")
        self.prefix = f"{self.prefix}/" if self.prefix else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=32),
        )

    def read(self, name: str) -> bytes:
        """The object's bytes."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(name) from exc
        return bytes(response["Body"].read())

    def write(self, name: str, data: bytes) -> None:
        """Upload unless the object exists (the same name always holds the same bytes)."""
        key = self.prefix + name
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        digest = hashlib.sha256(data).digest()
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType="application/pdf" if name.endswith(".pdf") else "application/octet-stream",
            # The storage checks the upload arrived whole before it keeps it.
            ChecksumSHA256=base64.b64encode(digest).decode(),
        )

    def names(self) -> Iterator[str]:
        """Every object under the prefix."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]

    def describe(self) -> str:
        """The bucket and prefix."""
        return f"s3://{self.bucket}/{self.prefix}"


def make_store(settings: Settings) -> Store:
    """The store the configuration names (STORAGE: files or s3)."""
    kind = settings.storage
    if kind == "files":
        return FileStore(settings.files_dir)
    if kind == "s3":
        return S3Store(settings)
    raise RuntimeError(f"CONGVAN_STORAGE phải là 'files' hoặc 's3' (không phải {kind!r}).")
