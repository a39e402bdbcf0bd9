"""Recipients found in the directory before and at issuance: people by position and name, the administrator's
distribution lists, unknown names with the closest ones, names the clerk remembers once."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.api import Api
from tests.web.test_pages import _token, sign_in

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def _preview(api: Api, doc_id: int, user: str = "chuyenvien") -> dict:
    response = api.as_(user, "GET", f"/api/v1/documents/{doc_id}/recipients")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _deliveries(api: Api, doc_id: int) -> list[tuple[str, str, str | None, str]]:
    board = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/deliveries").get_json()["deliveries"]
    return [
        (
            d["recipient"]["kind"],
            d["recipient"]["label"],
            (d["recipient"]["person"] or {}).get("full_name"),
            d["purpose"],
        )
        for d in board
    ]


def test_people_of_the_agency_reached_by_position_in_their_own_inbox(api: Api) -> None:
    doc = api.draft(
        kinh_gui=["Phòng Quản lý đất đai"],
        noi_nhan=[
            "Như trên;",
            "Giám đốc Sở (để b/c);",
            "Các đ/c Phó GĐ Sở;",
            "Đ/c Chủ tịch UBND tỉnh;",
            "Lưu: VT, VP.",
        ],
    )
    targets = [
        (r["label"], [(t["kind"], t["name"]) for t in r["targets"]]) for r in _preview(api, doc["id"])["recipients"]
    ]
    assert targets == [
        ("Phòng Quản lý đất đai", [("unit", "Phòng Quản lý đất đai")]),
        ("Giám đốc Sở", [("person", "Giám đốc Phạm Mạnh Duyệt")]),
        ("Phó GĐ Sở", [("person", "Phó Giám đốc Hoàng Văn Minh")]),
        ("Chủ tịch UBND tỉnh", [("agency", "Ủy ban nhân dân tỉnh Tuyên Quang")]),  # their clerk routes it
    ]
    api.advance(doc["id"], "dispatched")
    assert _deliveries(api, doc["id"]) == [
        ("unit", "Phòng Quản lý đất đai", None, "action"),
        ("person", "Giám đốc Phạm Mạnh Duyệt", "Phạm Mạnh Duyệt", "report"),
        ("person", "Phó Giám đốc Hoàng Văn Minh", "Hoàng Văn Minh", "info"),
        ("agency", "Chủ tịch UBND tỉnh", None, "info"),
    ]
    # Both leaders are in the same unit (Ban Giám đốc): each sees only what is addressed to them.
    director = api.as_("giamdoc", "GET", "/api/v1/inbox").get_json()["deliveries"]
    deputy = api.as_("phogiamdoc", "GET", "/api/v1/inbox").get_json()["deliveries"]
    assert [(d["recipient"]["kind"], d["purpose"]) for d in director] == [("person", "report")]
    assert [(d["recipient"]["kind"], d["purpose"]) for d in deputy] == [("person", "info")]
    response = api.as_("phogiamdoc", "POST", f"/api/v1/deliveries/{director[0]['id']}/status", json={"status": "06"})
    assert response.status_code == 404  # not theirs
    response = api.as_("giamdoc", "POST", f"/api/v1/deliveries/{director[0]['id']}/status", json={"status": "06"})
    assert response.status_code == 200 and response.get_json()["status"] == "06"
    notices = api.as_("giamdoc", "GET", "/api/v1/notifications").get_json()["notifications"]
    assert any(n["kind"] == "incoming_document" for n in notices)
    assert not any(
        n["kind"] == "incoming_document"
        for n in api.as_("vanthu", "GET", "/api/v1/notifications").get_json()["notifications"]
    )


def test_a_position_in_a_unit_is_its_holder_there(api: Api) -> None:
    doc = api.draft(kinh_gui=["Trưởng phòng Quản lý đất đai", "Chánh Văn phòng Sở"], noi_nhan=["Như trên;", "Lưu: VT."])
    names = [[t["name"] for t in r["targets"]] for r in _preview(api, doc["id"])["recipients"]]
    assert names == [["Trưởng phòng Vũ Thị Mai"], ["Chánh Văn phòng Trần Văn Hùng"]]


def test_the_leadership_is_every_leader(api: Api) -> None:
    doc = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Lãnh đạo Sở (để biết);", "Lưu: VT."])
    (_, leadership) = _preview(api, doc["id"])["recipients"]
    assert [t["name"] for t in leadership["targets"]] == ["Giám đốc Phạm Mạnh Duyệt", "Phó Giám đốc Hoàng Văn Minh"]
    assert leadership["names"] == "people" and leadership["purpose"] == "info"


def test_distribution_list_expands_to_its_members(api: Api) -> None:
    group = {
        "name": "Các Sở, ban, ngành thuộc tỉnh",
        "aliases": ["Các Sở, ngành"],
        "members": ["Sở Nội vụ", "Sở Tài chính", "Sở Y tế", "Bệnh viện Đa khoa tỉnh"],
    }
    response = api.as_("vanthu", "POST", "/api/v1/distribution-lists", json=group)
    assert response.status_code == 403
    response = api.as_("admin", "POST", "/api/v1/distribution-lists", json=group)
    assert response.status_code == 201, response.get_json()
    list_id = response.get_json()["id"]
    response = api.as_("admin", "POST", "/api/v1/distribution-lists", json=group)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "name_taken"
    response = api.as_("admin", "POST", "/api/v1/distribution-lists", json={"name": "Trống", "members": []})
    assert response.status_code == 400 and response.get_json()["error"]["detail"]["field"] == "members"

    doc = api.draft(kinh_gui=["Phòng Quản lý đất đai"], noi_nhan=["Như trên;", "Các Sở, ngành (để biết);", "Lưu: VT."])
    (_, listed) = _preview(api, doc["id"])["recipients"]
    assert listed["via"] == "Các Sở, ban, ngành thuộc tỉnh"
    assert [(t["kind"], t["name"]) for t in listed["targets"]] == [
        ("agency", "Sở Nội vụ tỉnh Tuyên Quang"),
        ("agency", "Sở Tài chính tỉnh Tuyên Quang"),
        ("agency", "Sở Y tế tỉnh Tuyên Quang"),
        ("unresolved", "Bệnh viện Đa khoa tỉnh"),
    ]
    assert _preview(api, doc["id"])["unresolved"] == 1
    lists = api.as_("chuyenvien", "GET", "/api/v1/distribution-lists").get_json()["lists"]
    assert [x["name"] for x in lists] == ["Các Sở, ban, ngành thuộc tỉnh"]
    changed = group | {"members": ["Sở Nội vụ"]}
    assert api.as_("admin", "PUT", f"/api/v1/distribution-lists/{list_id}", json=changed).status_code == 200
    (_, listed) = _preview(api, doc["id"])["recipients"]
    assert [t["name"] for t in listed["targets"]] == ["Sở Nội vụ tỉnh Tuyên Quang"]
    api.advance(doc["id"], "dispatched")
    assert [(kind, label) for kind, label, _, _ in _deliveries(api, doc["id"])] == [
        ("unit", "Phòng Quản lý đất đai"),
        ("agency", "Sở Nội vụ tỉnh Tuyên Quang"),
    ]
    assert api.as_("admin", "DELETE", f"/api/v1/distribution-lists/{list_id}").status_code == 200
    assert api.as_("admin", "GET", "/api/v1/distribution-lists").get_json()["lists"] == []


def test_unknown_name_gets_suggestions_and_is_remembered_once(api: Api) -> None:
    doc = api.draft(kinh_gui=["Sở Nội vụ Tuyên Quang"], noi_nhan=["Như trên;", "Lưu: VT."])
    (line,) = _preview(api, doc["id"])["recipients"]
    assert line["targets"] == [{"kind": "unresolved", "id": None, "name": "Sở Nội vụ Tuyên Quang"}]
    suggestion = line["suggestions"][0]
    assert suggestion["kind"] == "agency" and suggestion["name"] == "Sở Nội vụ tỉnh Tuyên Quang"
    remember = {"label": "Sở Nội vụ Tuyên Quang", "kind": "agency", "id": suggestion["id"]}
    response = api.as_("chuyenvien", "POST", "/api/v1/recipient-names", json=remember)
    assert response.status_code == 403
    response = api.as_("vanthu", "POST", "/api/v1/recipient-names", json=remember | {"kind": "galaxy"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_kind"
    response = api.as_("vanthu", "POST", "/api/v1/recipient-names", json=remember)
    assert response.status_code == 200 and response.get_json()["target"] == "Sở Nội vụ tỉnh Tuyên Quang"
    response = api.as_("vanthu", "POST", "/api/v1/recipient-names", json=remember)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "name_taken"
    # Every later document (this one too) finds it.
    (line,) = _preview(api, doc["id"])["recipients"]
    assert line["targets"][0]["kind"] == "agency" and line["suggestions"] == []
    later = api.draft(kinh_gui=["Sở Nội vụ Tuyên Quang"], noi_nhan=["Như trên;", "Lưu: VT."])
    assert _preview(api, later["id"])["unresolved"] == 0


def test_same_as_above_without_kinh_gui_is_shown_to_the_drafter(api: Api) -> None:
    doc = api.draft(kinh_gui=[], noi_nhan=["Như trên;", "Lưu: VT."])
    preview = _preview(api, doc["id"])
    assert preview["recipients"] == [] and preview["warnings"] == [
        "Nơi nhận ghi “Như trên” nhưng văn bản không có “Kính gửi”: không có ai được gửi theo dòng đó."
    ]


def test_document_page_shows_recipients_before_issuance(app: Flask, api: Api) -> None:
    doc = api.draft(kinh_gui=["Sở Nội vụ Tuyên Quang"], noi_nhan=["Như trên;", "Giám đốc Sở;", "Lưu: VT."])
    drafter = sign_in(app, "chuyenvien").get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Nơi nhận khi phát hành" in drafter
    assert "Không tìm thấy trong danh bạ: Sở Nội vụ Tuyên Quang" in drafter
    assert "Có phải: Sở Nội vụ tỉnh Tuyên Quang" in drafter
    assert "Đồng chí Giám đốc Phạm Mạnh Duyệt" in drafter
    assert "Ghi nhớ tên này là" not in drafter  # the clerk's to do
    api.advance(doc["id"], "signed")  # the clerk sees it when it comes to be issued
    clerk = sign_in(app, "vanthu")
    page = clerk.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Ghi nhớ tên này là" in page
    to_issue = clerk.get("/issue").get_data(as_text=True)  # the bulk issuance list says it too
    assert "1 nơi nhận chưa tìm thấy trong danh bạ: Sở Nội vụ Tuyên Quang" in to_issue
    agency = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/recipients").get_json()
    target = agency["recipients"][0]["suggestions"][0]
    response = clerk.post(
        "/recipient-names",
        data={
            "csrf_token": _token(clerk, f"/documents/{doc['id']}"),
            "label": "Sở Nội vụ Tuyên Quang",
            "target": f"{target['kind']}:{target['id']}",
        },
        headers={"Referer": f"http://localhost/documents/{doc['id']}"},
    )
    assert response.status_code == 302
    page = clerk.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Đã ghi nhớ" in page and "Không tìm thấy trong danh bạ" not in page
    assert "Cơ quan: Sở Nội vụ tỉnh Tuyên Quang (trục liên thông)" in page
    assert "chưa tìm thấy trong danh bạ" not in clerk.get("/issue").get_data(as_text=True)


def test_admin_keeps_distribution_lists_on_a_page(app: Flask) -> None:
    assert sign_in(app, "vanthu").get("/admin/lists").status_code == 403
    admin = sign_in(app, "admin")
    response = admin.post(
        "/admin/lists",
        data={
            "csrf_token": _token(admin, "/admin/lists"),
            "name": "Các Sở, ban, ngành thuộc tỉnh",
            "aliases": "Các Sở, ngành",
            "members": "Sở Nội vụ\nSở Y tế\nBệnh viện Đa khoa tỉnh",
        },
    )
    assert response.status_code == 302
    page = admin.get("/admin/lists").get_data(as_text=True)
    assert "Các Sở, ban, ngành thuộc tỉnh" in page and "Bệnh viện Đa khoa tỉnh — <strong>" in page
