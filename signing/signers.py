"""Signer backends: the key material behind a signature, behind one interface."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers.pdf_cms import ExternalSigner, Signer, SimpleSigner
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

    @property
    def private_key(self) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
        """The key itself, for signatures pyHanko does not make (an edXML package's XML signature)."""
        return self._key

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
        raise SigningError(
            "key_unreadable",
            "Không mở được tệp khóa ký (PKCS#12): mật khẩu bảo vệ khóa sai hoặc chưa được cung cấp, hoặc tệp bị hỏng.",
        ) from exc
    if key is None or cert is None:
        raise SigningError("key_unreadable", "Tệp PKCS#12 không có khóa hoặc chứng thư.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError("key_unsupported", "Loại khóa không được hỗ trợ (chỉ RSA, ECDSA).")
    chain = [translate_pyca_cryptography_cert_to_asn1(c) for c in others or []]
    return KeySigner(key, translate_pyca_cryptography_cert_to_asn1(cert), chain)


def open_pkcs11(module: str, token_label: str, pin: str, key_label: str) -> PKCS11Signer:
    """Open a session on a PKCS#11 token (HSM, USB token, SoftHSM2) and sign with the labelled key.

    The key never leaves the token; the certificate is read from the token under the same label, and
    every other certificate on the token is taken as the chain.
    """
    import pkcs11

    if not module:
        raise SigningError(
            "pkcs11_not_configured",
            "Khóa ký của người ký nằm trên thiết bị ký số (PKCS#11) nhưng hệ thống chưa được kết nối với thiết bị "
            "đó; hãy báo quản trị viên.",
        )
    criteria = TokenCriteria(label=token_label)
    try:
        try:
            session = open_pkcs11_session(module, token_criteria=criteria, user_pin=pin)
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            # PKCS#11 logs the application in, not the session: a second leader's key on the same token, in the
            # same process, uses the login the first one made.
            session = open_pkcs11_session(module, token_criteria=criteria)
        signer = PKCS11Signer(session, key_label=key_label, cert_label=key_label, other_certs_to_pull=None)
        _ = signer.signing_cert  # fail here, not in the middle of a batch, when the label is wrong
    except (pkcs11.PKCS11Error, PyHankoSigningError, OSError, ValueError) as exc:
        raise SigningError(
            "pkcs11_unavailable",
            "Không mở được khóa ký trên thiết bị ký số (PKCS#11): thiết bị chưa cắm, sai mã PIN hoặc không có khóa "
            "mang nhãn đã cấu hình; hãy báo quản trị viên.",
        ) from exc
    return signer


def certificate_only(certificates: tuple[bytes, ...]) -> Signer:
    """A signer that knows the certificate and chain but holds no key: enough to prepare (phase 1)."""
    certs = [asn1_x509.Certificate.load(der) for der in certificates]
    return ExternalSigner(
        signing_cert=certs[0],
        cert_registry=SimpleCertificateStore.from_certs(certs),
        signature_value=bytes(certs[0].public_key.bit_size // 8),
    )


__all__ = ["KeySigner", "Signer", "certificate_only", "load_pkcs12", "open_pkcs11"]
