"""A leader's key on a PKCS#11 token for the demo (SoftHSM2 when installed): made on the token, never leaving it,
certified by the demo root."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signing import pki


def add_signing_key(
    module: str, token_label: str, pin: str, key_label: str, ca: pki.Identity, name: str, organization: str
) -> x509.Certificate:
    """Generate a non-extractable RSA-2048 key on a PKCS#11 token and store its certificate (and the CA's) next
    to it, under `key_label`: what a leader's signer_ref names."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    key_id = key_label.encode()
    token = pkcs11.lib(module).get_token(token_label=token_label)
    try:
        opened = token.open(rw=True, user_pin=pin)
    except pkcs11.exceptions.UserAlreadyLoggedIn:
        # A login is the application's, shared by its sessions: this process's signer logged in already.
        opened = token.open(rw=True)
    with opened as session:
        public, _private = session.generate_keypair(
            KeyType.RSA,
            2048,
            label=key_label,
            id=key_id,
            store=True,
            private_template={Attribute.EXTRACTABLE: False, Attribute.SENSITIVE: True},
        )
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"), int.from_bytes(public[Attribute.MODULUS], "big")
        )
        cert = pki.certify(ca, numbers.public_key(), name, organization)
        for label, obj_id, certificate in ((key_label, key_id, cert), (f"{key_label}-ca", b"ca", ca.cert)):
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: obj_id,
                    Attribute.SUBJECT: certificate.subject.public_bytes(),
                    Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                }
            )
    return cert
