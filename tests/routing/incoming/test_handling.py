"""The leader's instruction to units and persons, passed on inside a unit, each one's progress, more time asked
and answered, reminders, "Việc của tôi" and bulk steps — through the API on SQLite and PostgreSQL, with the
statuses the sender hears."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from routing import jobs as routing_jobs
from routing.exchange import edxml
from routing.models import ExchangeMessage, IncomingAssignee, IncomingDocument
from tests.routing.exchange.test_edxml import _vxp
from tests.routing.foreign import SNV, STNMT, Foreign, arrive, delivery_to_snv, package_from_snv
from tests.support.api import Api
from tests.web.test_pages import _token, sign_in
from workflow.models import Document

pytestmark = pytest.mark.both_databases


def _act(api: Api, user: str, incoming_id: int, action: str, body: dict[str, Any] | None = None) -> Any:
    return api.as_(user, "POST", f"/api/v1/incoming/{incoming_id}/actions/{action}", json=body)


def _unit(api: Api, code: str) -> int:
    agencies = api.as_("admin", "GET", "/api/v1/directory").get_json()["agencies"]
    return next(u["id"] for a in agencies for u in a.get("units") or [] if u["code"] == code)


def _registered(app: Flask, api: Api, pdf: bytes, number: int) -> int:
    answer = arrive(app, package_from_snv(pdf, code_number=number))
    assert answer["result"] == "received", answer
    assert _act(api, "vanthu", answer["incoming_id"], "register").status_code == 200
    return int(answer["incoming_id"])


def _sent_codes(app: Flask) -> list[str]:
    with app.extensions["congvan"].readers() as session:
        rows = session.scalars(select(ExchangeMessage).where(ExchangeMessage.direction == "out"))
        return [m.code or "" for m in rows if m.kind == "status"]


def _notices(api: Api, user: str, kind: str) -> list[str]:
    rows = api.as_(user, "GET", "/api/v1/notifications").get_json()["notifications"]
    return [n["message"] for n in rows if n["kind"] == kind]


def test_instruction_forward_progress_extension_reminder(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes
) -> None:
    incoming_id = _registered(app, api, signed_pdf, 61)
    today = dt.datetime.now(app.extensions["congvan"].tz).date()
    soon, later = (today + dt.timedelta(days=10)).isoformat(), (today + dt.timedelta(days=7)).isoformat()
    land, office = _unit(api, "QLDD"), _unit(api, "VP")
    it_person = api.id_of("chuyenvien_cntt")
    assignees = [
        {"unit_id": land, "role": "lead", "deadline": soon},
        {"person_id": it_person, "role": "support", "deadline": later},
        {"unit_id": office, "role": "info", "deadline": None},
    ]
    instruction = "Giao phòng Quản lý đất đai chủ trì, đồng chí Huy phối hợp; Văn phòng biết."
    # Refused, and nothing changed: two leads, none, an unknown unit, a past deadline, the clerk.
    refusals = [
        ("giamdoc", [assignees[0], assignees[0] | {"unit_id": office}], "one_lead"),
        ("giamdoc", assignees[1:], "one_lead"),
        ("giamdoc", [assignees[0] | {"unit_id": 999999}], "invalid_unit"),
        ("giamdoc", [assignees[0], {"person_id": 999999, "role": "info"}], "invalid_person"),
        ("giamdoc", [assignees[0] | {"deadline": "2020-01-01"}], "date_out_of_range"),
        ("giamdoc", [assignees[0], {"role": "info"}], "invalid_assignees"),
        ("giamdoc", [assignees[0], assignees[0] | {"role": "support"}], "invalid_assignees"),
        ("giamdoc", [assignees[0] | {"role": "boss"}], "invalid_assignees"),
    ]
    for user, named, code in refusals:
        response = _act(api, user, incoming_id, "assign", {"instruction": instruction, "assignees": named})
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code, (
            named,
            response.get_json(),
        )
    assert _act(api, "vanthu", incoming_id, "assign", {"assignees": assignees}).status_code == 403
    assert api.as_("chuyenvien_cntt", "GET", f"/api/v1/incoming/{incoming_id}").status_code == 404

    assigned = _act(api, "giamdoc", incoming_id, "assign", {"instruction": instruction, "assignees": assignees})
    assert assigned.status_code == 200, assigned.get_json()
    item = assigned.get_json()
    assert item["state"] == "assigned" and item["instruction"] == instruction and item["deadline"] == soon
    parts = {(a["role"], a["unit_id"], a["person_id"]): a for a in item["assignees"]}
    assert set(parts) == {("lead", land, None), ("support", None, it_person), ("info", office, None)}
    assert all(a["progress"] == "unseen" for a in item["assignees"])
    assert item["lead_unit_id"] == land
    # Each one named hears of it: the land unit's head, the person, the office's head.
    assert any("chủ trì" in m for m in _notices(api, "truongphong_dd", "incoming_assigned"))
    assert any("phối hợp" in m for m in _notices(api, "chuyenvien_cntt", "incoming_assigned"))
    assert any("để biết" in m for m in _notices(api, "truongphong", "incoming_assigned"))
    for user in ("chuyenvien_dd", "chuyenvien_cntt", "chuyenvien"):  # a unit's members, the person, the info unit
        assert api.as_(user, "GET", f"/api/v1/incoming/{incoming_id}").status_code == 200, user

    # The land unit's head passes it on, within the unit's deadline, only to the unit's people.
    too_late = {"person_id": api.id_of("chuyenvien_dd"), "deadline": (today + dt.timedelta(days=11)).isoformat()}
    response = _act(api, "truongphong_dd", incoming_id, "forward", too_late)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "deadline_after_unit"
    outsider = {"person_id": api.id_of("chuyenvien_cntt")}
    response = _act(api, "truongphong_dd", incoming_id, "forward", outsider)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_person"
    assert _act(api, "chuyenvien_dd", incoming_id, "forward", outsider).status_code == 403  # not the unit's head
    person_deadline = (today + dt.timedelta(days=8)).isoformat()
    body = {"person_id": api.id_of("chuyenvien_dd"), "deadline": person_deadline, "note": "Đồng chí Nam xử lý."}
    forwarded = _act(api, "truongphong_dd", incoming_id, "forward", body)
    assert forwarded.status_code == 200, forwarded.get_json()
    given = [a for a in forwarded.get_json()["assignees"] if a["person_id"] == api.id_of("chuyenvien_dd")]
    assert [(g["role"], g["deadline"], g["note"]) for g in given] == [("lead", person_deadline, "Đồng chí Nam xử lý.")]
    assert _act(api, "truongphong_dd", incoming_id, "forward", body).status_code == 409  # once

    # "Việc của tôi": the specialist's own part; the supporting person's; opening it means seen.
    work = api.as_("chuyenvien_dd", "GET", "/api/v1/my-work").get_json()["items"]
    assert [(w["incoming"]["id"], w["part"]["role"], w["part"]["progress"]) for w in work] == [
        (incoming_id, "lead", "unseen")
    ]
    api.as_("chuyenvien_dd", "GET", f"/api/v1/incoming/{incoming_id}")
    work = api.as_("chuyenvien_dd", "GET", "/api/v1/my-work").get_json()["items"]
    assert work[0]["part"]["progress"] == "working" and work[0]["part"]["seen_at"]
    support = api.as_("chuyenvien_cntt", "GET", "/api/v1/my-work").get_json()["items"]
    assert [(w["part"]["role"], w["part"]["deadline"]) for w in support] == [("support", later)]

    # More time: asked with a reason, answered by who assigned the part; the history kept.
    wanted = (today + dt.timedelta(days=9)).isoformat()
    response = _act(api, "chuyenvien_dd", incoming_id, "extend", {"wanted": person_deadline, "reason": "x"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "date_out_of_range"
    asked = _act(api, "chuyenvien_dd", incoming_id, "extend", {"wanted": wanted, "reason": "Chờ số liệu của xã."})
    assert asked.status_code == 201, asked.get_json()
    again = _act(api, "chuyenvien_dd", incoming_id, "extend", {"wanted": wanted, "reason": "Lần nữa."})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "extension_pending"
    extension = asked.get_json()["id"]
    answer_url = f"/api/v1/incoming/{incoming_id}/extensions/{extension}/actions"
    assert api.as_("chuyenvien_cntt", "POST", f"{answer_url}/grant", json={}).status_code == 403
    granted = api.as_("truongphong_dd", "POST", f"{answer_url}/grant", json={"answer": "Đồng ý."})
    assert granted.status_code == 200 and granted.get_json()["state"] == "granted"
    assert api.as_("truongphong_dd", "POST", f"{answer_url}/refuse", json={"answer": "x"}).status_code == 409
    asked = _act(api, "chuyenvien_cntt", incoming_id, "extend", {"wanted": soon, "reason": "Đang nghỉ phép."})
    support_url = f"/api/v1/incoming/{incoming_id}/extensions/{asked.get_json()['id']}/actions"
    refused = api.as_("giamdoc", "POST", f"{support_url}/refuse", json={})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "reason_required"
    refused = api.as_("phogiamdoc", "POST", f"{support_url}/refuse", json={"answer": "Cần trước hạn."})
    assert refused.status_code == 200 and refused.get_json()["state"] == "refused"
    detail = api.as_("giamdoc", "GET", f"/api/v1/incoming/{incoming_id}").get_json()
    assert [(e["state"], e["wanted"]) for e in detail["extensions"]] == [("granted", wanted), ("refused", soon)]
    mine = next(a for a in detail["assignees"] if a["person_id"] == api.id_of("chuyenvien_dd"))
    assert mine["deadline"] == wanted
    assert any("đồng ý gia hạn" in m for m in _notices(api, "chuyenvien_dd", "incoming_extension"))

    # "Nhắc": the leader or the clerk, counted per part.
    part = next(a for a in detail["assignees"] if a["person_id"] == it_person)
    assert _act(api, "chuyenvien", incoming_id, "remind", {"assignee_id": part["id"]}).status_code == 403
    for user in ("vanthu", "giamdoc"):
        assert (
            _act(api, user, incoming_id, "remind", {"assignee_id": part["id"], "note": "Gửi số liệu."}).status_code
            == 200
        )
    reminded = api.as_("giamdoc", "GET", f"/api/v1/incoming/{incoming_id}").get_json()["assignees"]
    assert next(a for a in reminded if a["id"] == part["id"])["reminders"] == 2
    assert len(_notices(api, "chuyenvien_cntt", "incoming_reminder")) == 2

    # The supporting person reports their part with a note and a file; the lead's head hears of it.
    form = {"progress": "done", "note": "Đã gửi số liệu hạ tầng.", "file": (io.BytesIO(b"so lieu"), "so-lieu.csv")}
    reported = api.as_(
        "chuyenvien_cntt",
        "POST",
        f"/api/v1/incoming/{incoming_id}/actions/progress",
        data=form,
        content_type="multipart/form-data",
    )
    assert reported.status_code == 200, reported.get_json()
    assert reported.get_json()["state"] == "assigned"  # a supporting part does not finish the document
    assert any("Đã gửi số liệu" in m for m in _notices(api, "truongphong_dd", "incoming_report"))
    history = api.as_("giamdoc", "GET", f"/api/v1/incoming/{incoming_id}").get_json()["history"]
    report = next(h for h in history if h["action"] == "progress")
    assert report["detail"]["files"][0]["name"] == "so-lieu.csv"
    # The lead's specialist: working (05), then done (06); the unit's part with it.
    assert _act(api, "chuyenvien", incoming_id, "progress", {"progress": "done"}).get_json()["state"] == "assigned"
    working = _act(api, "chuyenvien_dd", incoming_id, "progress", {"progress": "working", "note": "Đang tổng hợp."})
    assert working.get_json()["state"] == "in_progress"
    done = _act(api, "chuyenvien_dd", incoming_id, "progress", {"progress": "done", "note": "Đã tham mưu văn bản."})
    item = done.get_json()
    assert item["state"] == "done" and item["due"] is None
    assert {a["role"]: a["progress"] for a in item["assignees"] if a["unit_id"] == land} == {"lead": "done"}
    assert api.as_("chuyenvien_dd", "GET", "/api/v1/my-work").get_json()["items"] == []
    assert [
        w["incoming"]["id"] for w in api.as_("chuyenvien_dd", "GET", "/api/v1/my-work?done=true").get_json()["items"]
    ] == [incoming_id]
    assert _sent_codes(app).count("04") == 1 and "05" in _sent_codes(app) and "06" in _sent_codes(app)


def test_bulk_assign_and_finish(app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes) -> None:
    ids = [_registered(app, api, signed_pdf, number) for number in (71, 72)]
    land = _unit(api, "QLDD")
    body = {"ids": [*ids, 999999], "instruction": "Giao phòng QLĐĐ.", "assignees": [{"unit_id": land, "role": "lead"}]}
    answer = api.as_("giamdoc", "POST", "/api/v1/incoming/actions/assign", json=body).get_json()
    assert answer["done"] == ids and [r["code"] for r in answer["refused"]] == ["incoming_not_found"]
    again = api.as_("giamdoc", "POST", "/api/v1/incoming/actions/assign", json=body).get_json()
    assert again["done"] == [] and {r["code"] for r in again["refused"]} == {"invalid_transition", "incoming_not_found"}
    refused = api.as_("chuyenvien_cntt", "POST", "/api/v1/incoming/actions/finish", json={"ids": ids}).get_json()
    assert refused["done"] == [] and len(refused["refused"]) == 2
    finished = api.as_("chuyenvien_dd", "POST", "/api/v1/incoming/actions/finish", json={"ids": ids}).get_json()
    assert finished == {"done": ids, "refused": []}
    for incoming_id in ids:
        assert api.as_("vanthu", "GET", f"/api/v1/incoming/{incoming_id}").get_json()["state"] == "done"
    response = api.as_("giamdoc", "POST", "/api/v1/incoming/actions/assign", json={"ids": [], "assignees": []})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_ids"

    # From the list page: the leader ticks the registered ones and gives one instruction; the lead finishes them.
    ticked = [_registered(app, api, signed_pdf, number) for number in (73, 74)]
    leader = sign_in(app, "giamdoc")
    page = leader.get("/incoming").get_data(as_text=True)
    assert f'name="ids" value="{ticked[0]}" form="bulk"' in page and "Phân công các văn bản đã chọn" in page
    form = {
        "csrf_token": _token(leader, "/incoming"),
        "ids": [str(i) for i in ticked],
        "instruction": "Phòng QLĐĐ chủ trì.",
        "lead_unit_id": str(land),
        "supporting_unit_ids": [str(_unit(api, "CNTT"))],
        "deadline": "",
    }
    response = leader.post("/incoming/bulk/assign", data=form)
    assert response.status_code == 302
    assert "Đã phân công 2 văn bản." in leader.get("/incoming").get_data(as_text=True)
    for incoming_id in ticked:
        item = api.as_("vanthu", "GET", f"/api/v1/incoming/{incoming_id}").get_json()
        assert item["state"] == "assigned" and {a["role"] for a in item["assignees"]} == {"lead", "support"}
    lead = sign_in(app, "chuyenvien_dd")
    page = lead.get("/incoming").get_data(as_text=True)
    assert "Hoàn thành các văn bản đã chọn" in page
    form = {"csrf_token": _token(lead, "/incoming"), "ids": [str(i) for i in ticked]}
    assert lead.post("/incoming/bulk/finish", data=form).status_code == 302
    assert "Đã hoàn thành 2 văn bản." in lead.get("/incoming").get_data(as_text=True)
    assert all(api.as_("vanthu", "GET", f"/api/v1/incoming/{i}").get_json()["state"] == "done" for i in ticked)


def test_an_answer_finishes_the_incoming_document_and_names_it(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes, tmp_path: Path
) -> None:
    incoming_id = _registered(app, api, signed_pdf, 81)
    land = _unit(api, "QLDD")
    _act(api, "giamdoc", incoming_id, "assign", {"assignees": [{"unit_id": land, "role": "lead"}]})
    received = api.as_("chuyenvien_dd", "GET", f"/api/v1/incoming/{incoming_id}").get_json()
    # Only someone who sees the incoming document answers it; a document that is not there is refused.
    for user, wanted in (("chuyenvien_cntt", incoming_id), ("chuyenvien_dd", 999999)):
        body = _answer_draft(api, wanted)
        response = api.as_(user, "POST", "/api/v1/documents", json=body)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_reply", (
            user,
            response.get_json(),
        )
    response = api.as_("chuyenvien_dd", "POST", "/api/v1/documents", json=_answer_draft(api, incoming_id))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    steps = (("submit", "chuyenvien_dd"), ("approve", "truongphong_dd"), ("sign", "giamdoc"), ("issue", "vanthu"))
    for action, user in steps:
        assert api.act(user, answer["id"], action).status_code == 200, action
    # Issued: the incoming document is finished, linked to its answer, and 06 names the answer.
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{incoming_id}").get_json()
    assert item["state"] == "done" and item["history"][-1]["action"] == "answered"
    assert item["history"][-1]["code"] == "06"
    issued = api.as_("vanthu", "GET", f"/api/v1/documents/{answer['id']}").get_json()
    assert item["history"][-1]["detail"]["symbol"] == issued["symbol"]
    # The package names the incoming document in ResponseFor, and VNPT's parser reads it so.
    rt = app.extensions["congvan"]
    with rt.readers() as session:
        message = session.scalar(
            select(ExchangeMessage).where(ExchangeMessage.kind == "package", ExchangeMessage.direction == "out")
        )
        assert message is not None
        package = rt.store.get(message.body_sha256, ".xml")
    path = tmp_path / "answer.edxml"
    path.write_bytes(package)
    (read,) = _vxp("ed", path)
    assert read["response_for"] == [
        {
            "organ_id": received["sender"]["code"],
            "code": received["symbol"],
            "document_id": received["document_key"],
        }
    ], read
    # Answering it again is refused: it is done.
    again = api.as_("chuyenvien_dd", "POST", "/api/v1/documents", json=_answer_draft(api, incoming_id))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_answerable"


def _answer_draft(api: Api, incoming_id: int) -> dict[str, Any]:
    return {
        "doc_type": "cong_van",
        "summary": "trả lời về việc báo cáo công tác cải cách hành chính",
        "body": "Sở Tài nguyên và Môi trường báo cáo như sau./.",
        "signer_id": api.id_of("giamdoc"),
        "kinh_gui": ["Sở Nội vụ"],
        "noi_nhan": ["Như trên;", "Lưu: VT, QLDD."],
        "replies_to_incoming_id": incoming_id,
    }


def test_the_morning_digest_and_due_marks(app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes) -> None:
    first, second = (_registered(app, api, signed_pdf, number) for number in (91, 92))
    rt = app.extensions["congvan"]
    today = rt.now().date()
    land, it_person = _unit(api, "QLDD"), api.id_of("chuyenvien_cntt")
    for incoming_id in (first, second):
        named = [
            {"unit_id": land, "role": "lead", "deadline": today.isoformat()},
            {"person_id": it_person, "role": "info", "deadline": today.isoformat()},
        ]
        assert _act(api, "giamdoc", incoming_id, "assign", {"assignees": named}).status_code == 200
    with rt.sessions() as session, session.begin():  # the first one's day has passed
        for row in session.scalars(select(IncomingAssignee).where(IncomingAssignee.incoming_id == first)):
            row.deadline = today - dt.timedelta(days=1)
        found = session.get(IncomingDocument, first)
        assert found is not None
        found.deadline = today - dt.timedelta(days=1)
    assert routing_jobs.incoming_digest() == 1  # the land unit's head; a part for information has no deadline to keep
    (digest,) = _notices(api, "truongphong_dd", "incoming_digest")
    assert "1 quá hạn, 1 sắp đến hạn" in digest and "(hạn " in digest
    assert routing_jobs.incoming_digest() == 0  # once a day
    # Every list marks them: the API's, "Việc của tôi", the incoming list and the document's page.
    marks = {i["id"]: i["due"] for i in api.as_("truongphong_dd", "GET", "/api/v1/incoming").get_json()["incoming"]}
    assert marks == {first: "overdue", second: "due_soon"}
    work = api.as_("truongphong_dd", "GET", "/api/v1/my-work").get_json()["items"]
    assert [(w["incoming"]["id"], w["part"]["due"]) for w in work] == [(first, "overdue"), (second, "due_soon")]
    head = sign_in(app, "truongphong_dd")
    for path in ("/incoming", "/incoming/mine", f"/incoming/{first}"):
        page = head.get(path).get_data(as_text=True)
        assert "Quá hạn" in page, path
    assert "Sắp đến hạn" in head.get("/incoming").get_data(as_text=True)
    assert "2</strong> văn bản đến được giao chưa xong" in head.get("/").get_data(as_text=True)


def test_the_board_flags_an_agency_that_did_not_answer_and_links_the_answer(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes
) -> None:
    rt = app.extensions["congvan"]
    ours = api.draft(
        kinh_gui=["Các phòng, đơn vị trực thuộc Sở"], due_date=(rt.now().date() + dt.timedelta(days=3)).isoformat()
    )
    api.advance(ours["id"], "dispatched")
    key = f"{STNMT},2026/12/01,99/STNMT-VP"
    delivery_to_snv(app, ours["id"], key)

    def snv_on_board() -> dict[str, Any]:
        board = api.as_("vanthu", "GET", "/api/v1/dispatch-board").get_json()
        row = next(r for r in board["documents"] if r["document"]["id"] == ours["id"])
        return dict(next(r for r in row["recipients"] if (r["recipient"]["agency"] or {}).get("code") == SNV))

    assert "no_answer" not in snv_on_board()["overdue"]  # its answer is not due yet
    with rt.sessions() as session, session.begin():  # the day it asked for has passed
        found = session.get(Document, ours["id"])
        assert found is not None
        found.due_date = rt.now().date() - dt.timedelta(days=1)
    assert "no_answer" in snv_on_board()["overdue"]
    assert "chưa trả lời đúng hạn" in sign_in(app, "vanthu").get("/board").get_data(as_text=True)
    # Sở Nội vụ answers: its package names ours in ResponseFor; linked, the flag gone, our drafter told.
    reference = edxml.Reference(key, STNMT, "99/STNMT-VP", "2026/12/01")
    answer = arrive(app, package_from_snv(signed_pdf, code_number=93, response_for=(reference,)))
    assert answer["result"] == "received", answer
    item = api.as_("vanthu", "GET", f"/api/v1/incoming/{answer['incoming_id']}").get_json()
    assert item["answers_document_id"] == ours["id"]
    recipient = snv_on_board()
    assert "no_answer" not in recipient["overdue"] and recipient["answered_by"]["symbol"] == "93/SNV-TCBC"
    page = sign_in(app, "chuyenvien").get(f"/documents/{ours['id']}").get_data(as_text=True)
    assert "Đã được trả lời bằng văn bản số" not in page  # the drafter does not see the incoming document itself
    assert any("đã trả lời văn bản số" in m for m in _notices(api, "chuyenvien", "incoming_received"))
    page = sign_in(app, "vanthu").get(f"/documents/{ours['id']}").get_data(as_text=True)
    assert "Đã được trả lời bằng văn bản số" in page and "93/SNV-TCBC" in page
