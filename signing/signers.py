"""Signer backends: the key material behind a signature, behind one interface."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.errors import SigningError

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class KeySigner(SimpleSigner):
    """A software key, parsed once and kept, so each signature costs one RSA/ECDSA operation."""

    def __init__(
        self,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        cert: asn1_x509.Certificate,
        chain: list[asn1_x509.Certificate],
    ) -> None:
        super().__init__(
            signing_cert=cert,
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
        )
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        algorithm = _HASHES[digest_algorithm.lower()]
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), algorithm)
        return self._key.sign(data, ec.ECDSA(algorithm))


def load_pkcs12(data: bytes, passphrase: bytes | None) -> KeySigner:
    """Open a PKCS#12 archive and return a signer that keeps its key parsed."""
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as exc:
        raise SigningError("key_unreadable", "Không mở được tệp khóa ký (PKCS#12).") from exc
    if key is None or cert is None:
        raise SigningError("key_unreadable", "Tệp PKCS#12 không có khóa hoặc chứng thư.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError("key_unsupported", "Loại khóa không được hỗ trợ (chỉ RSA, ECDSA).")
    chain = [translate_pyca_cryptography_cert_to_asn1(c) for c in others or []]
    return KeySigner(key, translate_pyca_cryptography_cert_to_asn1(cert), chain)
