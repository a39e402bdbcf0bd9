"""Documents registered by the clerk from paper, e-mail or by hand, on SQLite and PostgreSQL: the next number of
the year's register, signatures checked, the same document never twice, a scan's words found by search."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest
from flask import Flask

from signing import inspection
from tests.routing.foreign import Foreign, arrive, package_from_snv, signed_pdf  # noqa: F401 - a fixture
from tests.support import hostile
from tests.support.api import Api
from tests.support.scans import photographed, scanned
from tests.web.test_pages import _token, sign_in

pytestmark = pytest.mark.both_databases

SENDER = "Sở Lao động - Thương binh và Xã hội tỉnh Đắk Nông"


def _register(api: Api, pdf: bytes | None, user: str = "vanthu", **fields: Any) -> Any:
    form: dict[str, Any] = {
        "sender": SENDER,
        "number": "1002/SLĐTBXH-VP",
        "issued_on": "2021-05-20",
        "summary": "tiếp tục tăng cường công tác phòng, chống dịch Covid-19",
        "doc_type": "cong_van",
        "received_via": "paper",
        "received_at": "2021-05-21T08:15",
        "deadline": "2021-05-31",
    } | fields
    form = {name: value for name, value in form.items() if value is not None}  # None: left out
    if pdf is not None:
        form["file"] = (io.BytesIO(pdf), "scan.pdf")
    return api.as_(user, "POST", "/api/v1/incoming", data=form, content_type="multipart/form-data")


def _count(api: Api) -> int:
    return len(api.as_("vanthu", "GET", "/api/v1/incoming?limit=100").get_json()["incoming"])


def test_a_scanned_paper_letter_is_registered_once_and_found_by_its_words(app: Flask, api: Api) -> None:
    scan = scanned()
    response = _register(api, scan)
    assert response.status_code == 201, response.get_json()
    first = response.get_json()
    assert first["state"] == "registered" and first["incoming_number"] == 1
    assert first["received_via"] == "paper" and first["received_via_label"] == "Bản giấy"
    assert first["signatures"]["verdict"] == "unsigned" and "attention" not in first["signatures"]
    assert first["sender"] == {"code": "", "name": SENDER} and first["symbol"] == "1002/SLĐTBXH-VP"
    assert first["number"] == 1002 and first["deadline"] is None and first["due_date"] == "2021-05-31"
    # Jobs run inline here: the scan was read by Tesseract as soon as it was committed.
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{first['id']}").get_json()
    assert item["ocr_state"] == "done", item["history"]
    assert [(h["action"], h["code"]) for h in item["history"]] == [
        ("received", None),
        ("register", "03"),
        ("ocr", None),
    ]
    # The scan with its words laid over it, invisible: any PDF reader selects and finds them.
    assert item["text_layer"] is True
    layered = api.as_("vanthu", "GET", f"/api/v1/incoming/{first['id']}/ocr.pdf")
    assert layered.status_code == 200 and layered.mimetype == "application/pdf"
    words = subprocess.run(["pdftotext", "-", "-"], input=layered.data, capture_output=True, timeout=60, check=True)
    assert "khẩu trang" in words.stdout.decode()
    original = api.as_("vanthu", "GET", f"/api/v1/incoming/{first['id']}/pdf").data
    assert original == scan  # the file as received is kept as it was
    # Found by words only the scan shows, without accents, and by its sender, and not by words it lacks.
    for words in ("khau trang", "thông điệp 5K", "dak nong", "1002"):
        found = api.as_("vanthu", "GET", f"/api/v1/incoming?q={words}").get_json()["incoming"]
        assert [i["id"] for i in found] == [first["id"]], words
    assert api.as_("vanthu", "GET", "/api/v1/incoming?q=khau%20trang%20ngap%20lut").get_json()["incoming"] == []
    # The same document again (another scan of it, the sender written in capitals): shown the first one.
    again = _register(api, scanned(pages=2), sender=SENDER.upper())
    assert again.status_code == 409, again.get_json()
    error = again.get_json()["error"]
    assert error["code"] == "incoming_duplicate" and error["detail"]["existing_id"] == first["id"]
    assert "số đến 1/" in error["message"]
    assert _count(api) == 1
    # Another number of the same sender and day is another document: the next number.
    second = _register(api, scan, number="1003/SLĐTBXH-VP").get_json()
    assert second["incoming_number"] == 2


def test_registration_refuses_bad_input_and_keeps_nothing(app: Flask, api: Api, signed_pdf: bytes) -> None:  # noqa: F811
    cases: list[tuple[dict[str, Any], bytes | None, int, str]] = [
        ({}, None, 400, "missing_file"),
        ({}, b"", 400, "missing_file"),
        ({}, b"not a pdf at all", 400, "not_a_pdf"),
        ({}, hostile.plain()[:200], 400, "pdf_unreadable"),
        ({"received_via": "pigeon"}, signed_pdf, 400, "invalid_received_via"),
        ({"issued_on": "20/05/2021"}, signed_pdf, 400, "invalid_date"),
        ({"issued_on": "2099-01-01"}, signed_pdf, 400, "date_out_of_range"),
        ({"received_at": "2021-05-19T08:00"}, signed_pdf, 400, "date_out_of_range"),
        ({"summary": ""}, signed_pdf, 400, "invalid_summary"),
        ({"sender": "999999"}, signed_pdf, 400, "invalid_sender"),
        ({"urgency": "gấp"}, signed_pdf, 400, "invalid_urgency"),
    ]
    for fields, pdf, status, code in cases:
        response = _register(api, pdf, **fields)
        assert response.status_code == status, (fields, response.get_json())
        assert response.get_json()["error"]["code"] == code, (fields, response.get_json())
    assert _register(api, signed_pdf, user="chuyenvien").status_code == 403
    assert _register(api, signed_pdf, user="giamdoc").status_code == 403
    assert _count(api) == 0
    # A signed PDF from e-mail: its signatures checked as a package's are; the sender named by its id.
    snv = next(a for a in api.as_("vanthu", "GET", "/api/v1/directory").get_json()["agencies"] if "Nội vụ" in a["name"])
    mailed = _register(api, signed_pdf, sender=str(snv["id"]), received_via="email", urgency="khan")
    assert mailed.status_code == 201, mailed.get_json()
    item = mailed.get_json()
    assert item["signatures"]["verdict"] == "valid" and item["sender"]["code"] == snv["code"]
    assert item["priority"] == 1 and item["ocr_state"] == "none"
    missing = api.as_("vanthu", "GET", f"/api/v1/incoming/{item['id']}/ocr.pdf")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_text_layer"


def test_the_clerk_registers_from_the_page(app: Flask) -> None:
    clerk = sign_in(app, "vanthu")
    page = clerk.get("/incoming/new").get_data(as_text=True)
    assert "Vào sổ văn bản đến" in page and 'name="received_via"' in page
    assert sign_in(app, "chuyenvien").get("/incoming/new").status_code == 403
    form = {
        "csrf_token": _token(clerk, "/incoming/new"),
        "file": (io.BytesIO(scanned()), "scan.pdf"),
        "sender": SENDER,
        "number": "1002/SLĐTBXH-VP",
        "issued_on": "20/05/2021",
        "summary": "tiếp tục tăng cường công tác phòng, chống dịch Covid-19",
        "doc_type": "cong_van",
        "received_via": "hand",
        "received_on": "21/05/2021",
        "received_time": "08:15",
        "urgency": "thuong",
        "confidentiality": "thuong",
        "deadline": "",
    }
    response = clerk.post("/incoming/new", data=dict(form), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã vào sổ văn bản đến số 1." in shown and "1002/SLĐTBXH-VP" in shown
    # Again: the form comes back with what was typed, the refusal, and a link to the one already there.
    form["file"] = (io.BytesIO(scanned()), "scan.pdf")
    again = clerk.post("/incoming/new", data=form, content_type="multipart/form-data")
    text = again.get_data(as_text=True)
    assert again.status_code == 409 and "đã có trong văn bản đến" in text
    assert "Mở văn bản đã có" in text and response.headers["Location"].split("/")[-1] in text
    assert 'value="1002/SLĐTBXH-VP"' in text
    # A date typed wrong names the field and says how to type it.
    form |= {"file": (io.BytesIO(scanned()), "scan.pdf"), "issued_on": "20.5.2021", "number": "7/X"}
    wrong = clerk.post("/incoming/new", data=form, content_type="multipart/form-data").get_data(as_text=True)
    assert "ngày/tháng/năm" in wrong and 'id="issued_on" aria-invalid="true"' in wrong


def test_the_paper_copy_and_the_package_of_one_document_are_one(
    app: Flask,
    api: Api,
    foreign: Foreign,
    signed_pdf: bytes,  # noqa: F811
) -> None:
    snv = next(a for a in api.as_("vanthu", "GET", "/api/v1/directory").get_json()["agencies"] if "Nội vụ" in a["name"])
    # The package came first: its paper copy is not registered again.
    first = arrive(app, package_from_snv(signed_pdf, code_number=201))
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{first['incoming_id']}").get_json()
    paper = _register(
        api, signed_pdf, sender=str(snv["id"]), number=item["symbol"], issued_on=item["promulgation_date"]
    )
    assert paper.status_code == 409 and paper.get_json()["error"]["detail"]["existing_id"] == item["id"]
    # The paper copy came first: the package is taken (01 goes back) and flagged, linked to the one registered.
    date = item["promulgation_date"]
    paper = _register(api, scanned(), sender=str(snv["id"]), number="202/SNV-TCBC", issued_on=date, received_at=None)
    assert paper.status_code == 201, paper.get_json()
    second = arrive(app, package_from_snv(signed_pdf, code_number=202))
    assert second["result"] == "received"
    arrived = api.as_("vanthu", "GET", f"/api/v1/incoming/{second['incoming_id']}").get_json()
    assert arrived["duplicate_of_id"] == paper.get_json()["id"]
    assert arrived["signatures"]["attention"].startswith("Văn bản này đã có trong văn bản đến (số đến 1/")
    page = sign_in(app, "vanthu").get(f"/incoming/{arrived['id']}").get_data(as_text=True)
    assert "Mở văn bản đã có" in page


def test_a_scan_that_comes_as_an_image_is_kept_as_a_pdf_and_read(app: Flask, api: Api) -> None:
    for number, kind, pages in ((301, "JPEG", 1), (302, "PNG", 1), (303, "TIFF", 2)):
        response = _register(api, photographed(kind), number=f"{number}/SLĐTBXH-VP", received_at=None)
        assert response.status_code == 201, (kind, response.get_json())
        item = api.as_("vanthu", "GET", f"/api/v1/incoming/{response.get_json()['id']}").get_json()
        assert item["ocr_state"] == "done" and item["signatures"]["verdict"] == "unsigned", kind
        kept = api.as_("vanthu", "GET", f"/api/v1/incoming/{item['id']}/pdf").data
        assert kept.startswith(b"%PDF-") and inspection.inspect(kept).pages == pages, kind
    found = api.as_("vanthu", "GET", "/api/v1/incoming?q=khau%20trang").get_json()["incoming"]
    assert len(found) == 3
    # What only looks like an image is refused with its reason, and nothing is kept.
    for data, code in (
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image_unreadable"),
        (b"\xff\xd8\xff\xe0 nope", "image_unreadable"),
    ):
        response = _register(api, data, number="304/SLĐTBXH-VP")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code
    assert _count(api) == 3
