"""Enveloped XML-DSig signatures (RSA-SHA256, exclusive C14N) with signxml: bytes in, bytes out.

An edXML package carries its sender's signature inside `edXMLHeader` (QCVN 102:2016). The signature covers the
whole document (Reference URI=""), the enveloped-signature transform taking itself out. The document marks where
it goes with an empty `<ds:Signature Id="placeholder"/>`, which signxml fills.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from pyhanko.sign.pkcs11 import PKCS11Signer
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    InvalidCertificate,
    InvalidDigest,
    InvalidInput,
    InvalidSignature,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)

from signing.signers import KeySigner, Signer

DS = "http://www.w3.org/2000/09/xmldsig#"
PLACEHOLDER = f'<ds:Signature xmlns:ds="{DS}" Id="placeholder"/>'


@dataclass(frozen=True)
class Check:
    """What a document's XML signature says: `valid`, `invalid` (with why), `absent`, or `unverifiable` (a
    signature in a form no standard verifier reads, such as the national library's unprefixed one)."""

    status: str
    signer: str = ""
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        """The check as plain data, to store and show."""
        return {"status": self.status, "signer": self.signer, "reason": self.reason}


def can_sign(signer: Signer) -> bool:
    """Whether the signer can make the package's RSA-SHA256 signature: an RSA key held here (PKCS#12) or on a
    PKCS#11 token (the key never leaves it)."""
    cert = signer.signing_cert
    return isinstance(signer, KeySigner | PKCS11Signer) and cert is not None and cert.public_key.algorithm == "rsa"


class _KeyOnSigner:
    """The signer's key as signxml calls an RSA key: `sign(data, padding, algorithm)`. signxml asks for PKCS#1
    v1.5 with SHA-256 (the method configured below), which is the signer's own raw RSA signature."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def sign(self, data: bytes, padding: Any, algorithm: Any) -> bytes:
        assert algorithm.name == "sha256" and padding.name == "EMSA-PKCS1-v1_5"
        return bytes(asyncio.run(self._signer.async_sign_raw(data, "sha256")))


def sign(document: bytes, signer: Signer) -> bytes:
    """The document with its placeholder replaced by an enveloped signature over the whole document."""
    assert can_sign(signer) and signer.signing_cert is not None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(document, parser)
    chain = [x509.load_der_x509_certificate(signer.signing_cert.dump())]
    # signxml only calls the key's sign() for an RSA method, so the token's key stands in for one.
    key = signer.private_key if isinstance(signer, KeySigner) else cast(rsa.RSAPrivateKey, _KeyOnSigner(signer))
    signed = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(root, key=key, cert=chain)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def verify(document: bytes, certificate_pem: bytes | None) -> Check:
    """Check a document's enveloped signature against the certificate its sender is known by."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError:
        return Check("invalid", reason="Không đọc được tài liệu XML.")
    if root.find(f".//{{{DS}}}Signature") is None:
        found = any(etree.QName(e).localname == "Signature" for e in root.iter() if isinstance(e.tag, str))
        if found:
            return Check("unverifiable", reason="Chữ ký XML không theo không gian tên XML-DSig chuẩn.")
        return Check("absent", reason="Gói tin không có chữ ký XML.")
    if certificate_pem is None:
        return Check("unverifiable", reason="Chưa có chứng thư số của cơ quan gửi trong danh bạ.")
    try:
        XMLVerifier().verify(
            root,
            x509_cert=certificate_pem.decode(),
            expect_config=SignatureConfiguration(
                require_x509=True,
                location=".//",
                expect_references=1,
                signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
                digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
            ),
        )
    except (InvalidSignature, InvalidDigest) as exc:
        return Check("invalid", reason=f"Chữ ký XML không khớp nội dung gói tin ({type(exc).__name__}).")
    except (InvalidCertificate, InvalidInput) as exc:
        return Check("invalid", reason=f"Chữ ký XML không do chứng thư số của cơ quan gửi tạo ({type(exc).__name__}).")
    subject = x509.load_pem_x509_certificate(certificate_pem).subject.rfc4514_string()
    return Check("valid", signer=subject)
