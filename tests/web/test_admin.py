"""The admin pages: people, roles, units, registers, signature and seal images, signing keys."""

from __future__ import annotations

import io

from flask import Flask

from congvan import demo
from tests.web.test_pages import _token, sign_in


def test_admin_manages_people_units_registers_and_images(app: Flask) -> None:
    assert sign_in(app, "vanthu").get("/admin").status_code == 403
    admin = sign_in(app, "admin")
    page = admin.get("/admin").get_data(as_text=True)
    assert "giamdoc" in page and "Sổ đăng ký công văn đi" in page

    token = _token(admin, "/admin/people/new")
    person = {"csrf_token": token, "username": "chuyenvien_tnn", "full_name": "Lý Thị Thu", "unit_id": "4"}
    response = admin.post("/admin/people/new", data=person | {"roles": ["specialist"], "password": "ngắn"})
    assert response.status_code == 302  # refused: back to the form with the reason
    assert "Mật khẩu cần ít nhất 10 ký tự." in admin.get("/admin/people/new").get_data(as_text=True)
    response = admin.post(
        "/admin/people/new", data=person | {"roles": ["specialist"], "password": "mat-khau-dai-du", "active": "1"}
    )
    assert response.status_code == 302 and "/admin/people/" in response.headers["Location"]
    newcomer = app.test_client()
    response = newcomer.post(
        "/login",
        data={"username": "chuyenvien_tnn", "password": "mat-khau-dai-du", "csrf_token": _token(newcomer, "/login")},
    )
    assert response.status_code == 302
    assert "Lý Thị Thu" in newcomer.get("/").get_data(as_text=True)

    # Nobody can lock themselves out.
    token = _token(admin, "/admin/people/6")
    admin.post(
        "/admin/people/6",
        data={
            "csrf_token": token,
            "form": "person",
            "full_name": "Quản trị",
            "unit_id": "1",
            "roles": ["clerk"],
            "active": "1",
        },
    )
    assert "Không thể tự bỏ quyền quản trị" in admin.get("/admin/people/6").get_data(as_text=True)

    # A leader's signature image and signing key.
    token = _token(admin, "/admin/people/3")
    png = demo.signature_png("Phạm Mạnh Duyệt Mới")
    admin.post(
        "/admin/people/3", data={"csrf_token": token, "form": "signature", "file": (io.BytesIO(png), "chu-ky.png")}
    )
    assert admin.get("/admin/people/3/signature.png").data == png
    admin.post("/admin/people/3", data={"csrf_token": token, "form": "signer", "kind": "pkcs11", "ref": ""})
    assert "Cần nhãn khóa trên thiết bị" in admin.get("/admin/people/3").get_data(as_text=True)
    admin.post("/admin/people/3", data={"csrf_token": token, "form": "signer", "kind": "pkcs11", "ref": "giamdoc-key"})
    assert 'value="giamdoc-key"' in admin.get("/admin/people/3").get_data(as_text=True)

    # Units and registers.
    token = _token(admin, "/admin")
    admin.post("/admin/units", data={"csrf_token": token, "code": "TTr", "name": "Thanh tra Sở"})
    assert "Thanh tra Sở" in admin.get("/admin").get_data(as_text=True)
    admin.post("/admin/units", data={"csrf_token": token, "code": "VP", "name": "Trùng mã"})
    assert "Mã đơn vị đã có." in admin.get("/admin").get_data(as_text=True)
    admin.post(
        "/admin/registers/1",
        data={
            "csrf_token": token,
            "name": "Sổ công văn",
            "typed_pattern": "{type}-{x}",
            "cong_van_pattern": "{agency}-{unit}",
        },
    )
    assert "Mẫu ký hiệu chỉ gồm {type}, {agency}, {unit}" in admin.get("/admin").get_data(as_text=True)
    admin.post(
        "/admin/registers/1",
        data={
            "csrf_token": token,
            "name": "Sổ công văn",
            "typed_pattern": "{type}.{agency}",
            "cong_van_pattern": "{agency}.{unit}",
        },
    )
    assert 'value="{agency}.{unit}"' in admin.get("/admin").get_data(as_text=True)

    # The seal.
    seal = demo.seal_png("Sở Tài nguyên và Môi trường", "UBND tỉnh Tuyên Quang")
    admin.post("/admin/seal", data={"csrf_token": token, "file": (io.BytesIO(seal), "dau.png")})
    assert admin.get("/admin/seal.png").data == seal
    admin.post("/admin/seal", data={"csrf_token": token, "file": (io.BytesIO(b"not a png"), "dau.png")})
    assert admin.get("/admin/seal.png").data == seal  # a bad image changes nothing
