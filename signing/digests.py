"""Phase 2 in pieces: what the key signs for each prepared document, and its CMS once the raw signature is back.

A local key answers at once (signing.pdf.sign_digests puts the pieces together in one call); a remote
service such as SmartCA answers minutes later, after the leader approves on the phone, so the job sends
the hashes, keeps the prepared files, and assembles each CMS when its signature arrives.
"""

from __future__ import annotations

import asyncio
import hashlib
import os

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from signing.timestamps import tsa_down


class CmsTemplate:
    """One CMS SignedData encoded once; each document's is the same bytes with its digest and signature.

    The message digest (32 bytes) and the signature value sit at fixed offsets of the DER, and an
    RSA signature always has the key's length, so both are spliced in without re-encoding anything.
    """

    def __init__(self, template: asn1_cms.ContentInfo, digest: bytes, key_bits: int) -> None:
        info = template["content"]["signer_infos"][0]
        self.length = key_bits // 8  # an RSA signature has the modulus length (dry runs may say otherwise)
        marker = os.urandom(self.length)  # a signature value that occurs nowhere else in the DER
        info["signature"] = marker
        self.der = template.dump()  # re-encodes only what changed: the signer info
        attrs = info["signed_attrs"].dump()
        self.attrs = b"\x31" + attrs[1:]  # signed as a SET OF, stored with the [0] tag
        self.digest_at = attrs.index(digest)
        self.attrs_at = self.der.index(attrs)
        self.signature_at = self.der.index(marker)

    def signed_attrs(self, digest: bytes) -> bytes:
        """The DER of the signed attributes for a document digest: what the key signs."""
        at = self.digest_at
        return self.attrs[:at] + digest + self.attrs[at + len(digest) :]

    def hash_to_sign(self, digest: bytes) -> bytes:
        """What a remote service is sent for a document: SHA-256 of its signed attributes, 32 bytes, no DigestInfo."""
        return hashlib.sha256(self.signed_attrs(digest)).digest()

    def cms(self, digest: bytes, value: bytes) -> bytes:
        """The document's CMS: the template with its digest and its signature value."""
        if len(value) != self.length:  # ECDSA: the DER signature's length varies, encode this one fully
            container = asn1_cms.ContentInfo.load(self.der)
            info = container["content"]["signer_infos"][0]
            info["signature"] = value
            for attribute in info["signed_attrs"]:
                if attribute["type"].native == "message_digest":
                    attribute["values"] = [digest]
            return container.dump(force=True)
        at, sig = self.attrs_at + self.digest_at, self.signature_at
        return self.der[:at] + digest + self.der[at + len(digest) : sig] + value + self.der[sig + self.length :]


async def async_template(signer: Signer, digest: bytes) -> CmsTemplate:
    """The batch's CMS template, built by pyHanko in a dry run (the key is not used)."""
    template = await signer.async_sign(
        digest, "sha256", dry_run=True, use_pades=True, signed_attr_settings=PdfCMSSignedAttributes()
    )
    cert = signer.signing_cert
    assert cert is not None
    return CmsTemplate(template, digest, cert.public_key.bit_size)


def template(signer: Signer, digest: bytes) -> CmsTemplate:
    """async_template for callers outside an event loop."""
    return asyncio.run(async_template(signer, digest))


async def async_assemble(
    template: CmsTemplate, document_digests: list[bytes], values: list[bytes], timestamper: TimeStamper | None
) -> list[bytes]:
    """Each document's CMS from its raw signature, with a signature timestamp when a TSA is given (B-T).

    The timestamps are requested concurrently (the client runs each request in a thread).
    """
    signed = [template.cms(d, v) for d, v in zip(document_digests, values, strict=True)]
    if timestamper is None:
        return signed
    tokens = await asyncio.gather(*(timestamper.async_timestamp(hashlib.sha256(v).digest(), "sha256") for v in values))
    stamped = []
    for der, token in zip(signed, tokens, strict=True):
        container = asn1_cms.ContentInfo.load(der)
        container["content"]["signer_infos"][0]["unsigned_attrs"] = asn1_cms.CMSAttributes(
            [{"type": "signature_time_stamp_token", "values": [token]}]
        )
        stamped.append(container.dump())
    return stamped


def assemble(
    template: CmsTemplate, document_digests: list[bytes], values: list[bytes], timestamper: TimeStamper | None
) -> list[bytes]:
    """async_assemble for callers outside an event loop; an unreachable TSA is a SigningError."""
    try:
        return asyncio.run(async_assemble(template, document_digests, values, timestamper))
    except TimestampRequestError as exc:
        raise tsa_down() from exc


def signature_holds(certificate: asn1_x509.Certificate, signed_attrs: bytes, value: bytes) -> bool:
    """True when `value` is the certificate's key's SHA-256 signature (PKCS#1 v1.5 or ECDSA) of the attributes."""
    key = serialization.load_der_public_key(certificate.public_key.dump())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed_attrs, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, signed_attrs, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True
