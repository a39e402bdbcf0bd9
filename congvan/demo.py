"""Demo data modelled on the sample letters: Sở TN&MT Tuyên Quang, its units, people, registers, PKI."""

from __future__ import annotations

import functools
import io
import math
import textwrap
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from congvan.demo_token import add_signing_key
from signing import appearance, pki
from workflow.directory.models import SigningAuthority
from workflow.models import Agency, Person, Register, Unit
from workflow.runtime import Runtime

DEMO_PASSWORD = "congvan-demo"  # noqa: S105 - the demo password the README documents

SELF = {
    "code": "000.00.12.H57",
    "name": "Sở Tài nguyên và Môi trường",
    "superior": "UBND tỉnh Tuyên Quang",
    "abbreviation": "STNMT",
    "place": "Tuyên Quang",
    "aliases": "Sở Tài nguyên và Môi trường tỉnh Tuyên Quang\nSở TN&MT",
}

GROUP = "Các phòng, đơn vị trực thuộc Sở\nCác phòng chuyên môn, đơn vị trực thuộc Sở\nCác phòng, đơn vị thuộc Sở"

UNITS = [
    ("VP", "Văn phòng Sở", "Văn phòng\n" + GROUP),
    ("BGD", "Ban Giám đốc Sở", "Lãnh đạo Sở\nBan GĐ Sở\nBan Giám đốc\nGiám đốc, các PGĐ Sở"),
    ("QLDD", "Phòng Quản lý đất đai", "Phòng QLĐĐ\n" + GROUP),
    ("TNN", "Phòng Tài nguyên nước - Khoáng sản", "Phòng TNN-KS\n" + GROUP),
    ("CNTT", "Trung tâm Công nghệ Thông tin Tài nguyên và Môi trường", "Trung tâm CNTT\n" + GROUP),
]

OTHERS = [
    (
        "000.00.00.H57",
        "Ủy ban nhân dân tỉnh Tuyên Quang",
        "UBND tỉnh\nUBND tỉnh Tuyên Quang\nỦy ban nhân dân tỉnh",
        "UBND",
    ),
    ("000.00.09.H57", "Sở Nội vụ tỉnh Tuyên Quang", "Sở Nội vụ", "SNV"),
    ("000.00.04.H57", "Sở Tài chính tỉnh Tuyên Quang", "Sở Tài chính", "STC"),
    ("000.00.05.H57", "Sở Kế hoạch và Đầu tư tỉnh Tuyên Quang", "Sở Kế hoạch và Đầu tư\nSở KH&ĐT", "SKHĐT"),
    ("000.00.11.H57", "Sở Y tế tỉnh Tuyên Quang", "Sở Y tế", "SYT"),
]

# username, full name, unit, position, roles
PEOPLE = [
    ("chuyenvien", "Nguyễn Thị Lan", "VP", "Chuyên viên", "specialist"),
    ("truongphong", "Trần Văn Hùng", "VP", "Chánh Văn phòng", "unit_head specialist"),
    ("giamdoc", "Phạm Mạnh Duyệt", "BGD", "Giám đốc", "leader"),
    ("phogiamdoc", "Hoàng Văn Minh", "BGD", "Phó Giám đốc", "leader"),
    ("vanthu", "Lê Thị Hoa", "VP", "Văn thư", "clerk archivist"),  # văn thư kiêm lưu trữ, as in most Sở
    ("admin", "Quản trị hệ thống", "VP", "Quản trị viên", "admin"),
    ("chuyenvien_dd", "Đỗ Văn Nam", "QLDD", "Chuyên viên", "specialist"),
    ("truongphong_dd", "Vũ Thị Mai", "QLDD", "Trưởng phòng", "unit_head specialist"),
    ("chuyenvien_cntt", "Ngô Quang Huy", "CNTT", "Viên chức", "specialist"),
]

# The authority lines each leader may sign under (Decree 30 Art. 13), the default first: kind, for whom, own title.
AUTHORITIES = {
    "giamdoc": [("own", "", "Giám đốc")],
    "phogiamdoc": [("kt", "Giám đốc", "Phó Giám đốc"), ("q", "Giám đốc", "")],
}

# The administrator's distribution lists: name, other names, members (routing.models.DistributionList).
LISTS = [
    (
        "Các Sở, ban, ngành thuộc tỉnh",
        "Các Sở, ban, ngành\nCác Sở, ngành\nCác sở, ban, ngành tỉnh",
        "Sở Nội vụ\nSở Tài chính\nSở Kế hoạch và Đầu tư\nSở Y tế",
    ),
]

REGISTERS = [
    ("CV", "Sổ đăng ký công văn đi", "cong_van"),
    ("VB", "Sổ đăng ký văn bản hành chính đi", "typed"),
    ("MAT", "Sổ đăng ký văn bản mật đi", "confidential"),
]


def load_directory(session: Session, password_hash: str | None = None, self_code: str = SELF["code"]) -> Agency:
    """Create the demo agency, units, people, other agencies and registers (once).

    `self_code` picks which of the demo agencies this instance is (a second instance, say Sở Nội vụ,
    to try the exchange between agencies); the others are in its directory.
    """
    existing = session.scalar(select(Agency).where(Agency.is_self.is_(True)))
    if existing is not None:
        return existing
    everyone = [(SELF["code"], SELF["name"], SELF["aliases"], SELF["abbreviation"]), *OTHERS]
    if self_code not in {code for code, *_ in everyone}:
        raise ValueError(f"unknown demo agency {self_code}")
    agency = None
    for code, name, aliases, abbreviation in everyone:
        ours = code == self_code
        row = Agency(
            code=code,
            name=name.removesuffix(" tỉnh Tuyên Quang") if ours else name,
            aliases=aliases,
            abbreviation=abbreviation,
            superior=SELF["superior"] if ours else "",
            place=SELF["place"],
            is_self=ours,
        )
        session.add(row)
        agency = row if ours else agency
    assert agency is not None
    units = {}
    for code, name, aliases in UNITS:
        units[code] = Unit(agency=agency, code=code, name=name, aliases=aliases)
    session.add_all(units.values())
    hashed = password_hash or generate_password_hash(DEMO_PASSWORD)
    people = {}
    for username, full_name, unit, position, roles in PEOPLE:
        people[username] = Person(
            username=username,
            full_name=full_name,
            unit=units[unit],
            position=position,
            roles=roles,
            password_hash=hashed,
        )
    session.add_all(people.values())
    session.flush()
    for username, lines in AUTHORITIES.items():
        for seq, (kind, principal, title) in enumerate(lines):
            session.add(
                SigningAuthority(
                    person_id=people[username].id,
                    kind=kind,
                    principal=principal,
                    title=title,
                    is_default=seq == 0,
                    seq=seq,
                )
            )
    for code, name, scope in REGISTERS:
        session.add(Register(agency_id=agency.id, code=code, name=name, scope=scope))
    session.flush()
    return agency


# The leader whose key the demo makes on the PKCS#11 token the settings name (SoftHSM2, when scripts/demo finds it
# installed); without a token every leader signs with a PKCS#12 file.
HSM_LEADER = "phogiamdoc"


def make_pki(rt: Runtime, session: Session) -> list[Path]:
    """Create the demo PKI: a root, one certificate per leader and one for the agency (never committed); the
    HSM_LEADER's key on the configured PKCS#11 token, if any."""
    keys = Path(rt.settings.keys_dir)
    roots = keys / "roots.pem"
    if roots.exists():
        return []
    passphrase = rt.settings.key_passphrase.encode()
    agency = session.scalar(select(Agency).where(Agency.is_self.is_(True)))
    assert agency is not None
    (keys / "people").mkdir(parents=True, exist_ok=True)
    keys.chmod(0o700)
    root = pki.make_root("congvan Demo Root CA", "congvan (chỉ dùng thử)")
    written = []
    settings = rt.settings
    for person in session.scalars(select(Person)):
        if person.username == HSM_LEADER and settings.pkcs11_module:
            # This leader's key is made on the token and never leaves it; the others' are PKCS#12 files.
            token = (settings.pkcs11_module, settings.pkcs11_token, settings.pkcs11_pin)
            add_signing_key(*token, person.username, root, person.full_name, agency.name)
            person.signer_kind, person.signer_ref = "pkcs11", person.username
        elif person.has_role("leader"):
            identity = pki.issue_signing_cert(root, person.full_name, agency.name)
            path = keys / "people" / f"{person.username}.p12"
            path.write_bytes(pki.to_pkcs12(identity, [root.cert], passphrase, person.username))
            written.append(path)
    identity = pki.issue_signing_cert(root, f"{agency.name} {agency.superior.removeprefix('UBND ')}", agency.name)
    path = keys / f"agency-{agency.code}.p12"
    path.write_bytes(pki.to_pkcs12(identity, [root.cert], passphrase, agency.code))
    written.append(path)
    for item in written:
        item.chmod(0o600)
    roots.write_bytes(pki.cert_pem(root.cert))
    return [*written, roots]


def load_images(rt: Runtime, session: Session) -> None:
    """Give each leader a handwritten signature image and the agency its seal image (where missing)."""
    agency = session.scalar(select(Agency).where(Agency.is_self.is_(True)))
    assert agency is not None
    if agency.seal_image is None:
        agency.seal_image = rt.store.put(seal_png(agency.name, agency.superior), ".png")
        agency.seal_mm = SEAL_MM
    for person in session.scalars(select(Person)):
        if person.has_role("leader") and person.signature_image is None:
            person.signature_image = rt.store.put(signature_png(person.full_name), ".png")


@functools.cache
def signature_png(full_name: str) -> bytes:
    """A handwritten-looking blue signature on a transparent ground, different for each name."""
    from PIL import Image, ImageDraw

    scale, width, height = 4, 600, 240
    canvas = Image.new("RGBA", (width * scale, height * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(full_name))
    points = []
    for step in range(400):
        t = step / 399
        # A drifting loop: x backtracks where the cosine term outruns the drift, drawing loops.
        x = 50 + 470 * t + 30 * math.sin(2 * math.pi * (5 + seed % 3) * t)
        y = (
            115
            + (60 - 40 * t) * math.sin(2 * math.pi * 2.5 * t + seed % 5)
            + 30 * math.cos(2 * math.pi * (5 + seed % 3) * t)
        )
        points.append((x * scale, y * scale))
    draw.line(points, fill=(18, 45, 165, 255), width=5 * scale, joint="curve")
    tail = [(x * scale, (186 + 6 * math.sin(x / 40)) * scale) for x in range(120, 560, 4)]
    draw.line(tail, fill=(18, 45, 165, 255), width=4 * scale, joint="curve")
    out = io.BytesIO()
    canvas.resize((width, height), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()


SEAL_MM = 36.0  # a Sở's seal


@functools.cache
def seal_png(name: str, superior: str) -> bytes:
    """A round red seal: the superior's name around the ring, the agency's name and a star inside."""
    from PIL import Image, ImageDraw, ImageFont

    size, red = 600, (215, 25, 30, 255)
    bold = appearance.serif_family()[1]
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    draw.ellipse((c - 200, c - 200, c + 200, c + 200), outline=red, width=6)
    ring = ImageFont.truetype(bold, 46)
    text = superior.upper()
    span = min(300.0, 13.0 * len(text))  # degrees of arc the ring text takes
    for i, char in enumerate(text):
        angle = -90 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((32, 32), char, font=ring, fill=red, anchor="mm")
        glyph = glyph.rotate(-angle - 90, resample=Image.Resampling.BICUBIC)
        x = c + 245 * math.cos(math.radians(angle)) - 32
        y = c + 245 * math.sin(math.radians(angle)) - 32
        image.alpha_composite(glyph, (round(x), round(y)))
    inner = ImageFont.truetype(bold, 40)
    lines = textwrap.wrap(name.upper(), 14)
    top = c - 24 * len(lines)
    for i, line in enumerate(lines):
        draw.text((c, top + 48 * i), line, font=inner, fill=red, anchor="mm")
    star = [
        (
            c + (34 if k % 2 == 0 else 14) * math.cos(math.radians(-90 + 36 * k)),
            c + 130 + (34 if k % 2 == 0 else 14) * math.sin(math.radians(-90 + 36 * k)),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    out = io.BytesIO()
    dpi = size / SEAL_MM * 25.4  # the PNG states its real size: 36 mm across
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()
