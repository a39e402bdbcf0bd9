"""Another agency (Sở Nội vụ) as the tests play it: its own CA and agency key, pinned in the app's directory;
and how its messages reach the app, as the scheduler takes them from the national exchange."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from routing.exchange import directory, edxml, edxml_build, inbound
from routing.models import Delivery
from signing import pki, signers, xmldsig
from tests.routing.exchange.test_edxml import sample
from tests.support.api import Api
from workflow.models import Agency, Document

SNV, STNMT = "000.00.09.H57", "000.00.12.H57"
VN = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Foreign:
    """Another agency as the test plays it: its signer, and another key of its CA that is not the agency's."""

    signer: signers.Signer
    other_signer: signers.Signer


def _identity(root: pki.Identity, name: str) -> signers.Signer:
    identity = pki.issue_signing_cert(root, name, "Sở Nội vụ tỉnh Tuyên Quang")
    return signers.load_pkcs12(pki.to_pkcs12(identity, [root.cert], b"x", "snv"), b"x")


@pytest.fixture(scope="module")
def foreign_ca() -> tuple[pki.Identity, signers.Signer, signers.Signer]:
    root = pki.make_root("CA của Sở Nội vụ (thử)", "Sở Nội vụ")
    return root, _identity(root, "Sở Nội vụ tỉnh Tuyên Quang"), _identity(root, "Người khác")


@pytest.fixture
def foreign(app: Flask, foreign_ca: tuple[pki.Identity, signers.Signer, signers.Signer]) -> Foreign:
    root, signer, other = foreign_ca
    rt = app.extensions["congvan"]
    assert signer.signing_cert is not None
    pem = (pki.cert_pem(cert_of(signer)) + pki.cert_pem(root.cert)).decode()
    with rt.sessions() as session, session.begin():
        directory.add_peer(session, SNV, "Sở Nội vụ tỉnh Tuyên Quang", pem)
    return Foreign(signer, other)


def cert_of(signer: signers.Signer) -> Any:
    from cryptography import x509

    assert signer.signing_cert is not None
    return x509.load_der_x509_certificate(signer.signing_cert.dump())


def arrive(app: Flask, body: bytes, *, message_id: str | None = None, sender: str = SNV) -> dict[str, Any]:
    """Hand the app a message as its scheduler takes one from the national exchange (getEdoc, then apply);
    `sender` is the organ the exchange authenticated. A refusal comes back as {"error": {code, message}}."""
    return inbound.take(app.extensions["congvan"], message_id or uuid.uuid4().hex, sender, body)


def package_from_snv(pdf: bytes, signer: signers.Signer | None = None, **changes: Any) -> bytes:
    """A package Sở Nội vụ sends us, carrying the given PDF (its DocumentId made from its code and date), with
    its XML signature when a signer is given."""
    base = sample()
    fields = {
        "sender": edxml.Organ(SNV, "Sở Nội vụ tỉnh Tuyên Quang"),
        "recipients": (edxml.Organ(STNMT, "Sở Tài nguyên và Môi trường"),),
        "code_notation": "SNV-TCBC",
        "code_number": "12",
        "attachments": (edxml.Attachment("12-SNV-TCBC.pdf", pdf, description="Văn bản"),),
    } | changes
    if isinstance(fields["code_number"], int):
        fields["code_number"] = f"{fields['code_number']:02d}"
    if "document_id" not in changes:
        day = edxml.parse_day(str(fields.get("promulgation_date", base.promulgation_date)))
        assert day is not None
        sender = fields["sender"].organ_id
        fields["document_id"] = edxml.document_id(sender, day, fields["code_number"], fields["code_notation"])
    package = dataclasses.replace(base, **fields)
    if signer is None:
        return edxml_build.build(package)
    return xmldsig.sign(edxml_build.build(package, signature_place=True), signer)


@pytest.fixture
def signed_pdf(api: Api) -> bytes:
    """A PDF with valid signatures trusted by this instance (one of its own issued documents)."""
    doc = api.draft(kinh_gui=["Các phòng, đơn vị trực thuộc Sở"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    return bytes(api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/pdf").data)


def delivery_to_snv(app: Flask, document_id: int, key: str) -> int:
    """A delivery of one of our documents to Sở Nội vụ that reached it under DocumentId `key`, for its statuses."""
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        snv = session.scalar(select(Agency).where(Agency.code == SNV))
        assert snv is not None and session.get(Document, document_id) is not None
        delivery = Delivery(
            document_id=document_id,
            kind="agency",
            agency_id=snv.id,
            label="Sở Nội vụ",
            purpose="action",
            channel="edxml",
            transport="delivered",
            exchange_id=key,
        )
        session.add(delivery)
        session.flush()
        return delivery.id
