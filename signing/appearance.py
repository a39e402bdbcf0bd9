"""Signature and form-field appearances: the prepared Vietnamese font and the stamp styles."""

from __future__ import annotations

import functools
import io
import math
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.generic import IndirectObject
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStampStyle

from signing.errors import SigningError

# Serif families in order of preference; Liberation Serif (2.x) is metric-compatible with
# Times New Roman, the font Decree 30 prescribes. Faces: regular, bold, italic, bold italic.
SERIF_FAMILIES = (
    ("/usr/share/fonts/truetype/liberation2", "LiberationSerif-{}.ttf", ("Regular", "Bold", "Italic", "BoldItalic")),
    ("/usr/share/fonts/truetype/liberation", "LiberationSerif-{}.ttf", ("Regular", "Bold", "Italic", "BoldItalic")),
    ("/usr/share/fonts/truetype/dejavu", "DejaVuSerif{}.ttf", ("", "-Bold", "-Italic", "-BoldItalic")),
)

_VIETNAMESE_LETTERS = (
    "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"
    "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ"
    "ỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
)
# Printable ASCII, Vietnamese letters and the typographic punctuation official letters use.
ALPHABET = "".join(chr(c) for c in range(0x20, 0x7F)) + _VIETNAMESE_LETTERS + "–—‘’“”…"


@functools.cache
def serif_family() -> tuple[str, str, str, str]:
    """Paths of the first installed serif family whose fonts cover the whole Vietnamese alphabet."""
    needed = {ord(c) for c in ALPHABET if not c.isspace()}
    for folder, pattern, suffixes in SERIF_FAMILIES:
        paths = tuple(str(Path(folder) / pattern.format(s)) for s in suffixes)
        if all(Path(p).is_file() for p in paths) and needed <= set(TTFont(paths[0]).getBestCmap()):
            return paths  # type: ignore[return-value]
    raise FileNotFoundError("Không tìm thấy phông chữ serif có đủ dấu tiếng Việt (cài gói fonts-liberation2).")


def find_serif_font() -> str:
    """Path of the regular face of the serif family."""
    return serif_family()[0]


@functools.lru_cache(maxsize=4)
def prepare_font(path: str) -> bytes:
    """Subset a TrueType font to the Vietnamese alphabet and rescale it to 1000 units per em."""
    font = TTFont(path)
    # pyHanko writes glyph widths in raw font units; PDF expects 1/1000 em.
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    options = subset.Options()
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM"]
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[ord(c) for c in ALPHABET])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class PreparedFont(FontEngineFactory):
    """A font engine factory over a font prepared once and kept in memory."""

    data: bytes
    font_size: int = 10

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream: object = None) -> GlyphAccumulator:
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(self.data),
            font_size=self.font_size,
            ot_script_tag="latn",
            ot_language_tag="VIT ",
            writing_direction="ltr",
            obj_stream=obj_stream,
        )


BLUE = (0.0, 0.2, 0.7)
RED = (0.85, 0.05, 0.05)


def text_style(font: bytes, size: int = 10, color: tuple[float, float, float] | None = None) -> TextBoxStyle:
    """A text box style in the prepared font."""
    return TextBoxStyle(
        font=PreparedFont(font, size),
        font_size=size,
        leading=size + 2,
        text_color=color,
        # pyHanko's default text box margin is 10 pt a side, which would shrink small stamps' text.
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(1),
        ),
    )


def leader_style(font: bytes, image: PreparedImage | None = None) -> BaseStampStyle:
    """The leader's stamp: the handwritten signature image with who signed and when, small, below it.

    Without an image, a framed text stamp names the signer, the capacity (KT. …), the agency and the time.
    """
    if image is None:
        return TextStampStyle(
            stamp_text=(
                "Ký bởi: %(signer_name)s\nChức vụ: %(position)s\nCơ quan: %(agency)s\n%(time_label)s: %(signed_at)s"
            ),
            text_box_style=text_style(font, 8, BLUE),
            border_width=1,
            border_color=BLUE,
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins(4, 4, 4, 4),
            ),
        )
    return TextStampStyle(
        stamp_text="Ký bởi: %(signer_name)s\n%(time_label)s: %(signed_at)s",
        text_box_style=text_style(font, 6, BLUE),
        border_width=0,
        background=ImageContent(image),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(*LEADER_IMAGE_MARGINS),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
        # Who signed and when, small, at the bottom right: the agency's seal covers the left third of
        # the signature and reaches below it, so the text keeps to the right (signing.issuance.seal_box).
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(1, 1, 0, 0),
        ),
    )


# Left, right, top and bottom room around the signature image in the leader's field (text below it).
LEADER_IMAGE_MARGINS = (2, 2, 1, 18)


def image_in_field(width: float, height: float, image: PreparedImage) -> tuple[float, float, float, float]:
    """Where the leader's stamp draws its signature image in a field of this size (scaled to fit, centred)."""
    left, right, top, bottom = LEADER_IMAGE_MARGINS
    room_w, room_h = width - left - right, height - top - bottom
    scale = min(room_w / image.width, room_h / image.height)
    w, h = image.width * scale, image.height * scale
    x, y = left + (room_w - w) / 2, bottom + (room_h - h) / 2
    return x, y, x + w, y + h


@dataclass(frozen=True)
class Untimed(BaseStampStyle):
    """A stamp style that asks pyHanko for no signing time; for signatures prepared ahead (no /M)."""

    inner: BaseStampStyle | None = None

    def create_stamp(self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict) -> Any:
        assert self.inner is not None
        return self.inner.create_stamp(writer, box, text_params)


class SealContent(content.PdfContent):
    """A red round seal drawn as vector art: two rings and a star."""

    def render(self) -> bytes:
        box = self.box
        cx, cy = box.width / 2, box.height / 2
        radius = min(cx, cy) - 1.5
        ops = [b"q %g %g %g RG 1.8 w" % RED, _circle(cx, cy, radius), b"S"]
        ops += [b"0.9 w", _circle(cx, cy, radius * 0.72), b"S"]
        ops += [b"%g %g %g rg" % RED, _star(cx, cy + radius * 0.36, radius * 0.16), b"f Q"]
        return b" ".join(ops)


def _circle(cx: float, cy: float, r: float) -> bytes:
    k = 0.5523 * r
    return b"%g %g m %g %g %g %g %g %g c %g %g %g %g %g %g c %g %g %g %g %g %g c %g %g %g %g %g %g c" % (
        cx + r,
        cy,
        cx + r,
        cy + k,
        cx + k,
        cy + r,
        cx,
        cy + r,
        cx - k,
        cy + r,
        cx - r,
        cy + k,
        cx - r,
        cy,
        cx - r,
        cy - k,
        cx - k,
        cy - r,
        cx,
        cy - r,
        cx + k,
        cy - r,
        cx + r,
        cy - k,
        cx + r,
        cy,
    )


def _star(cx: float, cy: float, r: float) -> bytes:
    points = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.4
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + rr * math.cos(angle), cy + rr * math.sin(angle)))
    head, *rest = points
    return b"%g %g m " % head + b" ".join(b"%g %g l" % p for p in rest) + b" h"


def field_appearance(
    writer: BasePdfFileWriter, font: bytes, value: str, width: float, height: float, *, centred: bool = False
) -> IndirectObject:
    """A filled number or date field: the text on its line's baseline, on white, shrunk to fit, from the
    field's left or centred in it.

    Field boxes reach 0.3 em below the baseline and 1.05 em above it (signing.pdf.line_box); the
    white ground hides a placeholder the page had there (an uploaded "Số: /STNMT-VP").
    """
    nominal = height / 1.35
    engine = PreparedFont(font, round(nominal)).create_font_engine(writer)
    shaped = engine.shape(value)
    size = min(nominal, (width - 2) / max(shaped.x_advance, 0.01))
    x = (width - shaped.x_advance * size) / 2 if centred else 1  # x_advance is in ems
    ops = b"q 1 g 0 0 %g %g re f Q BT /F1 %g Tf 1 0 0 1 %g %g Tm %s ET" % (
        width,
        height,
        size,
        x,
        0.3 * nominal,
        shaped.graphics_ops,
    )
    engine.prepare_write()
    stream = generic.StreamObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
            generic.pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(v) for v in (0, 0, width, height)),
            generic.pdf_name("/Resources"): generic.DictionaryObject(
                {generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/F1"): engine.as_resource()})}
            ),
        },
        stream_data=ops,
    )
    return writer.add_object(stream)


def agency_style(font: bytes, seal: PreparedImage | None = None) -> BaseStampStyle:
    """The agency's stamp: its red seal image at real size; without one, a drawn seal with name and time."""
    if seal is not None:
        return StaticStampStyle(
            background=ImageContent(seal),
            border_width=0,
            background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
            ),
        )
    return TextStampStyle(
        stamp_text="%(agency)s\n%(signed_at)s",
        text_box_style=text_style(font, 7, RED),
        border_width=0,
        background=SealContent(box=layout.BoxConstraints(100, 100)),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(20, 20, 26, 20),
        ),
    )


def appendix_style(font: bytes) -> TextStampStyle:
    """The agency's signature on an appendix file: number/symbol and ISO 8601 time, 10 pt, no image."""
    return TextStampStyle(
        stamp_text="%(symbol)s\n%(signed_at)s",
        text_box_style=text_style(font, 10),  # black (Decree 30, Appendix I)
        border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(2, 2, 2, 2),
        ),
    )


# --- images: handwritten signatures and seals -----------------------------------------------

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 3000
# A seal's diameter: 35–42 mm for a Sở, up to about 50 mm for a ministry (Decree 99/2016 and its circulars).
SEAL_MM = (20.0, 60.0)
DEFAULT_SEAL_MM = 36.0  # a seal uploaded before its size was recorded


@dataclass(frozen=True)
class PreparedImage:
    """A transparent PNG decoded once: its size, its inked part and Flate-compressed colour and alpha planes."""

    width: int
    height: int
    color: bytes
    alpha: bytes
    ink: tuple[float, float, float, float]  # the inked part: left, bottom, right, top as shares of the image
    mm_wide: float | None  # its physical width from the PNG's resolution, if it states one


def check_image(png: bytes, kind: str | None = None) -> tuple[int, int]:
    """Check that the bytes are a transparent PNG of sensible size, and for a "signature" blue ink or for a
    "seal" red ink; return its width and height."""
    from PIL import Image, UnidentifiedImageError

    if len(png) > MAX_IMAGE_BYTES:
        raise SigningError("image_too_large", "Ảnh quá lớn (tối đa 2 MB).")
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise SigningError("image_not_png", "Ảnh phải là tệp PNG nền trong suốt.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(png))
            width, height = image.size
            if max(width, height) > MAX_IMAGE_SIDE or min(width, height) < 16:
                raise SigningError("image_size", "Kích thước ảnh phải từ 16 đến 3000 điểm ảnh mỗi chiều.")
            image.load()
    except SigningError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise SigningError("image_unreadable", "Không đọc được ảnh PNG (tệp hỏng).") from exc
    if not (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info):
        raise SigningError("image_not_transparent", "Ảnh chữ ký/con dấu phải có nền trong suốt (PNG có kênh alpha).")
    if kind is not None:
        _check_ink(image.convert("RGBA"), kind)
    return width, height


def _check_ink(image: Any, kind: str) -> None:
    """Refuse a signature not in blue ink or a seal not in red (Decree 30: blue signatures, red seals)."""
    small = image.copy()
    small.thumbnail((200, 200))
    raw = small.tobytes()
    inked = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 4) if raw[i + 3] >= 128]
    if not inked:
        raise SigningError("image_empty", "Ảnh không có nét nào (toàn bộ trong suốt).")
    if kind == "signature":
        share = sum(1 for r, g, b in inked if b >= r + 40 and b >= g + 20) / len(inked)
        if share < 0.6:
            raise SigningError("signature_not_blue", "Ảnh chữ ký phải là nét mực màu xanh trên nền trong suốt.")
    else:
        share = sum(1 for r, g, b in inked if r >= g + 60 and r >= b + 60) / len(inked)
        if share < 0.6:
            raise SigningError("seal_not_red", "Ảnh con dấu phải là dấu màu đỏ trên nền trong suốt.")


def image_mm(png: bytes) -> float | None:
    """A PNG's physical width in millimetres from the resolution it states, or None if it states none."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    dpi = image.info.get("dpi")
    if not dpi or float(dpi[0]) < 10:
        return None
    return image.width / float(dpi[0]) * 25.4


@functools.lru_cache(maxsize=64)
def prepare_image(png: bytes) -> PreparedImage:
    """Decode a checked PNG once into the planes an image XObject needs (kept for every later document)."""
    from PIL import Image

    check_image(png)
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    color = zlib.compress(image.convert("RGB").tobytes(), 6)
    alpha = image.getchannel("A")
    # The ink is what is more than faintly drawn; PIL's box has its origin at the top left.
    box = alpha.point(lambda a: 255 if a >= 64 else 0).getbbox() or (0, 0, image.width, image.height)
    w, h = image.width, image.height
    ink = (box[0] / w, 1 - box[3] / h, box[2] / w, 1 - box[1] / h)
    return PreparedImage(
        width=w, height=h, color=color, alpha=zlib.compress(alpha.tobytes(), 6), ink=ink, mm_wide=image_mm(png)
    )


class ImageContent(content.PdfContent):
    """A prepared image drawn into its box; the compressed planes are copied, never re-encoded."""

    def __init__(self, image: PreparedImage) -> None:
        super().__init__(box=layout.BoxConstraints(image.width, image.height))
        self.image = image

    def _plane(self, data: bytes, space: str, extra: dict[str, generic.PdfObject]) -> IndirectObject:
        assert self.writer is not None
        n = generic.pdf_name
        header = {
            n("/Type"): n("/XObject"),
            n("/Subtype"): n("/Image"),
            n("/Width"): generic.NumberObject(self.image.width),
            n("/Height"): generic.NumberObject(self.image.height),
            n("/ColorSpace"): n(space),
            n("/BitsPerComponent"): generic.NumberObject(8),
            n("/Filter"): n("/FlateDecode"),
            **extra,
        }
        return self.writer.add_object(generic.StreamObject(header, encoded_data=data))

    def render(self) -> bytes:
        mask = self._plane(self.image.alpha, "/DeviceGray", {})
        ref = self._plane(self.image.color, "/DeviceRGB", {generic.pdf_name("/SMask"): mask})
        self.set_resource(category=content.ResourceType.XOBJECT, name=generic.pdf_name("/Img"), value=ref)
        return b"%g 0 0 %g 0 0 cm /Img Do" % (self.box.width, self.box.height)
