"""PDF operations of the signing adapter: prepare fields, sign as leader (at once or in two phases), timestamps.

The agency's signatures at issuance are in signing/issuance.py.

Bytes in, bytes out; every change is an incremental update so earlier signatures stay intact.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from signing import appearance, digests
from signing.errors import PdfError, SigningError
from signing.inspection import UNREADABLE, Box, Layout, int_box, open_reader
from signing.signers import Signer
from signing.timestamps import tsa_down

NUMBER_FIELD = "so_ky_hieu"
DATE_FIELD = "ngay_ban_hanh"
LEADER_FIELD = "chu_ky_lanh_dao"
AGENCY_FIELD = "chu_ky_co_quan"

# Fixed reservation for the CMS blob: avoids pyHanko's dry-run signature (SIGNING-NOTES §2);
# a signature timestamp token with the TSA's chain needs room of its own.
BYTES_RESERVED = 16384
BYTES_RESERVED_TIMESTAMPED = 32768

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class Pades:
    """The PAdES baseline level to sign at, with what the higher levels need.

    B-T adds an RFC 3161 signature timestamp; B-LT also embeds the chain's revocation data (OCSP/CRL,
    fetched with the trust roots) in the DSS; B-LTA then adds a document timestamp over everything.
    """

    level: str = "B-B"
    timestamper: TimeStamper | None = None
    trust_roots: tuple[object, ...] = ()

    @property
    def timestamped(self) -> bool:
        """Whether this level needs a TSA."""
        return self.level != "B-B"

    def validation_context(self) -> ValidationContext:
        """A context that fetches revocation data from the URLs in the certificates (for B-LT/B-LTA)."""
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            allow_fetching=True,
            fetcher_backend=RequestsFetcherBackend(per_request_timeout=10),
        )


B_B = Pades()


def _rect(box: Box) -> generic.ArrayObject:
    return generic.ArrayObject(generic.FloatObject(v) for v in (box.x1, box.y1, box.x2, box.y2))


def _add_text_field(writer: IncrementalPdfFileWriter, name: str, box: Box) -> None:
    page_ref = writer.find_page_for_modification(box.page)[0]
    field = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): generic.TextStringObject(name),
            pdf_name("/F"): generic.NumberObject(4),
            pdf_name("/Ff"): generic.NumberObject(0),
            pdf_name("/Rect"): _rect(box),
            pdf_name("/P"): page_ref,
            pdf_name("/DA"): generic.TextStringObject("/Helv 0 Tf 0 g"),
            pdf_name("/Q"): generic.NumberObject(1 if box.align == "centre" else 0),
        }
    )
    field_ref = writer.add_object(field)
    page = page_ref.get_object()
    annots = page.get("/Annots")
    if isinstance(annots, generic.IndirectObject):
        annots.get_object().append(field_ref)
        writer.mark_update(annots)
    elif annots is None:
        page[pdf_name("/Annots")] = generic.ArrayObject([field_ref])
    else:
        annots.append(field_ref)
    writer.update_container(page)
    form = writer.root.get("/AcroForm")
    if form is None:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        writer.root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
        form = writer.root["/AcroForm"]
    form = form.get_object()
    form["/Fields"].append(field_ref)
    writer.update_container(form)


def prepare(data: bytes, where: Layout) -> bytes:
    """Add the empty number and date text fields and the leader's signature field."""
    reader = open_reader(data)
    existing = {f[0] for f in fields.enumerate_sig_fields(reader)} if "/AcroForm" in reader.root else set()
    if LEADER_FIELD in existing:
        raise PdfError("pdf_already_prepared", "Tệp PDF đã có trường chữ ký của lãnh đạo.")
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    _add_text_field(writer, NUMBER_FIELD, where.number)
    _add_text_field(writer, DATE_FIELD, where.date)
    box = where.leader
    fields.append_signature_field(
        writer,
        fields.SigFieldSpec(sig_field_name=LEADER_FIELD, on_page=box.page, box=int_box(box.x1, box.y1, box.x2, box.y2)),
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def vn_time(moment: datetime) -> str:
    """Format a time the way Vietnamese signature stamps show it: dd.mm.yyyy hh:mm:ss +07:00."""
    offset = moment.strftime("%z")
    return moment.strftime("%d.%m.%Y %H:%M:%S ") + f"{offset[:3]}:{offset[3:]}"


def sign_field(
    writer: IncrementalPdfFileWriter,
    signer: Signer,
    field: str,
    style: BaseStampStyle,
    text: dict[str, str],
    reason: str,
    new_field: fields.SigFieldSpec | None = None,
    pades: Pades = B_B,
) -> bytes:
    """Sign a field (existing, or `new_field`) with a stamp style at the PAdES level, in Vietnamese errors."""
    long_term = pades.level in ("B-LT", "B-LTA")
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        reason=reason,
        location="Việt Nam",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=long_term,
        validation_context=pades.validation_context() if long_term else None,
        use_pades_lta=pades.level == "B-LTA",
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        stamp_style=style,
        new_field_spec=new_field,
        timestamper=pades.timestamper if pades.timestamped else None,
    )
    if pades.timestamped and pades.timestamper is None:
        raise SigningError("tsa_not_configured", f"Mức {pades.level} cần máy chủ cấp dấu thời gian (TSA_URL).")
    try:
        out = pdf_signer.sign_pdf(
            writer,
            bytes_reserved=BYTES_RESERVED_TIMESTAMPED if pades.timestamped else BYTES_RESERVED,
            appearance_text_params=text,
        )
    except TimestampRequestError as exc:
        raise tsa_down() from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise SigningError("certificate_untrusted", "Không xác thực được chứng thư số của người ký.") from exc
    except PyHankoSigningError as exc:
        if isinstance(exc.__cause__, TimestampRequestError):
            raise tsa_down() from exc
        raise SigningError("revocation_unavailable", "Không lấy được thông tin thu hồi chứng thư (OCSP/CRL).") from exc
    return out.getvalue()  # type: ignore[no-any-return]


# --- two-phase signing: prepare (digest) / sign all digests / finish --------------------------


@dataclass(frozen=True)
class Prepared:
    """Phase 1 done: the PDF with its signature placeholder, and the /ByteRange digest to sign."""

    data: bytes
    digest: bytes
    start: int
    end: int


class _ClaimedTimePdfSigner(signers.PdfSigner):
    """A PdfSigner whose signature dictionary claims a chosen signing time (/M), or none at all."""

    def __init__(self, *args: Any, claimed: datetime | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claimed = claimed

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        # The leader's confirmation is the moment of signing, not when this process got to the file;
        # None leaves /M out (the signature timestamp and the audit trail then tell the time).
        session.system_time = self.claimed  # type: ignore[assignment]
        return session


def _leader_text(signer_name: str, position: str, agency: str, moment: datetime | None, day: date) -> dict[str, str]:
    """What the leader's stamp says: the exact time when known, else only the day (prepared ahead)."""
    return {
        "signer_name": signer_name,
        "position": position,
        "agency": agency,
        "time_label": "Thời gian ký" if moment else "Ngày ký",
        "signed_at": vn_time(moment) if moment else day.strftime("%d.%m.%Y"),
    }


def _leader_writer(data: bytes) -> IncrementalPdfFileWriter:
    """A writer over a PDF whose leader's signature field (added at approval) is still empty.

    The fields are read through the writer: parsing the file once per signature, not twice.
    """
    if not data.startswith(b"%PDF-"):
        raise PdfError("not_a_pdf", "Tệp không phải là PDF.")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        names = {f[0]: f[1] for f in fields.enumerate_sig_fields(writer)}
    except UNREADABLE as exc:
        raise PdfError("pdf_unreadable", "Không đọc được tệp PDF (tệp hỏng hoặc không hợp lệ).") from exc
    if LEADER_FIELD not in names:
        raise PdfError("pdf_not_prepared", "Tệp PDF chưa được chuẩn bị trường chữ ký.")
    if names[LEADER_FIELD] is not None:
        raise SigningError("already_signed", "Văn bản đã có chữ ký của lãnh đạo.")
    return writer


def prepare_leader(
    data: bytes,
    signer: Signer,
    *,
    signer_name: str,
    position: str,
    agency: str,
    moment: datetime | None,
    day: date,
    font: bytes,
    image: bytes | None = None,
    timestamped: bool = False,
) -> Prepared:
    """Phase 1 for the leader's signature: appearance, placeholder and digest; the key is not used.

    With `moment` (prepared after the leader confirmed) the stamp and /M show that time. Without it
    (prepared ahead, while the document waits in the signing book) the stamp shows only the day and
    /M is left out: nothing claims a time before the leader's confirmation.
    """
    writer = _leader_writer(data)
    text = _leader_text(signer_name, position, agency, moment, day)
    meta = signers.PdfSignatureMetadata(
        field_name=LEADER_FIELD,
        reason="Phê duyệt, ký ban hành",
        location="Việt Nam",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    style = appearance.leader_style(font, appearance.prepare_image(image) if image else None)
    if moment is None:
        style = appearance.Untimed(inner=style)
    pdf_signer = _ClaimedTimePdfSigner(meta, signer=signer, stamp_style=style, claimed=moment)
    reserved = BYTES_RESERVED_TIMESTAMPED if timestamped else BYTES_RESERVED
    digest, _tbs, output = asyncio.run(
        pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=reserved, appearance_text_params=text)
    )
    output.seek(0)
    return Prepared(output.read(), digest.document_digest, digest.reserved_region_start, digest.reserved_region_end)


def sign_digests(prepared: list[Prepared], signer: Signer, pades: Pades = B_B) -> list[bytes]:
    """Phase 2: one CMS signature per prepared document, the raw signatures requested all together.

    The CMS is built once per batch as a template (signing.digests.CmsTemplate). A remote signer
    (signing.remote.CscSigner) receives every hash in one request with one approval; signers that
    answer later (SmartCA) use signing.digests directly. Only B-B and B-T are made this way; long-term
    levels need the one-shot path.
    """
    timestamper = timestamper_of(pades)
    if not prepared:
        return []

    async def run() -> list[bytes]:
        template = await digests.async_template(signer, prepared[0].digest)
        to_sign = [template.signed_attrs(p.digest) for p in prepared]
        values = list(await asyncio.gather(*(signer.async_sign_raw(tbs, "sha256") for tbs in to_sign)))
        return await digests.async_assemble(template, [p.digest for p in prepared], values, timestamper)

    try:
        return asyncio.run(run())
    except TimestampRequestError as exc:
        raise tsa_down() from exc


def timestamper_of(pades: Pades) -> TimeStamper | None:
    """The TSA client a two-phase signature at this level uses (None at B-B); refuses the long-term levels."""
    if pades.level not in ("B-B", "B-T"):
        raise SigningError("level_not_two_phase", f"Mức {pades.level} không ký theo hai pha.")
    if pades.timestamped and pades.timestamper is None:
        raise SigningError("tsa_not_configured", f"Mức {pades.level} cần máy chủ cấp dấu thời gian (TSA_URL).")
    return pades.timestamper if pades.timestamped else None


def finish(prepared: Prepared, signature: bytes) -> bytes:
    """Phase 3: write the CMS signature into the placeholder of its prepared document."""
    if len(signature) * 2 > prepared.end - prepared.start - 2:
        raise SigningError("signature_too_large", "Chữ ký số lớn hơn chỗ đã dành trong tệp PDF.")
    out = io.BytesIO(prepared.data)
    PreparedByteRangeDigest(prepared.digest, prepared.start, prepared.end).fill_with_cms(out, signature)
    return out.getvalue()


def add_document_timestamp(data: bytes, timestamper: TimeStamper) -> bytes:
    """Append a document timestamp covering every signature before it (a deferred B-T, or LTA renewal)."""
    open_reader(data)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        out = signers.PdfTimeStamper(timestamper).timestamp_pdf(
            writer, md_algorithm="sha256", bytes_reserved=BYTES_RESERVED
        )
    except (TimestampRequestError, PyHankoSigningError) as exc:
        raise tsa_down() from exc
    return out.getvalue()  # type: ignore[no-any-return]


def sign_leader(
    data: bytes,
    signer: Signer,
    *,
    signer_name: str,
    position: str,
    agency: str,
    moment: datetime,
    font: bytes,
    image: bytes | None = None,
    pades: Pades = B_B,
) -> bytes:
    """Apply the leader's approval signature into the prepared signature field.

    The stamp shows the leader's handwritten signature image (when given) with "Ký bởi" and the time.
    """
    writer = _leader_writer(data)
    text = _leader_text(signer_name, position, agency, moment, moment.date())
    style = appearance.leader_style(font, appearance.prepare_image(image) if image else None)
    return sign_field(writer, signer, LEADER_FIELD, style, text, "Phê duyệt, ký ban hành", pades=pades)
