"""The exchange endpoint of one instance: what it accepts, what it refuses, duplicates and old statuses."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from routing import edxml, exchange, transport
from routing.models import Delivery, ExchangeMessage, IncomingDocument
from signing import pki, signers
from tests.conftest import Api, build_app
from tests.routing.foreign import SNV, STNMT, VN, Foreign, cert_of, package_from_snv, post
from workflow import config as config_module
from workflow.models import Agency, Document


def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.extensions["congvan"].readers() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_valid_package_is_received_once_and_answered_01(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    body = package_from_snv(signed_pdf)
    message_id = uuid.uuid4().hex
    status, answer = post(app, body, foreign.signer, message_id=message_id)
    assert status == 200, answer
    assert answer["result"] == "received" and answer["status"] == "01" and not answer["duplicate"]
    # The same message again (the sender did not see our answer): no second document.
    status, again = post(app, body, foreign.signer, message_id=message_id)
    assert status == 200 and again["duplicate"] and again["result"] == "accepted"
    assert _count(app, IncomingDocument) == 1
    # 01 goes back to the sender by itself.
    assert _count(app, ExchangeMessage, ExchangeMessage.direction == "out", ExchangeMessage.code == "01") == 1


def test_a_tampered_pdf_arrives_flagged_for_the_clerk(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    tampered = signed_pdf.replace(b"/Producer", b"/Producex", 1)
    if tampered == signed_pdf:  # no producer entry: change a byte in the middle of the signed range
        middle = len(signed_pdf) // 3
        tampered = signed_pdf[:middle] + bytes([signed_pdf[middle] ^ 1]) + signed_pdf[middle + 1 :]
    status, answer = post(app, package_from_snv(tampered), foreign.signer)
    assert status == 200, answer
    # It arrives (01), never silently refused; the clerk sees why it needs a look and decides.
    assert answer["result"] == "received" and answer["status"] == "01"
    with app.extensions["congvan"].readers() as session:
        (incoming,) = session.scalars(select(IncomingDocument)).all()
        assert incoming.signatures["verdict"] == "invalid"
        assert "Chữ ký số trên văn bản không hợp lệ" in incoming.signatures["attention"]
        assert incoming.signatures["files"] == [
            {"name": "12-SNV-TCBC.pdf", "content_type": "application/pdf", "verdict": "invalid"}
        ]
    assert _count(app, ExchangeMessage, ExchangeMessage.direction == "out", ExchangeMessage.code == "01") == 1


def test_bad_package_signatures_are_refused(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    body = package_from_snv(signed_pdf)
    # Signed, then changed on the way.
    changed = body.replace(b"SNV-TCBC", b"SNV-TCBX")
    status, answer = post(app, changed, foreign.signer, signature=signers.sign_detached(body, foreign.signer))
    assert status == 403 and answer["error"]["code"] == "exchange_bad_signature"
    # Signed by a valid certificate of the same CA that is not the agency's.
    status, answer = post(app, body, foreign.other_signer)
    assert status == 403 and answer["error"]["code"] == "exchange_wrong_signer"
    # Garbage for a signature.
    status, answer = post(app, body, foreign.signer, signature=b"not a signature")
    assert status == 403 and answer["error"]["code"] == "exchange_bad_signature"
    assert _count(app, IncomingDocument) == 0 and _count(app, ExchangeMessage) == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"<edXML:edXMLEnvelope xmlns:edXML='x'><unclosed>", "edxml_malformed"),
        (b"not xml at all", "edxml_malformed"),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "edxml_doctype"),
        (
            b'<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>',
            "edxml_unexpected",
        ),
    ],
)
def test_malformed_xml_is_refused(app: Flask, foreign: Foreign, body: bytes, code: str) -> None:
    status, answer = post(app, body, foreign.signer)
    assert status == 400 and answer["error"]["code"] == code
    assert "message" in answer["error"] and _count(app, IncomingDocument) == 0


def test_unknown_callers_and_wrong_addressees_are_refused(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    body = package_from_snv(signed_pdf)
    status, answer = post(app, body, foreign.signer, token="wrong")
    assert status == 401 and answer["error"]["code"] == "exchange_unauthorized"
    status, answer = post(app, body, foreign.signer, sender="000.00.04.H57")
    assert status == 401
    # Authenticated as Sở Nội vụ but the package says it comes from someone else.
    other = package_from_snv(signed_pdf, sender=edxml.Organ("000.00.04.H57", "Sở Tài chính"))
    status, answer = post(app, other, foreign.signer)
    assert status == 403 and answer["error"]["code"] == "exchange_wrong_sender"
    # Not addressed to us.
    elsewhere = package_from_snv(signed_pdf, recipients=(edxml.Organ("000.00.00.H57", "UBND tỉnh"),))
    status, answer = post(app, elsewhere, foreign.signer)
    assert status == 422 and answer["error"]["code"] == "exchange_not_addressee"
    # No credentials at all; then credentials but no message id or signature.
    response = app.test_client().post("/exchange/v1/messages", data=body)
    assert response.status_code == 401
    credentials = {"Authorization": "Bearer secret-of-snv", "X-Organ-Id": SNV}
    response = app.test_client().post("/exchange/v1/messages", data=body, headers=credentials)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "exchange_bad_envelope"
    assert _count(app, IncomingDocument) == 0


def test_confidential_document_is_never_exchanged(app: Flask, api: Api) -> None:
    doc = api.draft(confidentiality="mat", kinh_gui=["Sở Nội vụ"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "issued")
    assert _count(app, Delivery, Delivery.document_id == doc["id"]) == 0
    assert _count(app, ExchangeMessage) == 0
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "confidential_no_electronic_dispatch"


def test_retry_delay_doubles_up_to_the_cap() -> None:
    config = config_module.load({"RETRY_BASE_SECONDS": 2, "RETRY_CAP_SECONDS": 60})
    assert [transport.retry_delay(config, n).total_seconds() for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]


# --- duplicated and reordered statuses (property) -----------------------------------------------

HISTORIES = [["01", "03", "04", "05", "06"][:n] for n in range(1, 6)] + [["01", "02"]]


@pytest.fixture(scope="module")
def status_app(
    tmp_path_factory: pytest.TempPathFactory,
    keys_dir: Any,
    password_hash: str,
    foreign_ca: tuple[pki.Identity, signers.Signer, signers.Signer],
) -> Iterator[tuple[Flask, int, signers.Signer]]:
    """One app for all examples: an issued document to Sở Nội vụ; each example gets a fresh delivery."""
    tmp = tmp_path_factory.mktemp("statuses")
    application = build_app(f"sqlite:///{tmp}/congvan.db", tmp, keys_dir, password_hash)
    root, signer, _ = foreign_ca
    rt = application.extensions["congvan"]
    pem = (pki.cert_pem(cert_of(signer)) + pki.cert_pem(root.cert)).decode()
    with rt.sessions() as session, session.begin():
        exchange.add_peer(session, SNV, "Sở Nội vụ tỉnh Tuyên Quang", pem, "", "secret-of-snv")
    api = Api(application.test_client())
    doc = api.draft(kinh_gui=["Các phòng, đơn vị trực thuộc Sở"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    yield application, int(doc["id"]), signer
    rt.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_duplicated_and_reordered_statuses_leave_the_last_one(
    status_app: tuple[Flask, int, signers.Signer], data: st.DataObject
) -> None:
    app, document_id, signer = status_app
    history = data.draw(st.sampled_from(HISTORIES), label="history")
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=VN)
    gaps = data.draw(st.lists(st.integers(1, 3600), min_size=len(history), max_size=len(history)), label="gaps")
    moments = [start + dt.timedelta(seconds=sum(gaps[: i + 1])) for i in range(len(history))]
    key = f"{STNMT},2026/11/23,{uuid.uuid4().int % 10**6}/STNMT-VP"
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
        delivery_id = delivery.id
    messages = []
    for code, moment in zip(history, moments, strict=True):
        status = edxml.Status(
            edxml.Organ(SNV, "Sở Nội vụ"),
            edxml.Reference(key, STNMT),
            code,
            edxml.moment_text(moment),
            description=f"trạng thái {code}",
        )
        messages.append((uuid.uuid4().hex, edxml.build_status(status)))
    order = list(data.draw(st.permutations(range(len(messages))), label="order"))
    for extra in data.draw(st.lists(st.integers(0, len(messages) - 1), max_size=6), label="duplicates"):
        order.insert(data.draw(st.integers(0, len(order)), label="where"), extra)
    resent = data.draw(st.booleans(), label="resent under new ids")
    for index in order:
        message_id, body = messages[index]
        status_code, answer = post(app, body, signer, message_id=uuid.uuid4().hex if resent else message_id)
        assert status_code == 200, answer
    with rt.readers() as session:
        final = session.get(Delivery, delivery_id)
        assert final is not None
        assert final.status_code == history[-1]
        assert final.remote_status_at == moments[-1]


def test_package_size_limits(app: Flask, foreign: Foreign) -> None:
    headers = {"Authorization": "Bearer secret-of-snv", "X-Organ-Id": SNV, "Message-Id": "m", "Edxml-Signature": "YQ=="}
    client = app.test_client()
    # Larger than a PDF upload may be, still within a package's cap: read, and refused as not XML.
    response = client.post("/exchange/v1/messages", data=b"x" * (25 * 1024 * 1024), headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "edxml_malformed"
    response = client.post("/exchange/v1/messages", data=b"x" * (65 * 1024 * 1024), headers=headers)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "edxml_too_large"
    # A stranger is refused before anything else.
    response = client.post("/exchange/v1/messages", data=b"x" * 100, headers=headers | {"Authorization": "Bearer x"})
    assert response.status_code == 401
