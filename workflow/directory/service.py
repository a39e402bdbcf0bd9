"""The directory, administered: people, units, registers, signature and seal images, signer keys."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from signing import appearance
from signing.errors import SigningError
from workflow import catalog
from workflow.accounts.service import clear_totp, end_everything_of
from workflow.audit import audit
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.issuance.registers import SYMBOL_PATTERN
from workflow.models import Agency, Person, Register, Unit
from workflow.runtime import Runtime


def colleague(session: Session, actor: Person, person_id: int | None) -> Person:
    """A person of the actor's agency (404 for anyone else: nobody acts on another agency's people)."""
    found = session.get(Person, person_id) if person_id is not None else None
    if found is None or found.unit.agency_id != actor.unit.agency_id:
        raise NotFound("person_not_found", "Không tìm thấy người dùng.")
    return found


def _check_image(png: bytes, kind: str) -> None:
    try:
        appearance.check_image(png, kind)
    except SigningError as exc:
        raise Invalid(exc.code, exc.message) from exc


def set_signature_image(session: Session, rt: Runtime, actor: Person, person_id: int, png: bytes) -> Person:
    """An admin sets a leader's handwritten signature image (transparent PNG)."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được cập nhật ảnh chữ ký.")
    target = colleague(session, actor, person_id)
    _check_image(png, "signature")
    target.signature_image = rt.store.put(png, ".png")
    audit(session, actor, "signature_image_set", None, person_id=target.id, sha256=target.signature_image)
    return target


def set_seal_image(session: Session, rt: Runtime, actor: Person, png: bytes, diameter_mm: float | None) -> Agency:
    """An admin sets the red seal image (transparent PNG) of their own agency and its real diameter.

    The diameter is the one entered, else the one the PNG's resolution gives; without either the seal
    could not be drawn at its size, so it is refused.
    """
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được cập nhật ảnh con dấu.")
    _check_image(png, "seal")
    size = diameter_mm or appearance.image_mm(png)
    if size is None:
        raise Invalid(
            "seal_size_unknown",
            "Ảnh con dấu không ghi độ phân giải (DPI): hãy nhập đường kính thật của con dấu (mm).",
            field="diameter_mm",
        )
    low, high = appearance.SEAL_MM
    if not low <= size <= high:
        raise Invalid(
            "seal_size_out_of_range",
            f"Con dấu rộng {size:.1f} mm theo độ phân giải của ảnh; đường kính con dấu phải từ {low:.0f} đến "
            f"{high:.0f} mm (hãy nhập đường kính thật).",
            field="diameter_mm",
        )
    agency = actor.unit.agency
    agency.seal_image = rt.store.put(png, ".png")
    agency.seal_mm = round(size, 1)
    audit(session, actor, "seal_image_set", None, agency_id=agency.id, sha256=agency.seal_image, mm=agency.seal_mm)
    return agency


def set_signer(session: Session, actor: Person, person_id: int, kind: Any, ref: Any) -> Person:
    """An admin chooses where a leader's signing key lives: PKCS#12 file, PKCS#11 token, or remote (CSC)."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được cấu hình khóa ký số.")
    target = colleague(session, actor, person_id)
    if kind in ("smartca", "mysign", "agent"):
        raise Invalid(
            "linked_by_leader",
            "Tài khoản SmartCA, MySign hoặc congvan-agent do chính lãnh đạo liên kết, ghép nối (trang Chữ ký số): "
            "chúng là của riêng họ.",
            field="kind",
        )
    if kind not in catalog.SIGNER_KINDS:
        raise Invalid(
            "invalid_signer_kind",
            "Loại khóa ký không hợp lệ (pkcs12, pkcs11, csc, smartca, mysign, usb, agent).",
            field="kind",
        )
    if kind == "usb":
        raise Invalid(
            "certificate_required",
            "USB token cần chứng thư số xuất từ token (dạng PEM) để đăng ký.",
            field="certificate",
        )
    ref = str(ref or "").strip()
    if kind != "pkcs12" and not ref:
        raise Invalid("missing_field", "Cần nhãn khóa trên thiết bị hoặc mã chứng thư của dịch vụ ký.", field="ref")
    if len(ref) > 255:
        raise Invalid("invalid_field", "Nhãn khóa quá dài.", field="ref")
    target.signer_kind, target.signer_ref = kind, ref if kind != "pkcs12" else ""
    audit(session, actor, "signer_set", None, person_id=target.id, kind=kind, ref=target.signer_ref)
    return target


def _admin(actor: Person) -> None:
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được thực hiện thao tác này.")


def _text(data: dict[str, Any], name: str, label: str, *, required: bool = True, longest: int = 255) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise Invalid("missing_field", f"Thiếu {label}.", field=name)
    if len(value) > longest:
        raise Invalid("field_too_long", f"{label.capitalize()} quá dài (tối đa {longest} ký tự).", field=name)
    return value


def save_person(session: Session, actor: Person, person_id: int | None, data: dict[str, Any]) -> Person:
    """An admin adds a person or changes one: name, unit, position, e-mail, roles, active, password."""
    _admin(actor)
    agency_id = actor.unit.agency_id
    if person_id is None:
        username = _text(data, "username", "tên đăng nhập", longest=64)
        if not re.fullmatch(r"[a-z0-9_.]+", username):
            raise Invalid(
                "invalid_username", "Tên đăng nhập chỉ gồm chữ thường không dấu, số, '_' và '.'.", field="username"
            )
        if session.scalar(select(Person).where(Person.username == username)) is not None:
            raise Conflict("username_taken", "Tên đăng nhập đã có người dùng.")
        target = Person(username=username, password_hash="")
    else:
        target = colleague(session, actor, person_id)
    unit = session.get(Unit, int(data.get("unit_id") or 0))
    if unit is None or unit.agency_id != agency_id:
        raise Invalid("invalid_unit", "Đơn vị không hợp lệ.", field="unit_id")
    roles = data.get("roles") or []
    if not isinstance(roles, list) or not roles or any(r not in catalog.ROLES for r in roles):
        raise Invalid("invalid_roles", "Chọn ít nhất một vai trò hợp lệ.", field="roles")
    password = str(data.get("password") or "")
    if person_id is None or password:
        if len(password) < 10:
            raise Invalid("weak_password", "Mật khẩu cần ít nhất 10 ký tự.", field="password")
        target.password_hash = generate_password_hash(password)
    if target.id == actor.id and ("admin" not in roles or not data.get("active", True)):
        raise Conflict("self_lockout", "Không thể tự bỏ quyền quản trị hay khóa chính mình.")
    target.full_name = _text(data, "full_name", "họ và tên")
    target.unit_id = unit.id
    target.position = _text(data, "position", "chức vụ", required=False, longest=128)
    email = _text(data, "email", "thư điện tử", required=False, longest=254)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise Invalid("invalid_email", "Địa chỉ thư điện tử không hợp lệ.", field="email")
    target.email = email
    target.roles = " ".join(r for r in catalog.ROLES if r in roles)
    target.active = bool(data.get("active", True))
    if target.id is not None and (not target.active or password):
        end_everything_of(session, target.id)  # disabled, or a new password: every session ends now
    session.add(target)
    session.flush()
    audit(session, actor, "person_saved", None, person_id=target.id, roles=target.roles, active=target.active)
    return target


def save_unit(session: Session, actor: Person, unit_id: int | None, data: dict[str, Any]) -> Unit:
    """An admin adds a unit or renames one (code, name, other names used in Nơi nhận)."""
    _admin(actor)
    code = _text(data, "code", "mã đơn vị", longest=32)
    if unit_id is None:
        target = Unit(agency_id=actor.unit.agency_id, code=code, name="")
    else:
        found = session.get(Unit, unit_id)
        if found is None or found.agency_id != actor.unit.agency_id:
            raise NotFound("unit_not_found", "Không tìm thấy đơn vị.")
        target = found
    clash = session.scalar(select(Unit).where(Unit.agency_id == actor.unit.agency_id, Unit.code == code))
    if clash is not None and clash is not target:
        raise Conflict("unit_code_taken", "Mã đơn vị đã có.")
    target.code, target.name = code, _text(data, "name", "tên đơn vị")
    target.aliases = _text(data, "aliases", "tên gọi khác", required=False, longest=4000)
    session.add(target)
    session.flush()
    audit(session, actor, "unit_saved", None, unit_id=target.id, code=target.code)
    return target


def save_register(session: Session, actor: Person, register_id: int, data: dict[str, Any]) -> Register:
    """An admin renames a register or changes its symbol patterns ({type}, {agency}, {unit})."""
    _admin(actor)
    target = session.get(Register, register_id)
    if target is None or target.agency_id != actor.unit.agency_id:
        raise NotFound("register_not_found", "Không tìm thấy sổ đăng ký.")
    patterns = {}
    for name in ("typed_pattern", "cong_van_pattern"):
        value = _text(data, name, "mẫu ký hiệu", longest=64)
        if not SYMBOL_PATTERN.fullmatch(value):
            raise Invalid(
                "invalid_pattern",
                "Mẫu ký hiệu chỉ gồm {type}, {agency}, {unit}, chữ, số và các dấu - / . & (không có khoảng trắng).",
                field=name,
            )
        patterns[name] = value
    target.name = _text(data, "name", "tên sổ")
    target.typed_pattern, target.cong_van_pattern = patterns["typed_pattern"], patterns["cong_van_pattern"]
    audit(session, actor, "register_saved", None, register_id=target.id, **patterns)
    return target


def image(rt: Runtime, sha256: str | None) -> bytes | None:
    """A stored signature or seal image, checked against its SHA-256; None when not set."""
    return rt.store.get(sha256, ".png") if sha256 else None


def reset_totp(session: Session, actor: Person, person_id: int) -> Person:
    """An admin turns a person's second factor off (a lost phone); they sign in and confirm with the password."""
    _admin(actor)
    target = colleague(session, actor, person_id)
    clear_totp(session, actor, target)
    return target


def agencies(session: Session) -> list[Agency]:
    """Every agency of the directory, ours first, then by name."""
    return list(session.scalars(select(Agency).order_by(Agency.is_self.desc(), Agency.name)))


def units_of(session: Session, agency_id: int) -> list[Unit]:
    """The units of an agency, in the order they were made."""
    return list(session.scalars(select(Unit).where(Unit.agency_id == agency_id).order_by(Unit.id)))


def people_of(session: Session, agency_id: int, *, active_only: bool = False) -> list[Person]:
    """The people of an agency's units (the active ones only, if asked)."""
    query = select(Person).join(Unit).where(Unit.agency_id == agency_id)
    if active_only:
        query = query.where(Person.active.is_(True))
    return list(session.scalars(query.order_by(Person.id)))
