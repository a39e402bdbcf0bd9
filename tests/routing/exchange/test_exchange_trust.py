"""An agency receiving from a hostile system on the exchange: documents are their sender's (no other agency
updates, replaces or pre-empts them), an item without an authenticated sender is refused, a package's files are
bounded in number and in unpacked size before any is kept, and statuses cannot be dated out of reach."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from routing.exchange import edxml, edxml_build, edxml_read
from routing.models import Delivery, ExchangeMessage, IncomingDocument
from tests.routing.foreign import SNV, STNMT, VN, Foreign, arrive, delivery_to_snv, package_from_snv
from tests.support.api import Api, build_app
from workflow.models import Agency

STC = "000.00.04.H57"  # Sở Tài chính: another system on the same exchange
FROM_STC = edxml.Organ(STC, "Sở Tài chính tỉnh Tuyên Quang")


def _incoming(app: Flask) -> list[IncomingDocument]:
    with app.extensions["congvan"].readers() as session:
        return list(session.scalars(select(IncomingDocument).order_by(IncomingDocument.id)))


def _files(app: Flask) -> set[str]:
    return set(app.extensions["congvan"].store.names())


def test_another_sender_cannot_change_a_document(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    key = str(uuid.uuid4())  # the DocumentId Sở Nội vụ chose: not composite, so not tied to an organ by its form
    assert arrive(app, package_from_snv(signed_pdf, document_id=key))["result"] == "received"
    (genuine,) = _incoming(app)
    forged = b"%PDF-1.7\n% forged by another system\n"
    # Sở Tài chính sends an update naming that DocumentId (as its own, and as the one it updates).
    update = package_from_snv(
        forged,
        sender=FROM_STC,
        document_id=key,
        subject="V/v nội dung đã bị sửa",
        business_type=edxml.UPDATE,
        business_type_written="2",
        business_document_id=key,
    )
    answer = arrive(app, update, sender=STC)
    assert answer["result"] == "received", answer  # a document of its own, nothing of Sở Nội vụ's changed
    first, second = _incoming(app)
    assert (first.id, first.subject, first.pdf_sha256, first.revision) == (
        genuine.id,
        genuine.subject,
        genuine.pdf_sha256,
        genuine.revision,
    )
    assert (first.sender_code, second.sender_code) == (SNV, STC) and second.subject == "V/v nội dung đã bị sửa"
    # Its own update of that document applies to its own copy only.
    again = dataclasses.replace(edxml_read.parse(update), subject="V/v lần nữa")
    assert arrive(app, edxml_build.build(again), sender=STC)["result"] == "updated"
    assert [i.subject for i in _incoming(app)] == [genuine.subject, "V/v lần nữa"]


def test_another_sender_cannot_pre_empt_a_document(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    key = str(uuid.uuid4())
    decoy = package_from_snv(b"%PDF-1.7\n% decoy\n", sender=FROM_STC, document_id=key, subject="V/v giả")
    assert arrive(app, decoy, sender=STC)["result"] == "received"
    # Sở Nội vụ's genuine package under that DocumentId is its own document, not "already received".
    genuine = arrive(app, package_from_snv(signed_pdf, document_id=key))
    assert genuine["result"] == "received" and genuine["status"] == "01", genuine
    assert [(i.sender_code, i.document_key) for i in _incoming(app)] == [(STC, key), (SNV, key)]


def test_a_document_id_of_another_organ_is_refused(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    # A composite DocumentId names its issuing organ: Sở Tài chính cannot send under Sở Nội vụ's.
    snv_key = edxml.document_id(SNV, dt.date(2026, 11, 23), "12", "SNV-TCBC")
    before = _files(app)
    answer = arrive(app, package_from_snv(signed_pdf, sender=FROM_STC, document_id=snv_key), sender=STC)
    assert answer["error"]["code"] == "exchange_foreign_document_id", answer
    assert "Sở" not in answer["error"]["code"] and answer["error"]["message"]
    assert _incoming(app) == [] and _files(app) == before


def test_an_item_without_an_authenticated_sender_is_refused(app: Flask, foreign: Foreign, signed_pdf: bytes) -> None:
    answer = arrive(app, package_from_snv(signed_pdf), sender="")
    assert answer["error"]["code"] == "exchange_no_sender"
    status = edxml.Status(edxml.Organ(SNV), edxml.Reference("x", STNMT), "03", "2026/11/23 09:00:00")
    assert arrive(app, edxml_build.build_status(status), sender="")["error"]["code"] == "exchange_no_sender"
    with app.extensions["congvan"].readers() as session:
        assert session.scalar(select(func.count()).select_from(ExchangeMessage)) == 0
    assert _incoming(app) == []


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def test_a_package_bounded_in_files_and_unpacked_size(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    app = build_app(
        f"sqlite:///{tmp_path}/congvan.db",
        tmp_path,
        keys_dir,
        password_hash,
        EXCHANGE_MAX_ATTACHMENTS=5,
        EXCHANGE_MAX_UNPACKED_MB=20,
    )
    pdf = b"%PDF-1.7\n% small\n"
    before = _files(app)
    # Six files where five are allowed.
    six = tuple(edxml.Attachment(f"{n}.pdf", pdf + str(n).encode()) for n in range(6))
    answer = arrive(app, package_from_snv(pdf, attachments=six, code_number="21"))
    assert answer["error"]["code"] == "edxml_too_many_files" and "5" in answer["error"]["message"]
    # Three zipped files, each 8 MB unpacked (a few kB sent): 24 MB in all where 20 are allowed; none is kept.
    bomblet = _zip("a.pdf", b"%PDF-1.7\n" + bytes(8 * 2**20))
    three = tuple(edxml.Attachment(f"{n}.pdf", bomblet) for n in range(3))
    body = package_from_snv(pdf, attachments=three, code_number="22")
    assert len(body) < 200_000
    answer = arrive(app, body)
    assert answer["error"]["code"] == "edxml_too_much" and "20 MB" in answer["error"]["message"], answer
    assert _incoming(app) == [] and _files(app) == before
    # Two of them fit: kept, each file in the store.
    two = package_from_snv(pdf, attachments=three[:2], code_number="23")
    assert arrive(app, two)["result"] == "received"
    (incoming,) = _incoming(app)
    assert incoming.signatures["attention"]  # not signed: flagged for the clerk
    assert len(app.extensions["congvan"].store.get(incoming.pdf_sha256)) == 8 * 2**20 + 9
    app.extensions["congvan"].close()


# --- statuses ------------------------------------------------------------------------------------


def _delivery(app: Flask, api: Api) -> tuple[int, str]:
    """A document issued to Sở Nội vụ: its delivery and the DocumentId statuses name."""
    doc = api.draft(kinh_gui=["Sở Nội vụ tỉnh Tuyên Quang"], noi_nhan=["Như trên;", "Lưu: VT, VP."])
    api.advance(doc["id"], "dispatched")
    key = f"{STNMT},2026/11/23,{uuid.uuid4().int % 10**6}/STNMT-VP"
    return delivery_to_snv(app, doc["id"], key), key


def _status(app: Flask, key: str, code: str, moment: dt.datetime, sender: str = SNV) -> dict[str, Any]:
    status = edxml.Status(edxml.Organ(sender), edxml.Reference(key, STNMT), code, edxml.moment_text(moment))
    return arrive(app, edxml_build.build_status(status), sender=sender)


def _recorded(app: Flask, delivery_id: int) -> tuple[str | None, dt.datetime | None]:
    with app.extensions["congvan"].readers() as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        return delivery.status_code, delivery.remote_status_at


def test_a_status_dated_in_the_future_cannot_block_later_ones(app: Flask, api: Api, foreign: Foreign) -> None:
    delivery_id, key = _delivery(app, api)
    now = dt.datetime.now(VN)
    assert _status(app, key, "03", dt.datetime(2099, 1, 1, tzinfo=VN))["result"] == "accepted"
    code, at = _recorded(app, delivery_id)
    assert code == "03" and at is not None and at <= dt.datetime.now(dt.UTC)  # counted as when it came
    assert _status(app, key, "04", now + dt.timedelta(seconds=1))["result"] == "accepted"
    assert _recorded(app, delivery_id)[0] == "04"
    # Another organ's status about our document to Sở Nội vụ: not applied.
    assert _status(app, key, "06", now, sender=STC)["error"]["code"] == "exchange_unknown_document"


def test_statuses_follow_their_order_as_well_as_time(app: Flask, api: Api, foreign: Foreign) -> None:
    delivery_id, key = _delivery(app, api)
    start = dt.datetime.now(VN) - dt.timedelta(hours=2)
    assert _status(app, key, "06", start)["result"] == "accepted"
    # A late 05 stamped after the 06 (the receiver's clocks disagree) does not undo it.
    assert _status(app, key, "05", start + dt.timedelta(minutes=5))["result"] == "ignored"
    assert _recorded(app, delivery_id)[0] == "06"
    # A refused recall (16) after the end, then work going on after it: by time.
    assert _status(app, key, "16", start + dt.timedelta(minutes=10))["result"] == "accepted"
    assert _status(app, key, "05", start + dt.timedelta(minutes=20))["result"] == "accepted"
    assert _status(app, key, "04", start + dt.timedelta(minutes=15))["result"] == "ignored"
    assert _recorded(app, delivery_id)[0] == "05"


def test_files_are_kept_one_at_a_time_not_all_held() -> None:
    import tracemalloc

    from tests.routing.exchange.test_edxml import sample

    size = 16 * 2**20
    files = tuple(edxml.Attachment(f"{n}.pdf", _zip("x.pdf", b"%PDF" + bytes([n]) * size)) for n in range(4))
    body = edxml_build.build(dataclasses.replace(sample(), attachments=files))
    kept: list[int] = []
    tracemalloc.start()
    try:
        package = edxml_read.parse(body, keep=lambda data: (kept.append(len(data)), "digest")[1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept == [size + 4] * 4 and all(a.data == b"" and a.size == size + 4 for a in package.attachments)
    # One unpacked file at a time (16 MB, with the unzipping's own buffers about three times that), never the
    # four (64 MB, and as much again while the last is unzipped).
    assert peak < 3.5 * size, peak
    # The hub's reading counts the files and decodes none.
    tracemalloc.start()
    try:
        envelope = edxml_read.parse_envelope(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert envelope.files == 4 and envelope.sender == sample().sender.organ_id
    assert peak < size // 4, peak


@pytest.mark.parametrize(
    ("document_id", "organ"),
    [
        ("000.00.09.H57,2026/11/23,12/SNV-TCBC", "000.00.09.H57"),
        ("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb", None),
        ("test-doc", None),
        ("a,b,c", None),
    ],
)
def test_the_organ_of_a_document_id(document_id: str, organ: str | None) -> None:
    assert edxml.document_organ(document_id) == organ


# --- the exchange's agency list ------------------------------------------------------------------


class _ListingExchange:
    """A stand-in for the exchange's getAgenciesList (unit test: the hub itself is tested in test_vxp_hub)."""

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self.entries = entries

    def call(self, operation: str, params: dict[str, str]) -> dict[str, Any]:
        assert operation == "getAgenciesList" and params == {}
        return {"status": "OK", "data": self.entries}


def test_the_exchange_list_adds_agencies_and_never_renames_them(
    app: Flask, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from routing.exchange import directory

    rt = app.extensions["congvan"]
    with rt.readers() as session:
        snv = session.scalar(select(Agency).where(Agency.code == SNV))
        assert snv is not None
        snv_id, snv_name = snv.id, snv.name
    listing = [
        {"code": SNV, "name": "Văn phòng Chính phủ"},  # another system wrote a well-known name on its code
        {"code": STNMT, "name": "Cơ quan giả"},  # our own: never touched
        {"code": "000.00.15.H57", "name": "Sở Giáo dục và Đào tạo tỉnh Tuyên Quang"},  # new
    ]
    monkeypatch.setattr(directory, "client", lambda session, rt: _ListingExchange(listing))
    assert directory.sync_agencies(rt) == directory.Synced(added=1, renames=1)
    assert directory.sync_agencies(rt) == directory.Synced(added=0, renames=0)  # told once
    with rt.readers() as session:
        names = {a.code: (a.name, a.listed_name) for a in session.scalars(select(Agency))}
    assert names[SNV] == (snv_name, "Văn phòng Chính phủ")
    assert names[STNMT][1] is None and names[STNMT][0] != "Cơ quan giả"
    assert names["000.00.15.H57"] == ("Sở Giáo dục và Đào tạo tỉnh Tuyên Quang", None)
    # The administrator is told, in words, and decides; nobody else may.
    notices = api.as_("admin", "GET", "/api/v1/notifications").get_json()["notifications"]
    assert any(n["kind"] == "agency_renamed" and "Văn phòng Chính phủ" in n["message"] for n in notices)
    assert api.as_("vanthu", "GET", "/api/v1/agency-names").status_code == 403
    pending = api.as_("admin", "GET", "/api/v1/agency-names").get_json()["agencies"]
    assert [(a["code"], a["name"], a["listed_name"]) for a in pending] == [(SNV, snv_name, "Văn phòng Chính phủ")]
    kept = api.as_("admin", "POST", f"/api/v1/agency-names/{snv_id}", json={"accept": False})
    assert kept.status_code == 200 and kept.get_json()["name"] == snv_name
    assert api.as_("admin", "POST", f"/api/v1/agency-names/{snv_id}", json={"accept": True}).status_code == 404
    # The dismissed name is not proposed again; a genuinely new one is, and may be taken.
    assert directory.sync_agencies(rt).renames == 0
    listing[0]["name"] = "Sở Nội vụ tỉnh Tuyên Quang (mới)"
    assert directory.sync_agencies(rt).renames == 1
    taken = api.as_("admin", "POST", f"/api/v1/agency-names/{snv_id}", json={"accept": True}).get_json()
    assert (taken["name"], taken["listed_name"]) == ("Sở Nội vụ tỉnh Tuyên Quang (mới)", None)
