"""Sending to other agencies: what is never packaged, the package every recipient gets (signed in its header by
the agency), and the retry policy."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from routing import retry
from routing.exchange import directory, edxml_read
from routing.models import Delivery, ExchangeMessage
from signing import xmldsig
from tests.support.api import Api
from workflow import config as config_module


def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.extensions["congvan"].readers() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_confidential_document_is_never_exchanged(app: Flask, api: Api) -> None:
    doc = api.draft(confidentiality="mat", kinh_gui=["Sở Nội vụ"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "issued")
    assert _count(app, Delivery, Delivery.document_id == doc["id"]) == 0
    assert _count(app, ExchangeMessage) == 0
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "confidential_no_electronic_dispatch"


def test_the_exported_package_carries_the_agencys_xml_signature(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["Sở Nội vụ"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/edxml")
    assert response.status_code == 200 and "Edxml-Signature" not in response.headers
    rt = app.extensions["congvan"]
    with rt.readers() as session:
        ours = directory.identity(rt, directory.self_agency(session))
    check = xmldsig.verify(response.data, ours["certificate"].encode())
    assert check.status == "valid", check
    package = edxml_read.parse(response.data)
    assert package.sender.organ_id == ours["organ_id"] and package.code_number == "01"
    # Changed after signing: no longer valid.
    changed = response.data.replace(package.subject.encode(), b"khac", 1)
    assert xmldsig.verify(changed, ours["certificate"].encode()).status == "invalid"


def test_retry_delay_doubles_up_to_the_cap() -> None:
    config = config_module.load({"RETRY_BASE_SECONDS": 2, "RETRY_CAP_SECONDS": 60})
    assert [retry.delay(config, n).total_seconds() for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
