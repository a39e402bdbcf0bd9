"""The agency's signatures at issuance: number and date filled, the seal over the leader's signature, the
appendix stamp, the certificate of issuance.

Bytes in, bytes out, one incremental update each (Decree 30, Appendix I; signing/pdf.py prepares the fields).
"""

from __future__ import annotations

import io
import textwrap
from datetime import datetime

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.form_tools import annot_width_height, find_existing_empty_field, get_single_field_annot
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.sign import fields

from signing import appearance, pdf
from signing.errors import PdfError, SigningError
from signing.inspection import A4_HEIGHT, A4_WIDTH, int_box, open_reader
from signing.pdf import AGENCY_FIELD, B_B, DATE_FIELD, LEADER_FIELD, NUMBER_FIELD, Pades, vn_time
from signing.signers import Signer


def _field_rect(writer: IncrementalPdfFileWriter, name: str) -> tuple[int, list[float]]:
    for field_name, _value, ref in fields.enumerate_sig_fields(writer):
        if field_name == name:
            annot = ref.get_object()
            page_ref = annot.get("/P")
            page_index = 0
            if page_ref is not None:
                for i in range(int(writer.root["/Pages"]["/Count"])):
                    if writer.find_page_for_modification(i)[0].idnum == page_ref.idnum:
                        page_index = i
                        break
            return page_index, [float(v) for v in annot["/Rect"]]
    raise PdfError("pdf_not_prepared", "Không tìm thấy trường chữ ký của lãnh đạo.")


def _fill(writer: IncrementalPdfFileWriter, name: str, value: str, font: bytes, label: str = "") -> None:
    """Fill a prepared text field read-only; a permitted change after the leader's approval signature.

    A centred field spans its whole line, so it writes the line's `label` ("Số: ") before the value;
    a left one follows the label an uploaded page already has.
    """
    field_ref = find_existing_empty_field(writer, name, field_type="/Tx")
    field = field_ref.get_object()
    assert isinstance(field, generic.DictionaryObject)
    annot = get_single_field_annot(field)
    width, height = (float(v) for v in annot_width_height(annot))
    centred = int(field.get("/Q", 0)) == 1
    shown = label + value if centred else value
    normal = appearance.field_appearance(writer, font, shown, width, height, centred=centred)
    annot[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): normal})
    writer.update_container(annot)
    field[pdf_name("/V")] = generic.TextStringObject(value)
    field[pdf_name("/Ff")] = generic.NumberObject(int(field.get("/Ff", 0)) | 1)  # read-only
    field.pop("/DA", None)
    writer.mark_update(field_ref)


def seal_box(
    field: tuple[float, float, float, float], leader_image: bytes | None, seal_w: float, seal_h: float
) -> tuple[float, float, float, float]:
    """Where the agency's seal goes: over the left third of the leader's signature as inked (Decree 30,
    Appendix I), centred on it in height; the signature's ink is found in its image where the leader's
    stamp drew it, or the stamp's text fills the field when the leader has no image."""
    x1, y1, x2, y2 = field
    if leader_image is None:
        ink = (x1 + 4, y1 + 4, x2 - 4, y2 - 4)
    else:
        image = appearance.prepare_image(leader_image)
        ix1, iy1, ix2, iy2 = appearance.image_in_field(x2 - x1, y2 - y1, image)
        left, bottom, right, top = image.ink
        w, h = ix2 - ix1, iy2 - iy1
        ink = (x1 + ix1 + left * w, y1 + iy1 + bottom * h, x1 + ix1 + right * w, y1 + iy1 + top * h)
    right_edge = ink[0] + (ink[2] - ink[0]) / 3
    middle = (ink[1] + ink[3]) / 2
    return right_edge - seal_w, middle - seal_h / 2, right_edge, middle + seal_h / 2


def seal_points(seal: bytes | None, seal_mm: float | None) -> tuple[float, float]:
    """The seal's width and height on the page in points: its real size (the diameter the administrator
    entered, else the one its PNG's resolution states, else a Sở's usual 36 mm), never distorted."""
    image = appearance.prepare_image(seal) if seal else None
    diameter = seal_mm or (image.mm_wide if image else None) or appearance.DEFAULT_SEAL_MM
    width = diameter * 72 / 25.4
    return (width, width) if image is None else (width, width * image.height / image.width)


def issue(
    data: bytes,
    signer: Signer,
    *,
    number_text: str,
    date_text: str,
    agency: str,
    moment: datetime,
    font: bytes,
    seal: bytes | None = None,
    seal_mm: float | None = None,
    leader_image: bytes | None = None,
    pades: Pades = B_B,
) -> bytes:
    """Fill the number and date fields and add the agency signature in one incremental update.

    The agency's stamp is its red seal image (when given) at real size over the left third of the
    leader's signature (`leader_image`, the image the leader's stamp drew, when there is one).
    """
    reader = open_reader(data)
    filled = {f[0]: f[1] for f in fields.enumerate_sig_fields(reader)}
    if filled.get(LEADER_FIELD) is None:
        raise SigningError("not_signed", "Văn bản chưa có chữ ký của lãnh đạo.")
    if AGENCY_FIELD in filled:
        raise SigningError("already_issued", "Văn bản đã có chữ ký số của cơ quan.")
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        _fill(writer, NUMBER_FIELD, number_text, font, label="Số: ")
        # The place and date are in italics (Decree 30, Appendix I).
        _fill(writer, DATE_FIELD, date_text, appearance.prepare_font(appearance.serif_family()[2]))
    except PyHankoPdfError as exc:
        raise PdfError("pdf_not_prepared", "Tệp PDF thiếu trường số hoặc ngày ban hành.") from exc
    page, rect = _field_rect(writer, LEADER_FIELD)
    box = seal_box((rect[0], rect[1], rect[2], rect[3]), leader_image, *seal_points(seal, seal_mm))
    spec = fields.SigFieldSpec(sig_field_name=AGENCY_FIELD, on_page=page, box=int_box(*box))
    text = {"agency": "\n".join(textwrap.wrap(agency.upper(), 14)), "signed_at": vn_time(moment).replace(" ", "\n", 1)}
    style = appearance.agency_style(font, appearance.prepare_image(seal) if seal else None)
    return pdf.sign_field(writer, signer, AGENCY_FIELD, style, text, "Ban hành", spec, pades)


# The appendix stamp at the top right of page 1, in the top margin and ending at the right margin (20 mm),
# clear of the few millimetres a printer cannot reach: 195 × 32 pt, its top 9 mm below the page's edge.
APPENDIX_STAMP = (195.0, 32.0)
APPENDIX_RIGHT = 20 * 72 / 25.4 - 2  # the text keeps 2 pt inside the box (appearance.appendix_style)
APPENDIX_TOP = 9 * 72 / 25.4


def sign_appendix(
    data: bytes, signer: Signer, *, symbol: str, moment: datetime, font: bytes, pades: Pades = B_B
) -> bytes:
    """Sign an appendix file as the agency: number/symbol and ISO 8601 time at the top right of page 1."""
    reader = open_reader(data)
    if "/AcroForm" in reader.root and any(name == AGENCY_FIELD for name, *_ in fields.enumerate_sig_fields(reader)):
        raise SigningError("already_issued", "Phụ lục đã có chữ ký số của cơ quan.")
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page = writer.find_page_for_modification(0)[0].get_object()
    try:
        media = page["/MediaBox"]
        width, height = float(media[2]), float(media[3])
    except (KeyError, TypeError, ValueError, IndexError):
        width, height = A4_WIDTH, A4_HEIGHT  # inherited or odd media box: assume A4
    w, h = APPENDIX_STAMP
    x2, y2 = width - APPENDIX_RIGHT, height - APPENDIX_TOP
    spec = fields.SigFieldSpec(sig_field_name=AGENCY_FIELD, on_page=0, box=int_box(x2 - w, y2 - h, x2, y2))
    text = {"symbol": symbol, "signed_at": moment.isoformat(timespec="seconds")}
    style = appearance.appendix_style(font)
    return pdf.sign_field(writer, signer, AGENCY_FIELD, style, text, "Ban hành phụ lục", spec, pades)


CERTIFICATE_FIELD = "chu_ky_chung_nhan"


def certify(data: bytes, signer: Signer, *, font: bytes, pades: Pades = B_B) -> bytes:
    """Sign a certificate of issuance as the agency: an invisible signature covering the whole file."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    spec = fields.SigFieldSpec(sig_field_name=CERTIFICATE_FIELD)  # no box: invisible
    style = appearance.appendix_style(font)
    return pdf.sign_field(writer, signer, CERTIFICATE_FIELD, style, {}, "Chứng nhận phát hành văn bản", spec, pades)
