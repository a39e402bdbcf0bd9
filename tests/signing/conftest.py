"""Fixtures of the signing adapter's tests: a test PKI with a leader and an agency key, the prepared font."""

from __future__ import annotations

from typing import Any

import pytest

from congvan.demo import seal_png
from signing import appearance, issuance, pdf, pki, signers, validation
from tests.signing.test_pdf import NOW, draft
from workflow.documents.render import render


@pytest.fixture(scope="session")
def identities() -> dict[str, object]:
    """A root, the leader's and the agency's signers, and the root as a trust list."""
    root = pki.make_root("Test Root", "congvan tests")
    leader = pki.issue_signing_cert(root, "Hoàng Văn Minh", "Sở Tài nguyên và Môi trường")
    agency = pki.issue_signing_cert(root, "Sở Tài nguyên và Môi trường", "Sở Tài nguyên và Môi trường")
    return {
        "root": root,
        "leader": signers.load_pkcs12(pki.to_pkcs12(leader, [root.cert], b"pw", "l"), b"pw"),
        "agency": signers.load_pkcs12(pki.to_pkcs12(agency, [root.cert], b"pw", "a"), b"pw"),
        "roots": validation.load_certs(pki.cert_pem(root.cert)),
    }


@pytest.fixture(scope="session")
def font() -> bytes:
    """The prepared Vietnamese font."""
    return appearance.prepare_font(appearance.find_serif_font())


def leader_signed(key: signers.Signer, font: bytes, **extra: Any) -> bytes:
    """The sample công văn rendered, prepared and signed by the deputy director (KT. GIÁM ĐỐC)."""
    data, layout = render(draft())
    return pdf.sign_leader(
        pdf.prepare(data, layout),
        key,
        signer_name="Hoàng Văn Minh",
        position="KT. GIÁM ĐỐC, Phó Giám đốc",
        agency="Sở Tài nguyên và Môi trường",
        moment=NOW,
        font=font,
        **extra,
    )


def signed_and_issued(identities: dict[str, Any], font: bytes, signature: bytes) -> tuple[bytes, bytes]:
    """The sample công văn signed by its leader with this signature image, then issued with a 36-mm seal."""
    signed = leader_signed(identities["leader"], font, image=signature)
    done = issuance.issue(
        signed,
        identities["agency"],
        number_text="07/STNMT-VP",
        date_text="Tuyên Quang, ngày 22 tháng 11 năm 2026",
        agency="Sở Tài nguyên và Môi trường",
        moment=NOW,
        font=font,
        seal=seal_png("Sở Tài nguyên và Môi trường", "UBND tỉnh Tuyên Quang"),
        seal_mm=36.0,
        leader_image=signature,
    )
    return signed, done
