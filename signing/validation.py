"""Validation of the signatures in a PDF with pyHanko, reported as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signing.pdf import _reader


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of validating one signature."""

    field: str
    signer: str
    intact: bool
    valid: bool
    trusted: bool
    coverage: str
    modification_level: str | None
    signing_time: str | None

    @property
    def ok(self) -> bool:
        """True when the signature is intact, valid, trusted and nothing beyond form filling followed."""
        return self.intact and self.valid and self.trusted and self.modification_level in ("NONE", "FORM_FILLING")


def load_certs(pem_bytes: bytes) -> list[asn1_x509.Certificate]:
    """Parse one or more PEM certificates."""
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(pem_bytes, multiple=True)]


def validate(data: bytes, trust_roots: list[asn1_x509.Certificate]) -> list[SignatureCheck]:
    """Validate every signature in the PDF against the given trust roots."""
    reader: PdfFileReader = _reader(data)
    checks = []
    for embedded in reader.embedded_signatures:
        context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
        status = validate_pdf_signature(embedded, signer_validation_context=context)
        level = status.modification_level
        checks.append(
            SignatureCheck(
                field=embedded.field_name,
                signer=str(status.signing_cert.subject.native.get("common_name", "")),
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                coverage=status.coverage.name if status.coverage else "UNKNOWN",
                modification_level=level.name if level is not None else None,
                signing_time=status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
            )
        )
    return checks


__all__ = ["SignatureCheck", "load_certs", "validate"]
