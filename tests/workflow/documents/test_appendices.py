"""Signature and seal images set by the admin; appendix files signed by the agency at issuance."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image
from reportlab.pdfgen import canvas

from congvan.demo import signature_png
from signing import validation
from tests.support.api import Api


def _pdf(text: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 700, text)
    page.showPage()
    page.save()
    return out.getvalue()


def _upload(api: Api, user: str, doc_id: int, data: bytes, name: str = "phu-luc-1.pdf") -> object:
    return api.as_(
        user,
        "POST",
        f"/api/v1/documents/{doc_id}/appendices",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_admin_sets_signature_and_seal_images(api: Api) -> None:
    leader = api.id_of("giamdoc")
    png = signature_png("Người khác")
    path = f"/api/v1/people/{leader}/signature-image"
    refused = api.as_("chuyenvien", "PUT", path, data=png, content_type="image/png")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    opaque = io.BytesIO()
    Image.new("RGB", (200, 80), "white").save(opaque, format="PNG")
    bad = api.as_("admin", "PUT", path, data=opaque.getvalue(), content_type="image/png")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "image_not_transparent"
    assert "trong suốt" in bad.get_json()["error"]["message"]
    done = api.as_("admin", "PUT", path, data=png, content_type="image/png")
    assert done.status_code == 200 and done.get_json()["has_signature_image"] is True
    got = api.as_("vanthu", "GET", path)
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == png
    seal = api.as_("admin", "PUT", "/api/v1/agency/seal-image", data=b"not a png", content_type="image/png")
    assert seal.status_code == 400 and seal.get_json()["error"]["code"] == "image_not_png"
    assert api.as_("vanthu", "GET", "/api/v1/agency/seal-image").mimetype == "image/png"  # the demo seal
    assert api.as_("admin", "GET", "/api/v1/people/999999/signature-image").status_code == 404


def _seal(colour: tuple[int, int, int, int], dpi: float | None = None) -> bytes:
    from PIL import ImageDraw

    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 390, 390), outline=colour, width=20)
    out = io.BytesIO()
    image.save(out, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def test_seal_and_signature_images_are_checked_for_ink_and_size(api: Api) -> None:
    put = "/api/v1/agency/seal-image"
    red, blue, black = (215, 25, 30, 255), (20, 50, 170, 255), (0, 0, 0, 255)

    def upload(png: bytes, query: str = "") -> tuple[int, dict]:
        response = api.as_("admin", "PUT", put + query, data=png, content_type="image/png")
        return response.status_code, response.get_json()

    status, body = upload(_seal(blue, dpi=282.2))
    assert status == 400 and body["error"]["code"] == "seal_not_red" and "màu đỏ" in body["error"]["message"]
    status, body = upload(_seal(red))  # no resolution stated, no diameter entered
    assert status == 400 and body["error"]["code"] == "seal_size_unknown"
    assert body["error"]["detail"]["field"] == "diameter_mm"
    status, body = upload(_seal(red, dpi=72))  # 141 mm by its resolution: not a seal's size
    assert status == 400 and body["error"]["code"] == "seal_size_out_of_range"
    status, body = upload(_seal(red), "?diameter_mm=80")
    assert status == 400 and body["error"]["code"] == "invalid_diameter"
    status, body = upload(_seal(red, dpi=282.2))  # 400 px at 282.2 dpi: 36 mm
    assert status == 200 and body["seal_mm"] == 36.0
    status, body = upload(_seal(red), "?diameter_mm=40")
    assert status == 200 and body["seal_mm"] == 40.0
    leader = api.id_of("giamdoc")
    signature = api.as_(
        "admin", "PUT", f"/api/v1/people/{leader}/signature-image", data=_seal(black), content_type="image/png"
    )
    assert signature.status_code == 400 and signature.get_json()["error"]["code"] == "signature_not_blue"


def test_appendix_is_signed_by_the_agency_at_issuance(api: Api, keys_dir: Path, tmp_path: Path) -> None:
    doc = api.draft()
    bad = _upload(api, "chuyenvien", doc["id"], b"<html>not a pdf</html>")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "not_a_pdf"
    assert _upload(api, "truongphong", doc["id"], _pdf("x")).status_code == 403
    first = _upload(api, "chuyenvien", doc["id"], _pdf("PHU LUC I"), "../../etc/phu luc I.pdf")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["filename"] == "phu luc I.pdf"  # no path parts kept
    second = _upload(api, "chuyenvien", doc["id"], _pdf("PHU LUC II")).get_json()
    assert (
        api.as_("chuyenvien", "DELETE", f"/api/v1/documents/{doc['id']}/appendices/{second['seq']}").status_code == 200
    )
    api.advance(doc["id"], "in_review")
    late = _upload(api, "chuyenvien", doc["id"], _pdf("late"))
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "invalid_state"
    api.advance(doc["id"], "dispatched")
    document = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    (appendix,) = document["appendices"]
    assert appendix["issued_sha256"] and appendix["issued_sha256"] != appendix["sha256"]
    response = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/appendices/{appendix['seq']}/pdf")
    assert response.headers["X-Content-SHA256"] == appendix["issued_sha256"]
    roots = validation.load_certs((keys_dir / "roots.pem").read_bytes())
    (check,) = validation.validate(response.data, roots)
    assert check.ok and check.coverage == "ENTIRE_FILE"
    path = tmp_path / "appendix.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    assert document["symbol"] in text and "+07:00" in text
    events = [
        e["action"] for e in api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/events").get_json()["events"]
    ]
    assert events.count("appendix_added") == 2 and "appendix_removed" in events
