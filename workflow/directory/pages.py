"""The administration pages: people, units, registers, signature and seal images; and delegations."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from workflow import catalog
from workflow.directory import authorities, delegations, schemas
from workflow.directory import service as directory
from workflow.directory.models import DELEGATION_STATES, LABELS, MOST, SCOPE_LABELS
from workflow.errors import Forbidden, NotFound
from workflow.issuance import registers
from workflow.models import Person
from workflow.web.context import commit, db, path_id, runtime
from workflow.web.pages import actor, blueprint, signed_in
from workflow.web.schemas import parse

bp = blueprint("directory", __name__)


def _admin_only() -> Person:
    person = actor()
    if not person.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được vào trang quản trị.")
    return person


@bp.get("/admin")
@signed_in
def admin() -> str:
    """People, units, registers, the agency's seal."""
    person = _admin_only()
    agency_id = person.unit.agency_id
    people = directory.people_of(db(), agency_id)
    units = directory.units_of(db(), agency_id)
    books = registers.registers_of(db(), agency_id)
    return render_template("workflow/admin.html", people=people, units=units, registers=books)


def _person_form() -> dict[str, Any]:
    data: dict[str, Any] = request.form.to_dict()
    data["roles"] = request.form.getlist("roles")
    data["active"] = request.form.get("active") == "1"
    return data


@bp.route("/admin/people/new", methods=["GET", "POST"])
@signed_in
def admin_new_person() -> BaseResponse | str:
    """Add a person."""
    person = _admin_only()
    units = directory.units_of(db(), person.unit.agency_id)
    if request.method == "POST":
        created = directory.save_person(db(), person, None, _person_form())
        commit()
        flash(_("Đã thêm người dùng %(username)s.", username=created.username), "ok")
        return redirect(url_for("directory.admin_person", person_id=created.id))
    return render_template("workflow/admin_person.html", target=None, units=units, kinds=catalog.SIGNER_KINDS)


@bp.route("/admin/people/<person_id>", methods=["GET", "POST"])
@signed_in
def admin_person(person_id: str) -> BaseResponse | str:
    """Change a person; a leader's signature image and where their signing key lives."""
    person = _admin_only()
    target = directory.colleague(db(), person, path_id(person_id))
    if request.method == "POST":
        form = request.form.get("form")
        if form == "signature":
            upload = request.files.get("file")
            directory.set_signature_image(db(), runtime(), person, target.id, upload.read() if upload else b"")
            message = _("Đã cập nhật ảnh chữ ký.")
        elif form == "signer":
            directory.set_signer(db(), person, target.id, request.form.get("kind"), request.form.get("ref"))
            message = _("Đã cập nhật nơi giữ khóa ký số.")
        elif form == "authorities":
            authorities.set_authorities(db(), person, target.id, _authorities_form().items)
            message = _("Đã lưu các dòng thẩm quyền ký.")
        elif form == "totp":
            directory.reset_totp(db(), person, target.id)
            message = _("Đã tắt xác thực hai lớp của người dùng.")
        else:
            directory.save_person(db(), person, target.id, _person_form())
            message = _("Đã lưu.")
        commit()
        flash(message, "ok")
        return redirect(url_for("directory.admin_person", person_id=target.id))
    units = directory.units_of(db(), person.unit.agency_id)
    return render_template(
        "workflow/admin_person.html",
        target=target,
        units=units,
        kinds=catalog.SIGNER_KINDS,
        authorities=authorities.authorities_of(db(), target.id),
        authority_kinds=LABELS,
    )


def _authorities_form() -> schemas.AuthoritiesIn:
    """The authority rows of the admin's form, the ones left "(không dùng)" dropped."""
    items = [
        {
            "kind": request.form.get(f"kind_{n}"),
            "principal": request.form.get(f"principal_{n}", ""),
            "title": request.form.get(f"title_{n}", ""),
            "default": request.form.get("default") == str(n),
        }
        for n in range(MOST)
        if request.form.get(f"kind_{n}")
    ]
    return parse(schemas.AuthoritiesIn, {"items": items})


@bp.get("/admin/people/<person_id>/signature.png")
@signed_in
def admin_signature(person_id: str) -> Response:
    """A leader's signature image (admin)."""
    target = directory.colleague(db(), _admin_only(), path_id(person_id))
    image = directory.image(runtime(), target.signature_image)
    if image is None:
        raise NotFound("image_not_found", "Chưa có ảnh chữ ký.")
    return Response(image, mimetype="image/png")


@bp.post("/admin/units")
@signed_in
def admin_unit() -> BaseResponse:
    """Add a unit or change one."""
    unit_id = request.form.get("unit_id", "")
    directory.save_unit(db(), _admin_only(), int(unit_id) if unit_id.isdigit() else None, request.form.to_dict())
    commit()
    flash(_("Đã lưu đơn vị."), "ok")
    return redirect(url_for("directory.admin"))


@bp.post("/admin/registers/<register_id>")
@signed_in
def admin_register(register_id: str) -> BaseResponse:
    """Rename a register or change its symbol patterns."""
    directory.save_register(db(), _admin_only(), path_id(register_id), request.form.to_dict())
    commit()
    flash(_("Đã lưu sổ đăng ký."), "ok")
    return redirect(url_for("directory.admin"))


@bp.post("/admin/seal")
@signed_in
def admin_seal() -> BaseResponse:
    """Upload the agency's seal image."""
    upload = request.files.get("file")
    diameter = parse(schemas.SealQuery, request.form.to_dict())
    directory.set_seal_image(db(), runtime(), _admin_only(), upload.read() if upload else b"", diameter.diameter_mm)
    commit()
    flash(_("Đã cập nhật ảnh con dấu."), "ok")
    return redirect(url_for("directory.admin"))


@bp.get("/admin/seal.png")
@signed_in
def admin_seal_image() -> Response:
    """The agency's seal image (admin)."""
    image = directory.image(runtime(), _admin_only().unit.agency.seal_image)
    if image is None:
        raise NotFound("image_not_found", "Chưa có ảnh con dấu.")
    return Response(image, mimetype="image/png")


@bp.route("/delegations", methods=["GET", "POST"])
@signed_in
def delegations_page() -> BaseResponse | str:
    """Delegations given and received; a leader (or the admin for one) delegates signing or incoming instructions."""
    person, rt = actor(), runtime()
    if request.method == "POST":
        form: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csrf_token"}
        form["scopes"] = request.form.getlist("scopes")
        for name in ("starts_at", "ends_at"):  # the browser's datetime-local: the agency's local time
            form[name] = form.get(name) or None
        body = parse(schemas.DelegationIn, form)
        made = delegations.create(db(), person, body, rt.now(), rt.tz)
        names = made.delegate.full_name
        commit()
        flash(_("Đã ủy quyền cho %(name)s.", name=names), "ok")
        return redirect(url_for("directory.delegations_page"))
    people = directory.people_of(db(), person.unit.agency_id, active_only=True)
    lines = [a for p in people for a in authorities.authorities_of(db(), p.id) if p.has_role("leader")]
    return render_template(
        "workflow/delegations.html",
        items=delegations.listed(db(), person),
        now=rt.now(),
        people=people,
        principals=[p for p in people if p.has_role("leader") or p.has_role("unit_head")],
        lines=lines,
        scope_labels=SCOPE_LABELS,
        states=DELEGATION_STATES,
    )


@bp.post("/delegations/<delegation_id>/withdraw")
@signed_in
def delegation_withdraw(delegation_id: str) -> BaseResponse:
    """End a delegation now."""
    rt = runtime()
    row = delegations.withdraw(db(), actor(), path_id(delegation_id), rt.now(), rt.tz)
    name = row.delegate.full_name
    commit()
    flash(_("Đã thu hồi ủy quyền cho %(name)s.", name=name), "ok")
    return redirect(url_for("directory.delegations_page"))
