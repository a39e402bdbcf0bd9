"""Hostile PDF files, made by the tests (nothing of the kind is kept in the repository)."""

from __future__ import annotations

import zlib

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def build(objects: list[bytes], *, header: bytes = b"%PDF-1.7\n", startxref: int | None = None) -> bytes:
    """A classic PDF of the given objects (numbered from 1; object 1 the catalog) with a correct xref."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % (xref if startxref is None else startxref)
    return bytes(out)


def root_number() -> bytes:
    """A trailer whose /Root is a number, not a reference (found by the fuzzer: pyHanko fails an attribute lookup)."""
    return plain().replace(b"/Root 1 0 R >>", b"/Root 1 >>    ", 1)


def plain() -> bytes:
    """A harmless one-page PDF."""
    return build([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE])


def bomb(inflated: int = 300 * 1024 * 1024) -> bytes:
    """A page whose content stream is a few hundred kilobytes that inflate to `inflated` bytes of zeros."""
    packer = zlib.compressobj(9)
    zeros = bytes(1 << 20)
    packed = b"".join(packer.compress(zeros) for _ in range(inflated >> 20)) + packer.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    return build([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, stream])


def many_objects(count: int) -> bytes:
    """A one-page PDF carrying `count` more objects."""
    head = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE]
    return build(head + [b"null"] * count)


def deep(depth: int = 100_000) -> bytes:
    """A catalog holding an array nested `depth` levels deep."""
    nested = b"[" * depth + b"]" * depth
    return build(
        [b"<< /Type /Catalog /Pages 2 0 R /Deep " + nested + b" >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE]
    )


def page_loop() -> bytes:
    """A page tree whose node lists itself among its kids."""
    return build([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", PAGE])


def xref_past_end() -> bytes:
    """startxref pointing beyond the end of the file."""
    return build(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE], startxref=10**9
    )


def polyglot() -> bytes:
    """A file that is a PDF and a web page at once."""
    return build(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE],
        header=b"%PDF-1.7\n%<html><script>alert(document.cookie)</script>\n",
    )


def text_bomb(inflated: int = 8 * 1024 * 1024) -> bytes:
    """A one-page PDF of about 25 KB whose content stream inflates to `inflated` bytes of text drawing."""
    line = b"BT /F1 9 Tf 72 720 Td (So: /STNMT-VP ngay thang nam) Tj ET\n"
    content = zlib.compress(line * (inflated // len(line)), 9)
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def huge_page(points: int = 14400) -> bytes:
    """A one-page PDF of a few hundred bytes whose page is `points` on a side (14,400 pt: 5 m)."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] >>" % (points, points),
        ]
    )
