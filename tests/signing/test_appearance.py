"""Decree-30 appearances: signature image, seal at real size, appendix stamp, embedded Vietnamese font."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfgen import canvas

from congvan.demo import seal_png, signature_png
from signing import appearance, issuance, validation
from signing.errors import SigningError
from tests.signing.conftest import signed_and_issued
from tests.signing.test_pdf import NOW


@pytest.fixture(scope="module")
def issued(identities: dict, font: bytes) -> bytes:
    return signed_and_issued(identities, font, signature_png("Hoàng Văn Minh"))[1]


def _widgets(data: bytes) -> dict[str, dict]:
    reader = PdfFileReader(io.BytesIO(data))
    return {str(f.get_object()["/T"]): f.get_object() for f in reader.root["/AcroForm"]["/Fields"]}


def _pixels(data: bytes, tmp_path: Path, page: int, box: tuple[float, float, float, float]) -> list[tuple]:
    """The RGB pixels of a page area (PDF points, origin bottom left) rendered by pdftoppm at 72 dpi."""
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "72",
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            "-singlefile",
            str(path),
            str(tmp_path / "p"),
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(tmp_path / "p.png").convert("RGB")
    x1, y1, x2, y2 = box
    height = image.height
    area = image.crop((int(x1), int(height - y2), int(x2), int(height - y1)))
    return [area.getpixel((x, y)) for y in range(area.height) for x in range(area.width)]


def _blue(p: tuple) -> bool:
    return p[2] > 120 and p[0] < 90 and p[1] < 110


def _red(p: tuple) -> bool:
    return p[0] > 150 and p[1] < 90 and p[2] < 90


def test_leader_stamp_shows_image_name_and_time(issued: bytes, identities: dict, tmp_path: Path) -> None:
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "Ký bởi: Hoàng Văn Minh" in text
    assert "Thời gian ký: 22.11.2026 16:45:03 +07:00" in text
    # Authority and position above the signature, the name below it (drawn on the page).
    assert text.index("KT. GIÁM ĐỐC") < text.index("Ký bởi:") < text.rindex("Hoàng Văn Minh")
    leader = _widgets(issued)["chu_ky_lanh_dao"]
    x1, y1, x2, y2 = (float(v) for v in leader["/Rect"])
    normal = leader["/AP"]["/N"]
    images = [x for x in _xobjects(normal) if x.get("/Subtype") == "/Image"]
    assert images and "/SMask" in images[0]  # the transparent PNG keeps its alpha
    pixels = _pixels(issued, tmp_path, 1, (x1 + (x2 - x1) / 2, y1 + 18, x2, y2))
    assert sum(map(_blue, pixels)) > 100  # the blue handwriting is drawn right of the seal
    checks = validation.validate(issued, identities["roots"])
    assert [c.ok for c in checks] == [True, True]


def _xobjects(stream: object) -> list:
    found = []
    resources = stream.get("/Resources", {})
    for ref in resources.get("/XObject", {}).values():
        obj = ref.get_object()
        found.append(obj)
        if obj.get("/Subtype") == "/Form":
            found += _xobjects(obj)
    return found


def test_fonts_are_embedded_subsets(issued: bytes, tmp_path: Path) -> None:
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()[2:]
    stamp_fonts = [line for line in fonts if "Identity-H" in line]
    assert len(stamp_fonts) >= 2  # the stamp and the filled fields
    for line in stamp_fonts:
        name, *_rest = line.split()
        assert name[6] == "+" and " yes yes yes " in line  # subset prefix; embedded, subset, unicode map


def _appendix() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 700, "PHU LUC")
    page.showPage()
    page.showPage()
    page.save()
    return out.getvalue()


def test_appendix_signed_top_right_with_symbol_and_iso_time(identities: dict, font: bytes, tmp_path: Path) -> None:
    signed = issuance.sign_appendix(_appendix(), identities["agency"], symbol="07/STNMT-VP", moment=NOW, font=font)
    (check,) = validation.validate(signed, identities["roots"])
    assert check.ok and check.coverage == "ENTIRE_FILE"
    widget = _widgets(signed)["chu_ky_co_quan"]
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 > 500 and y2 > 800  # top right of page 1
    streams = [widget["/AP"]["/N"], *_xobjects(widget["/AP"]["/N"])]
    assert any(b" 10 Tf" in s.data for s in streams if "/Subtype" not in s or s["/Subtype"] == "/Form")  # 10 pt
    assert not [x for x in _xobjects(widget["/AP"]["/N"]) if x.get("/Subtype") == "/Image"]
    path = tmp_path / "appendix.pdf"
    path.write_bytes(signed)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "07/STNMT-VP" in text and "2026-11-22T16:45:03+07:00" in text
    verified = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False, timeout=60).stdout
    assert "Signature is Valid." in verified, verified  # poppler agrees
    stamp = _pixels(signed, tmp_path, 1, (x1, y1, x2, y2))
    assert sum(1 for p in stamp if max(p) < 90) > 30 and not any(map(_red, stamp))  # black (Decree 30)
    with pytest.raises(SigningError) as twice:
        issuance.sign_appendix(signed, identities["agency"], symbol="x", moment=NOW, font=font)
    assert twice.value.code == "already_issued"


def _png(mode: str, size: tuple[int, int] = (100, 40)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a....", "image_not_png"),
        (_png("RGB"), "image_not_transparent"),
        (_png("RGBA", (4000, 10)), "image_size"),
        (_png("RGBA")[:60], "image_unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024 * 1024), "image_too_large"),
    ],
)
def test_bad_images_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(SigningError) as error:
        appearance.check_image(data)
    assert error.value.code == code


def test_demo_images_are_transparent_pngs() -> None:
    for png in (signature_png("Phạm Mạnh Duyệt"), seal_png("Sở Tài nguyên và Môi trường", "UBND tỉnh Tuyên Quang")):
        assert appearance.check_image(png)
