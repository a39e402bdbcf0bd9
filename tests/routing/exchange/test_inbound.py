"""Receiving from the national exchange: what an agency takes, what it refuses (answered `fail`), the package's
own XML signature as the clerk sees it, duplicates and old statuses."""

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

from routing.exchange import directory, edxml, edxml_build
from routing.models import Delivery, ExchangeMessage, IncomingDocument
from signing import pki, signers
from tests.routing.foreign import SNV, STNMT, VN, Foreign, arrive, cert_of, delivery_to_snv, package_from_snv
from tests.support.api import Api, build_app
from tests.web.test_pages import sign_in


def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.extensions["congvan"].readers() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_valid_package_is_received_once_and_answered_01(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    body = package_from_snv(signed_pdf, foreign.signer)
    message_id = uuid.uuid4().hex
    answer = arrive(app, body, message_id=message_id)
    assert answer["result"] == "received" and answer["status"] == "01" and not answer["duplicate"], answer
    # The same item again (our `done` did not reach the exchange): no second document.
    again = arrive(app, body, message_id=message_id)
    assert again["duplicate"] and again["result"] == "accepted"
    assert _count(app, IncomingDocument) == 1
    with app.extensions["congvan"].readers() as session:
        (incoming,) = session.scalars(select(IncomingDocument)).all()
        # Its own XML signature, checked against Sở Nội vụ's pinned certificate.
        assert incoming.signatures["xml_signature"]["status"] == "valid", incoming.signatures
    # 01 goes back to the sender by itself.
    assert _count(app, ExchangeMessage, ExchangeMessage.direction == "out", ExchangeMessage.code == "01") == 1


def test_the_same_document_under_a_new_message_id_is_one_incoming_document(
    app: Flask, foreign: Foreign, signed_pdf: bytes
) -> None:
    # Resent by hand, or by a sender's system that lost our answer: a new exchange message, the same DocumentId.
    body = package_from_snv(signed_pdf, foreign.signer)
    first = arrive(app, body, message_id=uuid.uuid4().hex)
    again = arrive(app, body, message_id=uuid.uuid4().hex)
    assert first["result"] == "received", first
    assert not again["duplicate"] and again["result"] == "already_received", again
    assert again["incoming_id"] == first["incoming_id"] and again["status"] == "received"
    assert _count(app, IncomingDocument) == 1
    # Both messages are kept, each pointing at the one document; 01 went back once.
    with app.extensions["congvan"].readers() as session:
        taken = session.scalars(select(ExchangeMessage.incoming_id).where(ExchangeMessage.direction == "in")).all()
    assert taken == [first["incoming_id"], first["incoming_id"]]
    assert _count(app, ExchangeMessage, ExchangeMessage.direction == "out", ExchangeMessage.code == "01") == 1


def test_a_tampered_pdf_arrives_flagged_for_the_clerk(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    tampered = signed_pdf.replace(b"/Producer", b"/Producex", 1)
    if tampered == signed_pdf:  # no producer entry: change a byte in the middle of the signed range
        middle = len(signed_pdf) // 3
        tampered = signed_pdf[:middle] + bytes([signed_pdf[middle] ^ 1]) + signed_pdf[middle + 1 :]
    answer = arrive(app, package_from_snv(tampered, foreign.signer))
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


def test_bad_xml_signatures_are_recorded_and_shown_not_refused(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    # Signed, then changed on the way; signed by a key of the same CA that is not the agency's; unsigned.
    changed = package_from_snv(signed_pdf, foreign.signer, code_number="13").replace(b"SNV-TCBC", b"SNV-TCBX")
    other = package_from_snv(signed_pdf, foreign.other_signer, code_number="14")
    unsigned = package_from_snv(signed_pdf, code_number="15")
    for body in (changed, other, unsigned):
        assert arrive(app, body)["status"] == "01"
    with app.extensions["congvan"].readers() as session:
        seen = {i.symbol: i.signatures["xml_signature"] for i in session.scalars(select(IncomingDocument))}
    assert seen["13/SNV-TCBX"]["status"] == "invalid" and seen["13/SNV-TCBX"]["reason"]
    assert seen["14/SNV-TCBC"]["status"] == "invalid"
    assert seen["15/SNV-TCBC"]["status"] == "absent"


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
    answer = arrive(app, body)
    assert answer["error"]["code"] == code and answer["error"]["message"]
    assert _count(app, IncomingDocument) == 0 and _count(app, ExchangeMessage) == 0


def test_wrong_senders_and_addressees_are_refused(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    # The exchange authenticated Sở Nội vụ but the package says it comes from someone else.
    other = package_from_snv(signed_pdf, sender=edxml.Organ("000.00.04.H57", "Sở Tài chính"))
    assert arrive(app, other)["error"]["code"] == "exchange_wrong_sender"
    # A status package about another agency's document.
    status = edxml.Status(
        edxml.Organ(SNV, "Sở Nội vụ"), edxml.Reference("000.00.00.H57,2026/11/23,1/UBND", "000.00.00.H57"), "01", ""
    )
    assert arrive(app, edxml_build.build_status(status))["error"]["code"] == "exchange_not_addressee"
    assert _count(app, IncomingDocument) == 0 and _count(app, ExchangeMessage) == 0


def test_a_package_delivered_to_us_that_does_not_name_us_is_taken_and_flagged(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes
) -> None:
    # The exchange delivered it to us, but its To names only UBND tỉnh: the clerk decides, the sender gets 01.
    elsewhere = package_from_snv(signed_pdf, recipients=(edxml.Organ("000.00.00.H57", "UBND tỉnh"),))
    answer = arrive(app, elsewhere)
    assert answer["result"] == "received" and answer["status"] == "01", answer
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{answer['incoming_id']}").get_json()
    attention = item["signatures"]["attention"]
    assert attention.startswith("Gói tin không ghi cơ quan ta là nơi nhận") and "000.00.00.H57" in attention
    assert item["signatures"]["verdict"] == "valid"
    page = sign_in(app, "vanthu").get(f"/incoming/{answer['incoming_id']}").get_data(as_text=True)
    assert "Gói tin không ghi cơ quan ta là nơi nhận" in page
    # Registering it needs the clerk's reason, as any document that needs a look.
    response = api.as_("vanthu", "POST", f"/api/v1/incoming/{answer['incoming_id']}/actions/register", json={})
    assert response.get_json()["error"]["code"] == "reason_required"


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
        directory.add_peer(session, SNV, "Sở Nội vụ tỉnh Tuyên Quang", pem)
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
    app, document_id, _ = status_app
    history = data.draw(st.sampled_from(HISTORIES), label="history")
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=VN)
    gaps = data.draw(st.lists(st.integers(1, 3600), min_size=len(history), max_size=len(history)), label="gaps")
    moments = [start + dt.timedelta(seconds=sum(gaps[: i + 1])) for i in range(len(history))]
    key = f"{STNMT},2026/11/23,{uuid.uuid4().int % 10**6}/STNMT-VP"
    rt = app.extensions["congvan"]
    delivery_id = delivery_to_snv(app, document_id, key)
    messages = []
    for code, moment in zip(history, moments, strict=True):
        status = edxml.Status(
            edxml.Organ(SNV, "Sở Nội vụ"),
            edxml.Reference(key, STNMT),
            code,
            edxml.moment_text(moment),
            description=f"trạng thái {code}",
        )
        messages.append((uuid.uuid4().hex, edxml_build.build_status(status)))
    order = list(data.draw(st.permutations(range(len(messages))), label="order"))
    for extra in data.draw(st.lists(st.integers(0, len(messages) - 1), max_size=6), label="duplicates"):
        order.insert(data.draw(st.integers(0, len(order)), label="where"), extra)
    resent = data.draw(st.booleans(), label="resent under new ids")
    for index in order:
        message_id, body = messages[index]
        answer = arrive(app, body, message_id=uuid.uuid4().hex if resent else message_id)
        assert "error" not in answer, answer
    with rt.readers() as session:
        final = session.get(Delivery, delivery_id)
        assert final is not None
        assert final.status_code == history[-1]
        assert final.remote_status_at == moments[-1]


def test_an_oversize_package_is_refused_before_parsing(app: Flask, foreign: Foreign) -> None:
    answer = arrive(app, b"x" * (edxml.MAX_PACKAGE_BYTES + 1))
    assert answer["error"]["code"] == "edxml_too_large"
    assert _count(app, ExchangeMessage) == 0
