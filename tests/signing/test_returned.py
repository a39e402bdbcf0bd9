"""A file signed on the leader's PC comes back: taken only if it is the served file plus one signature by the
registered certificate, covering it; each other case refused and named."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing import pdf, returned
from signing.errors import SigningError
from tests.signing.test_pdf import NOW, draft
from workflow.documents.render import render


@pytest.fixture(scope="module")
def served() -> bytes:
    """The prepared công văn congvan hands to the leader's signing tool."""
    data, layout = render(draft())
    return pdf.prepare(data, layout)


def _signed(served: bytes, key: Any, font: bytes) -> bytes:
    return pdf.sign_leader(
        served,
        key,
        signer_name="Hoàng Văn Minh",
        position="KT. GIÁM ĐỐC, PHÓ GIÁM ĐỐC",
        agency="Sở Tài nguyên và Môi trường",
        moment=NOW,
        font=font,
    )


def _another_revision(data: bytes) -> bytes:
    """The file with one more revision that changes the document's catalogue, and signs nothing."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_served_file_plus_one_signature_is_taken(served: bytes, identities: dict[str, Any], font: bytes) -> None:
    leader = identities["leader"]
    back = _signed(served, leader, font)
    found = returned.check_returned(served, back, leader.signing_cert.dump(), identities["roots"])
    assert (found.field, found.signer, found.check.ok) == ("chu_ky_lanh_dao", "Hoàng Văn Minh", True)


def test_everything_else_is_refused_and_named(served: bytes, identities: dict[str, Any], font: bytes) -> None:
    leader, agency = identities["leader"], identities["agency"]
    good = _signed(served, leader, font)
    cases = {
        "the served part changed": (good.replace(b"/Count 1", b"/Count 2", 1), "not_the_served_file"),
        "nothing added": (served, "not_the_served_file"),
        "another key": (_signed(served, agency, font), "wrong_signer"),
        "a change after the signature": (_another_revision(good), "not_one_revision"),
        "a revision without a signature": (_another_revision(served), "not_one_signature"),
        "junk appended": (served + b"\n% junk\n", "not_one_revision"),
        "far too much appended": (served + bytes(returned.MOST_ADDED + 1), "too_much_added"),
    }
    for case, (back, code) in cases.items():
        with pytest.raises(SigningError) as refused:
            returned.check_returned(served, back, leader.signing_cert.dump(), identities["roots"])
        assert refused.value.code == code, case
        assert "không được nhận" in refused.value.message, case
