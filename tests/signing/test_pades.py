"""PAdES levels B-T, B-LT and B-LTA against a real local TSA and OCSP responder; validated offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from congvan.demo import seal_png, signature_png
from signing import issuance, pdf, timestamps, validation
from signing.errors import SigningError
from tests.signing.conftest import leader_signed
from tests.signing.test_pdf import NOW, draft
from tests.support.trust_services import TrustServices
from workflow.documents.render import render


@pytest.fixture(autouse=True)
def _services_up(trust: TrustServices) -> None:
    trust.tsa_up = trust.ocsp_up = True


def _pades(trust: TrustServices, level: str) -> pdf.Pades:
    roots = tuple(validation.load_certs(trust.root_pem()))
    return pdf.Pades(level=level, timestamper=timestamps.http_timestamper(trust.tsa_url), trust_roots=roots)


def _leader_signed(trust: TrustServices, font: bytes, level: str) -> bytes:
    key = trust.signer("Hoàng Văn Minh")
    return leader_signed(key, font, image=signature_png("Hoàng Văn Minh"), pades=_pades(trust, level))


def _pdfsig_agrees(data: bytes, report: validation.Report, tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False, timeout=60).stdout
    # pdfsig checks regular signatures only; it lists document timestamps as "not yet verified".
    assert out.count("Signature is Valid.") == len(report.signatures), out
    assert "Signature is Invalid" not in out


def test_b_t_has_a_trusted_signature_timestamp(trust: TrustServices, font: bytes, tmp_path: Path) -> None:
    before = trust.hits["tsa"]
    signed = _leader_signed(trust, font, "B-T")
    assert trust.hits["tsa"] == before + 1
    report = validation.report(signed, validation.load_certs(trust.root_pem()))
    (check,) = report.signatures
    assert check.ok and check.level == "B-T" and check.timestamp_ok, check
    assert check.timestamp is not None and check.timestamp[:10] == check.signing_time[:10]  # type: ignore[index]
    _pdfsig_agrees(signed, report, tmp_path)


def test_b_lt_validates_offline_with_embedded_revocation_data(
    trust: TrustServices, font: bytes, tmp_path: Path
) -> None:
    roots = validation.load_certs(trust.root_pem())
    long_term = _leader_signed(trust, font, "B-LT")
    plain = _leader_signed(trust, font, "B-T")
    trust.ocsp_up = trust.tsa_up = False  # offline from here on: only what the files carry
    (check,) = validation.report(long_term, roots, require_revocation=True).signatures
    assert check.ok and check.level == "B-LT", check
    (without,) = validation.report(plain, roots, require_revocation=True).signatures
    assert not without.trusted  # without embedded OCSP responses, revocation cannot be checked offline
    _pdfsig_agrees(long_term, validation.report(long_term, roots), tmp_path)


def test_b_lta_adds_a_document_timestamp_and_survives_issuance(
    trust: TrustServices, font: bytes, tmp_path: Path
) -> None:
    roots = validation.load_certs(trust.root_pem())
    signed = _leader_signed(trust, font, "B-LTA")
    report = validation.report(signed, roots, require_revocation=True)
    assert report.signatures[0].level == "B-LTA" and report.signatures[0].ok
    assert len(report.timestamps) == 1 and report.timestamps[0].trusted
    issued = issuance.issue(
        signed,
        trust.signer("Sở Tài nguyên và Môi trường"),
        number_text="07/STNMT-VP",
        date_text="Tuyên Quang, ngày 22 tháng 11 năm 2026",
        agency="Sở Tài nguyên và Môi trường",
        moment=NOW,
        font=font,
        seal=seal_png("Sở Tài nguyên và Môi trường", "UBND tỉnh Tuyên Quang"),
        pades=_pades(trust, "B-LTA"),
    )
    trust.ocsp_up = trust.tsa_up = False
    report = validation.report(issued, roots, require_revocation=True)
    leader, agency = report.signatures
    assert leader.ok and leader.modification_level == "FORM_FILLING" and leader.level == "B-LTA", leader
    assert agency.ok and agency.modification_level == "LTA_UPDATES" and agency.level == "B-LTA", agency
    assert report.verdict == "valid" and len(report.timestamps) == 2
    _pdfsig_agrees(issued, report, tmp_path)


def test_tsa_down_is_an_error_not_a_weaker_signature(trust: TrustServices, font: bytes) -> None:
    trust.tsa_up = False
    with pytest.raises(SigningError) as down:
        _leader_signed(trust, font, "B-T")
    assert down.value.code == "tsa_unavailable"
    nothing = pdf.Pades(level="B-T", timestamper=timestamps.http_timestamper("http://127.0.0.1:9/tsa", timeout=2))
    data, layout = render(draft())
    with pytest.raises(SigningError) as refused:
        pdf.sign_leader(
            pdf.prepare(data, layout),
            trust.signer("Hoàng Văn Minh"),
            signer_name="x",
            position="p",
            agency="a",
            moment=NOW,
            font=font,
            pades=nothing,
        )
    assert refused.value.code == "tsa_unavailable"


def test_a_deferred_document_timestamp_raises_b_b_to_b_t(trust: TrustServices, font: bytes) -> None:
    roots = validation.load_certs(trust.root_pem())
    plain = _leader_signed(trust, font, "B-B")
    assert validation.report(plain, roots).signatures[0].level == "B-B"
    stamped = pdf.add_document_timestamp(plain, timestamps.http_timestamper(trust.tsa_url))
    report = validation.report(stamped, roots)
    assert report.signatures[0].level == "B-T" and report.signatures[0].ok
    assert report.signatures[0].modification_level in ("NONE", "LTA_UPDATES")
    assert report.timestamps[0].trusted
