"""The files an edXML package carries, decoded the way the national library decodes them: lenient base64, a ZIP
the sender's builder made found by its signature and opened within a bound, a safe file name, a content type."""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
import re
import zipfile
from dataclasses import dataclass

MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # one attachment's first ZIP entry, decompressed


@dataclass(frozen=True)
class Bounds:
    """How much a package's files may be once decoded: how many, and their unpacked bytes in all (a package of
    64 MB can hold hundreds of zipped files that each unzip to the per-file cap)."""

    max_files: int = 100
    max_unpacked_bytes: int = 256 * 1024 * 1024


class EdxmlError(Exception):
    """A package that cannot be accepted, with a stable code and a Vietnamese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_BASE64_KEEP = re.compile(rb"[^A-Za-z0-9+/\-_]")


def lenient_base64(text: str) -> bytes:
    """Decode base64 as the national library does (commons-codec): everything outside the alphabet skipped,
    the URL-safe letters accepted, decoding stopped at the first padding, a trailing partial group used."""
    raw = text.encode("ascii", "ignore").split(b"=", 1)[0]
    kept = _BASE64_KEEP.sub(b"", raw).replace(b"-", b"+").replace(b"_", b"/")
    whole = len(kept) - len(kept) % 4
    tail = kept[whole:]
    try:
        decoded = base64.b64decode(kept[:whole], validate=True)
        if len(tail) >= 2:
            decoded += base64.b64decode(tail + b"=" * (4 - len(tail)))[: len(tail) - 1]
    except (binascii.Error, ValueError) as exc:
        raise EdxmlError("edxml_attachment", "Tệp đính kèm không giải mã được (base64).") from exc
    return decoded


# Files that are ZIP archives by their nature: sent as they are, never unzipped.
ZIP_KINDS = (".zip", ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".odt", ".ods", ".odp", ".epub")


def safe_name(name: str) -> str:
    """A file name with no folders, no control characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip().lstrip(".")
    return name[:200]


def zipped(name: str, data: bytes) -> bool:
    """Whether a file came zipped by the sender's builder (found by the ZIP signature, whatever the labels say),
    and is not a ZIP by its own kind (.zip, .docx, …), which is kept as it is."""
    return data.startswith(b"PK\x03\x04") and not name.lower().endswith(ZIP_KINDS)


def unpacked_size(data: bytes) -> int:
    """What a zipped file declares it unzips to (zipfile never yields more than declared), without unzipping."""
    with _archive(data) as archive:
        return _first(archive).file_size


def first_entry(data: bytes) -> bytes:
    """The first file of a ZIP archive, decompressed within MAX_UNZIPPED_BYTES (a bomb is refused)."""
    try:
        with _archive(data) as archive:
            first = _first(archive)
            with archive.open(first) as entry:
                content = entry.read(MAX_UNZIPPED_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise EdxmlError("edxml_attachment", "Tệp nén đính kèm bị hỏng.") from exc
    if len(content) > MAX_UNZIPPED_BYTES:
        raise EdxmlError("edxml_zip_bomb", "Tệp nén đính kèm giải nén ra quá lớn.")
    return content


def _archive(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise EdxmlError("edxml_attachment", "Tệp nén đính kèm bị hỏng.") from exc


def _first(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if not entries:
        raise EdxmlError("edxml_attachment", "Tệp nén đính kèm không chứa tệp nào.")
    first = entries[0]
    if _walks_out(first.filename):
        # A name no builder writes (zip-slip): whoever made it meant the receiver to write outside.
        raise EdxmlError("edxml_zip_slip", "Tệp nén đính kèm có tên đường dẫn ra ngoài thư mục (../).")
    if first.file_size > MAX_UNZIPPED_BYTES:
        raise EdxmlError("edxml_zip_bomb", "Tệp nén đính kèm giải nén ra quá lớn.")
    return first


def _walks_out(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".txt": "text/plain",
}


def content_type_of(name: str, data: bytes) -> str:
    """A file's type by what it is (a PDF is a PDF whatever its name), else by its name."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
