"""Demo data modelled on the sample letters: Sở TN&MT Tuyên Quang, its units, people, registers, PKI."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from signing import pki
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

# username, full name, unit, position, authority line, roles
PEOPLE = [
    ("chuyenvien", "Nguyễn Thị Lan", "VP", "Chuyên viên", "", "specialist"),
    ("truongphong", "Trần Văn Hùng", "VP", "Chánh Văn phòng", "", "unit_head specialist"),
    ("giamdoc", "Phạm Mạnh Duyệt", "BGD", "Giám đốc", "", "leader"),
    ("phogiamdoc", "Hoàng Văn Minh", "BGD", "Phó Giám đốc", "KT. GIÁM ĐỐC", "leader"),
    ("vanthu", "Lê Thị Hoa", "VP", "Văn thư", "", "clerk"),
    ("admin", "Quản trị hệ thống", "VP", "Quản trị viên", "", "admin"),
    ("chuyenvien_dd", "Đỗ Văn Nam", "QLDD", "Chuyên viên", "", "specialist"),
    ("truongphong_dd", "Vũ Thị Mai", "QLDD", "Trưởng phòng", "", "unit_head specialist"),
    ("chuyenvien_cntt", "Ngô Quang Huy", "CNTT", "Viên chức", "", "specialist"),
]

REGISTERS = [
    ("CV", "Sổ đăng ký công văn đi", "cong_van"),
    ("VB", "Sổ đăng ký văn bản hành chính đi", "typed"),
    ("MAT", "Sổ đăng ký văn bản mật đi", "confidential"),
]


def load_directory(session: Session, password_hash: str | None = None) -> Agency:
    """Create the demo agency, units, people, other agencies and registers (once)."""
    existing = session.scalar(select(Agency).where(Agency.is_self.is_(True)))
    if existing is not None:
        return existing
    agency = Agency(is_self=True, **SELF)
    session.add(agency)
    units = {}
    for code, name, aliases in UNITS:
        units[code] = Unit(agency=agency, code=code, name=name, aliases=aliases)
    session.add_all(units.values())
    for code, name, aliases, abbreviation in OTHERS:
        session.add(
            Agency(code=code, name=name, aliases=aliases, abbreviation=abbreviation, superior="", place="Tuyên Quang")
        )
    hashed = password_hash or generate_password_hash(DEMO_PASSWORD)
    for username, full_name, unit, position, authority, roles in PEOPLE:
        session.add(
            Person(
                username=username,
                full_name=full_name,
                unit=units[unit],
                position=position,
                authority=authority,
                roles=roles,
                password_hash=hashed,
            )
        )
    session.flush()
    for code, name, scope in REGISTERS:
        session.add(Register(agency_id=agency.id, code=code, name=name, scope=scope))
    session.flush()
    return agency


def make_pki(rt: Runtime, session: Session) -> list[Path]:
    """Create the demo PKI: a root, one certificate per leader and one for the agency (never committed)."""
    keys = Path(rt.config["KEYS_DIR"])
    roots = keys / "roots.pem"
    if roots.exists():
        return []
    passphrase = str(rt.config["KEY_PASSPHRASE"]).encode()
    agency = session.scalar(select(Agency).where(Agency.is_self.is_(True)))
    assert agency is not None
    (keys / "people").mkdir(parents=True, exist_ok=True)
    keys.chmod(0o700)
    root = pki.make_root("congvan Demo Root CA", "congvan (chỉ dùng thử)")
    written = []
    for person in session.scalars(select(Person)):
        if person.has_role("leader"):
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
