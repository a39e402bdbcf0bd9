"""A real PKCS#11 token for tests: SoftHSM2 initialised in a temporary directory, keys made on it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signing import pki

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


@dataclass(frozen=True)
class Token:
    """Where a test token lives and how to log in to it."""

    module: str
    label: str
    pin: str


def softhsm_token(workdir: Path, label: str = "congvan-test", pin: str = "246810") -> Token:
    """Initialise a SoftHSM2 token; SOFTHSM2_CONF is set for this process before the library loads."""
    module = next((m for m in MODULES if Path(m).exists()), None)
    assert module, "SoftHSM2 is not installed (scripts/system-packages test installs softhsm2)"
    tokens = workdir / "tokens"
    tokens.mkdir(parents=True)
    conf = workdir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "13579", "--pin", pin],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return Token(module=module, label=label, pin=pin)


def add_signing_key(token: Token, key_label: str, ca: pki.Identity, name: str, organization: str) -> x509.Certificate:
    """Generate a non-extractable RSA-2048 key on the token and store its certificate (and the CA's) next to it."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    key_id = key_label.encode()
    with pkcs11.lib(token.module).get_token(token_label=token.label).open(rw=True, user_pin=token.pin) as session:
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
