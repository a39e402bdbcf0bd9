"""Our validator's policy on tampered copies: a changed byte, an appended page, a partial ByteRange."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing import validation
from tests.signing.conftest import leader_signed
from tests.signing.test_pdf import draft
from workflow.documents.render import render


@pytest.fixture(scope="module")
def signed(identities: dict, font: bytes) -> tuple[bytes, list]:
    return leader_signed(identities["leader"], font), identities["roots"]


def _pdfsig(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False, timeout=60).stdout


def test_the_genuine_file_is_valid(signed: tuple[bytes, list], tmp_path: Path) -> None:
    data, roots = signed
    report = validation.report(data, roots)
    assert report.verdict == "valid" and report.signatures[0].coverage == "ENTIRE_FILE"
    assert "Signature is Valid." in _pdfsig(data, tmp_path)


def test_one_changed_byte_is_invalid(signed: tuple[bytes, list], tmp_path: Path) -> None:
    data, roots = signed
    start = data.index(b"stream") + 200  # inside the first page's content, covered by the signature
    tampered = data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1 :]
    report = validation.report(tampered, roots)
    assert report.verdict == "invalid" and not report.signatures[0].intact
    assert any("thay đổi" in p for p in report.signatures[0].problems)
    assert "Signature is Valid." not in _pdfsig(tampered, tmp_path)


def test_a_page_appended_after_signing_is_invalid(signed: tuple[bytes, list], tmp_path: Path) -> None:
    data, roots = signed
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(v) for v in (0, 0, 595, 842)),
            generic.pdf_name("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    report = validation.report(out.getvalue(), roots)
    check = report.signatures[0]
    assert check.intact and check.value_ok  # the signed bytes themselves are untouched ...
    assert report.verdict == "invalid" and check.modification_level not in validation.ALLOWED_AFTER  # ... but not ok
    assert "Signature is Valid." in _pdfsig(out.getvalue(), tmp_path)  # pdfsig alone would not notice


def test_a_byte_range_not_covering_the_file_is_invalid(signed: tuple[bytes, list]) -> None:
    data, roots = signed
    tampered = data + b"\n% appended without a revision\n1 0 obj (x) endobj\n"
    report = validation.report(tampered, roots)
    check = report.signatures[0]
    assert report.verdict == "invalid", check
    assert any("phạm vi được ký" in problem for problem in check.problems)


def test_unsigned_and_bad_byte_ranges(signed: tuple[bytes, list]) -> None:
    data, roots = signed
    assert validation.report(render(draft())[0], roots).verdict == "unsigned"
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert match
    a, b, c, d = (int(x) for x in match.groups())
    shorter = f"/ByteRange [{a} {b} {c} {d - 10}]".encode().ljust(len(match.group(0)))
    tampered = data[: match.start()] + shorter + data[match.end() :]
    assert validation.report(tampered, roots).verdict == "invalid"
