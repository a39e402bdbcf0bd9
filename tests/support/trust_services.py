"""A local RFC 3161 TSA and OCSP responder on 127.0.0.1, with a PKI whose certificates point at them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.general import as_signing_certificate
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from werkzeug.wrappers import Request, Response

from signing import pki, signers
from tests.support.processes import free_port, serve_in_thread


def _der(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _tsa_identity(root: pki.Identity, ocsp_url: str) -> pki.Identity:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    access = x509.AccessDescription(
        x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "congvan Test TSA")]))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.AuthorityInformationAccess([access]), critical=False)
        .sign(root.key, hashes.SHA256())
    )
    return pki.Identity(key, cert)


class _Stamper(DummyTimeStamper):
    """pyHanko's test TSA with its key parsed once (the stock one re-parses it for every timestamp)."""

    def __init__(self, identity: pki.Identity, chain: list[asn1_x509.Certificate]) -> None:
        key_info = asn1_keys.PrivateKeyInfo.load(
            identity.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        super().__init__(tsa_cert=_der(identity.cert), tsa_key=key_info, certs_to_embed=chain)  # type: ignore[arg-type]
        self._key = identity.key

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime) -> tuple[bytes, Any]:
        attributes = asn1_cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "signing_time", "values": [asn1_cms.Time({"utc_time": asn1_core.UTCTime(dt)})]},
                {"type": "signing_certificate", "values": [as_signing_certificate(self.tsa_cert)]},
                {"type": "message_digest", "values": [hashlib.sha256(tst_info_data).digest()]},
            ]
        )
        return self._key.sign(attributes.dump(), padding.PKCS1v15(), hashes.SHA256()), attributes


@dataclass
class TrustServices:
    """The running services, the PKI they serve, and switches and counters for tests."""

    url: str
    root: pki.Identity
    issued: dict[int, x509.Certificate] = field(default_factory=dict)
    tsa_up: bool = True
    ocsp_up: bool = True
    hits: dict[str, int] = field(default_factory=lambda: {"tsa": 0, "ocsp": 0})

    @property
    def tsa_url(self) -> str:
        """Where the TSA answers."""
        return f"{self.url}/tsa"

    @property
    def ocsp_url(self) -> str:
        """Where the OCSP responder answers."""
        return f"{self.url}/ocsp"

    def signer(self, common_name: str, organization: str = "Sở Tài nguyên và Môi trường") -> signers.KeySigner:
        """A software signer whose certificate names this OCSP responder."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = pki.certify(self.root, key.public_key(), common_name, organization, ocsp_url=self.ocsp_url)
        self.issued[cert.serial_number] = cert
        return signers.KeySigner(key, _der(cert), [_der(self.root.cert)])

    def root_pem(self) -> bytes:
        """The root certificate, PEM."""
        return pki.cert_pem(self.root.cert)


@contextmanager
def trust_services() -> Iterator[TrustServices]:
    """Start the TSA and OCSP responder in a thread on 127.0.0.1; stop them afterwards."""
    port = free_port()
    root = pki.make_root("congvan Test Root (TSA, OCSP)", "congvan tests")
    services = TrustServices(url=f"http://127.0.0.1:{port}", root=root)
    tsa = _tsa_identity(root, services.ocsp_url)
    services.issued[tsa.cert.serial_number] = tsa.cert
    stamper = _Stamper(tsa, [_der(root.cert)])

    def app(environ: dict, start_response: object) -> object:
        request = Request(environ)
        if request.path == "/tsa" and request.method == "POST":
            services.hits["tsa"] += 1
            if not services.tsa_up:
                return Response("TSA down", status=503)(environ, start_response)
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(request.get_data()))
            return Response(answer.dump(), mimetype="application/timestamp-reply")(environ, start_response)
        if request.path.startswith("/ocsp") and request.method == "POST":
            services.hits["ocsp"] += 1
            if not services.ocsp_up:
                return Response("OCSP down", status=503)(environ, start_response)
            asked = ocsp.load_der_ocsp_request(request.get_data())
            cert = services.issued.get(asked.serial_number)
            if cert is None:
                reply = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
            else:
                now = dt.datetime.now(dt.UTC)
                reply = (
                    ocsp.OCSPResponseBuilder()
                    .add_response(
                        cert=cert,
                        issuer=root.cert,
                        algorithm=asked.hash_algorithm,
                        cert_status=ocsp.OCSPCertStatus.GOOD,
                        this_update=now - dt.timedelta(minutes=1),
                        next_update=now + dt.timedelta(days=1),
                        revocation_time=None,
                        revocation_reason=None,
                    )
                    .responder_id(ocsp.OCSPResponderEncoding.HASH, root.cert)
                    .sign(root.key, hashes.SHA256())
                )
            body = reply.public_bytes(serialization.Encoding.DER)
            return Response(body, mimetype="application/ocsp-response")(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    with serve_in_thread(app, port):
        yield services
