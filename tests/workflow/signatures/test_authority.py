"""The authority line per document (Decree 30 Art. 13): the admin's table of what each person may sign under,
every line printed and measured, the signer's choice when signing, and the stamp, register and edXML saying the
same."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from flask import Flask
from reportlab.lib.units import mm
from sqlalchemy import select

from congvan.demo_day import PASSWORD
from routing.exchange import outbound
from tests.support.api import Api
from tests.test_uploaded_document import letter
from tests.web.test_pages import _token, sign_in
from workflow.directory.models import lines
from workflow.documents import render
from workflow.models import AuditEvent, Document, SigningBatchItem
from workflow.signatures.leader import stamp_of

LEFT = render.MARGINS["left"] + render.LEFT_COL  # where the signature column begins on the page
MIDDLE = LEFT + render.SIGNATURE_COLUMN / 2
RIGHT = render.PAGE_W - render.MARGINS["right"]

# Every kind of Decree 30 Art. 13, with the lines it prints.
KINDS = [
    ("own", "", "Giám đốc", ["GIÁM ĐỐC"]),
    ("kt", "Giám đốc", "Phó Giám đốc", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]),
    ("tl", "Giám đốc", "Chánh Văn phòng", ["TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"]),
    (
        "tuq",
        "Giám đốc",
        "Giám đốc Trung tâm Công nghệ thông tin",
        ["TUQ. GIÁM ĐỐC", "GIÁM ĐỐC TRUNG TÂM CÔNG NGHỆ THÔNG TIN"],
    ),
    ("q", "Giám đốc", "", ["Q. GIÁM ĐỐC"]),
    # A long title: printed smaller, still inside the column.
    (
        "kt",
        "Giám đốc Sở Tài nguyên và Môi trường",
        "Phó Giám đốc",
        ["KT. GIÁM ĐỐC SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "PHÓ GIÁM ĐỐC"],
    ),
]


def printed(pdf: bytes) -> list[dict[str, Any]]:
    """The last page's text lines with their box, font and size, top to bottom, the signature column's apart."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = doc.pages[-1].extract_words(extra_attrs=["fontname", "size"])
    rows: dict[tuple[int, bool], list[dict[str, Any]]] = {}
    for w in words:
        rows.setdefault((round(w["top"]), w["x0"] >= LEFT - 1), []).append(w)
    return [
        {
            "text": " ".join(w["text"] for w in sorted(ws, key=lambda w: w["x0"])),
            "x0": min(w["x0"] for w in ws),
            "x1": max(w["x1"] for w in ws),
            "top": top,
            "bold": all("Bold" in w["fontname"] for w in ws),
            "size": ws[0]["size"],
        }
        for (top, _), ws in sorted(rows.items())
    ]


def _row(rows: list[dict[str, Any]], text: str) -> dict[str, Any]:
    # The right column only: "GIÁM ĐỐC" may also be a word of the body.
    found = [r for r in rows if r["x0"] >= LEFT - 1 and text in r["text"]]
    assert found, f"{text!r} not printed in the signature column: {[r['text'] for r in rows]}"
    return found[0]


@pytest.mark.parametrize(("kind", "principal", "title", "expected"), KINDS)
def test_every_authority_line_is_printed_centred_above_the_signature(
    kind: str, principal: str, title: str, expected: list[str]
) -> None:
    first, second = lines(kind, principal, title)
    assert [x for x in (first, second) if x] == expected
    pdf, layout = render.render(
        render.Draft(
            superior="UBND tỉnh Tuyên Quang",
            agency="Sở Tài nguyên và Môi trường",
            place="Tuyên Quang",
            type_name=None,
            summary="thử dòng thẩm quyền",
            body="Nội dung.",
            kinh_gui=["Văn phòng Sở"],
            noi_nhan=["Như trên;", "Lưu: VT."],
            authority=first,
            position=second,
            signer_name="Hoàng Văn Minh",
        )
    )
    rows = printed(pdf)
    found = [_row(rows, line) for line in expected]
    name = _row(rows, "Hoàng Văn Minh")
    for row, line in zip(found, expected, strict=True):
        assert row["text"] == line
        assert row["bold"]
        assert abs((row["x0"] + row["x1"]) / 2 - MIDDLE) < 1.5, f"{line} is not centred on the column"
        assert row["x0"] >= LEFT - 0.5 and row["x1"] <= RIGHT + 0.5, f"{line} leaves the signature column"
        assert render.AUTHORITY_SMALLEST <= row["size"] <= render.AUTHORITY_SIZE
    if len(expected[0]) < 30:
        assert found[0]["size"] == render.AUTHORITY_SIZE  # the ordinary lines at Decree 30's 13 pt
    else:
        assert found[0]["size"] < render.AUTHORITY_SIZE
    # Top to bottom: the lines, room for the signature (the leader's field lies there), the name.
    tops = [r["top"] for r in found]
    assert tops == sorted(tops) and name["top"] - tops[-1] > 25 * mm
    leader = layout.leader
    assert leader is not None
    page_top = render.PAGE_H
    assert page_top - leader.y2 >= tops[-1] and page_top - leader.y1 <= name["top"]


def _authorities(api: Api, user: str) -> list[dict[str, Any]]:
    answer = api.as_(user, "GET", f"/api/v1/people/{api.id_of(user)}/authorities")
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json()["items"])


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _pdf(api: Api, user: str, doc_id: int) -> bytes:
    response = api.as_(user, "GET", f"/api/v1/documents/{doc_id}/pdf")
    assert response.status_code == 200
    return bytes(response.data)


@pytest.mark.both_databases
def test_the_signer_chooses_the_line_and_stamp_register_and_edxml_say_it(app: Flask, api: Api, tmp_path: Path) -> None:
    kt, q = _authorities(api, "phogiamdoc")
    assert (kt["lines"], kt["default"], q["lines"], q["default"]) == (
        ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        True,
        ["Q. GIÁM ĐỐC"],
        False,
    )
    doc = api.draft(signer_id=api.id_of("phogiamdoc"))
    assert (doc["authority_kind"], doc["authority_lines"]) == ("kt", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"])
    api.advance(doc["id"], "awaiting_signature")
    path = f"/api/v1/documents/{doc['id']}/authority"
    (own,) = _authorities(api, "giamdoc")

    refused = api.as_("phogiamdoc", "PUT", path, json={"authority_id": own["id"]})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "invalid_authority")
    assert "Hoàng Văn Minh" in refused.get_json()["error"]["message"]
    assert api.as_("chuyenvien", "PUT", path, json={"authority_id": q["id"]}).status_code == 403  # not drafting now
    assert api.as_("giamdoc", "PUT", path, json={"authority_id": q["id"]}).status_code == 404  # not his to see
    before = api.as_("phogiamdoc", "GET", f"/api/v1/documents/{doc['id']}").get_json()["current_version"]

    chosen = api.as_("phogiamdoc", "PUT", path, json={"authority_id": q["id"]})
    assert chosen.status_code == 200, chosen.get_json()
    body = chosen.get_json()
    assert (body["authority_kind"], body["authority_lines"]) == ("q", ["Q. GIÁM ĐỐC"])
    assert body["current_version"]["seq"] == before["seq"] + 1
    drawn = _text(_pdf(api, "phogiamdoc", doc["id"]), tmp_path)
    assert "Q. GIÁM ĐỐC" in drawn and "KT. GIÁM ĐỐC" not in drawn and "PHÓ GIÁM ĐỐC" not in drawn
    again = api.as_("phogiamdoc", "PUT", path, json={"authority_id": q["id"]}).get_json()  # the same: no new version
    assert again["current_version"]["seq"] == body["current_version"]["seq"]

    assert api.act("phogiamdoc", doc["id"], "sign").status_code == 200
    signed = _text(_pdf(api, "phogiamdoc", doc["id"]), tmp_path)
    assert "Q. GIÁM ĐỐC" in signed and "Ký bởi: Hoàng Văn Minh" in signed
    assert api.act("vanthu", doc["id"], "issue").status_code == 200
    issued = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()
    registers = api.as_("vanthu", "GET", "/api/v1/registers").get_json()
    entries = [
        e
        for r in registers["registers"]
        for e in api.as_("vanthu", "GET", f"/api/v1/registers/{r['id']}/entries").get_json()["entries"]
        if e["document_id"] == doc["id"]
    ]
    assert [(e["symbol"], e["signer"], e["signer_authority"]) for e in entries] == [
        (issued["symbol"], "Hoàng Văn Minh", "Q. GIÁM ĐỐC")
    ]
    rt = app.extensions["congvan"]
    with rt.sessions() as session:
        document = session.get(Document, doc["id"])
        assert document is not None
        package = outbound.package_of(session, rt, document)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "authority_chosen"))
        stamp = stamp_of(document)  # a leader without a signature image gets it written in the stamp
    assert (package.signer_competence, package.signer_position, package.signer_name) == (
        "Q. GIÁM ĐỐC",
        "Phó Giám đốc",
        "Hoàng Văn Minh",
    )
    assert stamp["position"] == "Q. GIÁM ĐỐC" and stamp["signer_name"] == "Hoàng Văn Minh"
    assert event is not None and event.detail["was"] == "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    assert event.detail["now"] == "Q. GIÁM ĐỐC"


def test_the_head_signing_as_themself_has_no_competence_line(app: Flask, api: Api) -> None:
    (doc_id,) = api.drafted(1, "dispatched")
    rt = app.extensions["congvan"]
    with rt.sessions() as session:
        document = session.get(Document, doc_id)
        assert document is not None
        package = outbound.package_of(session, rt, document)
    assert (package.signer_competence, package.signer_position) == ("", "Giám đốc")


def test_an_uploaded_pdf_keeps_its_printed_line(api: Api) -> None:
    uploaded = api.upload(letter("Hoàng Văn Minh"), "phogiamdoc")
    api.advance(uploaded["id"], "awaiting_signature")
    waiting = api.as_("phogiamdoc", "GET", f"/api/v1/documents/{uploaded['id']}").get_json()["current_version"]
    _, q = _authorities(api, "phogiamdoc")
    refused = api.as_(
        "phogiamdoc", "PUT", f"/api/v1/documents/{uploaded['id']}/authority", json={"authority_id": q["id"]}
    )
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "authority_printed_in_upload")
    assert "trả lại" in refused.get_json()["error"]["message"]
    after = api.as_("phogiamdoc", "GET", f"/api/v1/documents/{uploaded['id']}").get_json()
    assert after["authority_lines"] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert after["current_version"] == waiting


def test_a_change_in_an_open_batch_is_what_the_batch_signs(app: Flask, api: Api, tmp_path: Path) -> None:
    (doc_id,) = api.drafted(1, signer_id=api.id_of("phogiamdoc"))
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("phogiamdoc")})
    assert batch.status_code == 201, batch.get_json()
    _, q = _authorities(api, "phogiamdoc")
    chosen = api.as_("phogiamdoc", "PUT", f"/api/v1/documents/{doc_id}/authority", json={"authority_id": q["id"]})
    assert chosen.status_code == 200
    rt = app.extensions["congvan"]
    with rt.sessions() as session:
        item = session.scalar(select(SigningBatchItem).where(SigningBatchItem.document_id == doc_id))
        assert item is not None
        assert item.sha256 == chosen.get_json()["current_version"]["sha256"] and item.prepared_sha256 is None
    batch_id = batch.get_json()["id"]
    confirm = f"/api/v1/signing-batches/{batch_id}/confirm"
    confirmed = api.as_("phogiamdoc", "POST", confirm, json={"password": PASSWORD}).get_json()
    assert confirmed["state"] == "done", confirmed
    assert "Q. GIÁM ĐỐC" in _text(_pdf(api, "phogiamdoc", doc_id), tmp_path)
    late = api.as_("phogiamdoc", "PUT", f"/api/v1/documents/{doc_id}/authority", json={"authority_id": q["id"]})
    assert late.status_code == 403  # signed: nobody chooses any more


def test_the_admin_keeps_the_table(api: Api) -> None:
    person = api.id_of("truongphong")
    path = f"/api/v1/people/{person}/authorities"
    lines_in = [
        {"kind": "tl", "principal": "Giám đốc", "title": "Chánh Văn phòng", "default": True},
        {"kind": "tuq", "principal": "Giám đốc", "title": "Chánh Văn phòng"},
    ]
    assert api.as_("truongphong", "PUT", path, json={"items": lines_in}).status_code == 403
    saved = api.as_("admin", "PUT", path, json={"items": lines_in})
    assert saved.status_code == 200, saved.get_json()
    assert [(a["lines"], a["default"]) for a in saved.get_json()["items"]] == [
        (["TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"], True),
        (["TUQ. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"], False),
    ]
    bad = {
        "missing principal": ([{"kind": "kt", "title": "Phó Giám đốc"}], "missing_field"),
        "missing title": ([{"kind": "tl", "principal": "Giám đốc"}], "missing_field"),
        "head without title": ([{"kind": "own"}], "missing_field"),
        "unknown kind": (
            [{"kind": "tm", "principal": "Ủy ban nhân dân", "title": "Chủ tịch"}],
            "invalid_authority_kind",
        ),
        "same line twice": (
            [{"kind": "q", "principal": "Giám đốc"}, {"kind": "q", "principal": "GIÁM ĐỐC"}],
            "duplicate_authority",
        ),
        "two defaults": (
            [
                {"kind": "q", "principal": "Giám đốc", "default": True},
                {"kind": "own", "title": "Giám đốc", "default": True},
            ],
            "several_defaults",
        ),
        "too long to print": (
            [
                {
                    "kind": "kt",
                    "principal": "Giám đốc Sở Tài nguyên và Môi trường tỉnh Tuyên Quang",
                    "title": "Phó Giám đốc",
                }
            ],
            "authority_too_long",
        ),
    }
    for case, (items, code) in bad.items():
        answer = api.as_("admin", "PUT", path, json={"items": items})
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, code), case
    kept = api.as_("admin", "GET", path).get_json()["items"]
    assert [a["lines"] for a in kept] == [["TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"], ["TUQ. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"]]


def test_the_pages_keep_the_table_and_let_the_leader_choose(app: Flask, api: Api) -> None:
    admin = sign_in(app, "admin")
    person = api.id_of("truongphong")
    page = admin.get(f"/admin/people/{person}").get_data(as_text=True)
    assert "Dòng thẩm quyền ký" not in page  # not a leader: no signing sections
    deputy = api.id_of("phogiamdoc")
    page = admin.get(f"/admin/people/{deputy}").get_data(as_text=True)
    assert "Dòng thẩm quyền ký" in page and 'value="Phó Giám đốc"' in page
    form = {
        "csrf_token": _token(admin, f"/admin/people/{deputy}"),
        "form": "authorities",
        "kind_0": "kt",
        "principal_0": "Giám đốc",
        "title_0": "Phó Giám đốc",
        "kind_1": "tuq",
        "principal_1": "Giám đốc",
        "title_1": "Phó Giám đốc",
        "kind_2": "",  # "(không dùng)": the Q. line is dropped
        "default": "0",
    }
    saved = admin.post(f"/admin/people/{deputy}", data=form, follow_redirects=True)
    assert saved.status_code == 200 and "Đã lưu các dòng thẩm quyền ký." in saved.get_data(as_text=True)
    assert [a["lines"] for a in _authorities(api, "phogiamdoc")] == [
        ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        ["TUQ. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
    ]
    wrong = admin.post(
        f"/admin/people/{deputy}",
        data=form | {"principal_0": "", "csrf_token": _token(admin, "/admin")},
        follow_redirects=True,
    )
    assert "Dòng thẩm quyền thứ 1: thiếu chức danh người đứng đầu" in wrong.get_data(as_text=True)
    assert len(_authorities(api, "phogiamdoc")) == 2  # nothing changed

    (doc_id,) = api.drafted(1, signer_id=deputy)
    leader = sign_in(app, "phogiamdoc")
    reading = leader.get(f"/signing/read/{doc_id}").get_data(as_text=True)
    assert "Thẩm quyền ký" in reading and "KT. GIÁM ĐỐC" in reading and "TUQ. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" in reading
    _, tuq = _authorities(api, "phogiamdoc")
    changed = leader.post(
        f"/signing/read/{doc_id}/authority",
        data={"csrf_token": _token(leader, f"/signing/read/{doc_id}"), "authority_id": tuq["id"]},
        follow_redirects=True,
    )
    shown = changed.get_data(as_text=True)
    assert changed.status_code == 200 and "«TUQ. GIÁM ĐỐC / PHÓ GIÁM ĐỐC»" in shown
    assert api.as_("phogiamdoc", "GET", f"/api/v1/documents/{doc_id}").json["authority_kind"] == "tuq"
