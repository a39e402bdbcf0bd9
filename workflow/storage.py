"""Content-addressed storage of PDFs: written once under their SHA-256, checked when read."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from workflow.errors import Corrupted


class FileStore:
    """Files on the local filesystem, named by SHA-256, never overwritten."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, sha256: str, suffix: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def put(self, data: bytes, suffix: str = ".pdf") -> str:
        """Store the bytes and return their SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest, suffix)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        return digest

    def put_many(self, items: list[bytes], suffix: str = ".pdf") -> list[str]:
        """Store many files at once; their fsyncs run concurrently so the filesystem commits them together."""
        if len(items) < 2:
            return [self.put(data, suffix) for data in items]
        with ThreadPoolExecutor(max_workers=min(16, len(items))) as pool:
            return list(pool.map(lambda data: self.put(data, suffix), items))

    def get(self, sha256: str, suffix: str = ".pdf") -> bytes:
        """Read the bytes stored under the SHA-256 and check they still match it."""
        data = self._path(sha256, suffix).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise Corrupted("file_corrupted", "Tệp lưu trữ không khớp mã băm SHA-256 đã ghi nhận.")
        return data
