"""Search by number/symbol and summary words, accent-insensitive, with a date range, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from tests.support.api import Api
from workflow.documents import search
from workflow.documents.search import fold


def _found(api: Api, query: str) -> list[int]:
    response = api.as_("chuyenvien", "GET", f"/api/v1/documents?{query}")
    assert response.status_code == 200, response.get_json()
    return [d["id"] for d in response.get_json()["documents"]]


def _every_page(api: Api, user: str, query: str) -> list[int]:
    """The ids of a list read two at a time, following next_before to the end (newest first)."""
    seen: list[int] = []
    before = ""
    while True:
        body = api.as_(user, "GET", f"/api/v1/documents?{query}&limit=2{before}").get_json()
        seen += [d["id"] for d in body["documents"]]
        assert len(body["documents"]) <= 2
        if body["next_before"] is None:
            return seen
        before = f"&before={body['next_before']}"


@pytest.mark.both_databases
def test_search_is_accent_insensitive_and_finds_numbers(api: Api) -> None:
    covid = api.draft(summary="tiếp tục thực hiện công tác phòng, chống dịch COVID-19")
    land = api.draft(summary="tăng cường quản lý đất đai")
    assert _found(api, "q=phong chong dich") == [covid["id"]]
    assert _found(api, "q=PHÒNG CHỐNG dịch") == [covid["id"]]
    assert _found(api, "q=dat dai") == [land["id"]]
    assert _found(api, "q=chong dat") == []  # every word must match
    assert _found(api, "q=50%25") == []  # LIKE wildcards are taken literally
    api.advance(land["id"], "dispatched")
    assert _found(api, "q=01/STNMT-VP") == [land["id"]]  # found by its number and symbol once issued
    today = dt.date.today()
    assert sorted(_found(api, f"from={today - dt.timedelta(days=1)}&to={today + dt.timedelta(days=1)}")) == sorted(
        [covid["id"], land["id"]]
    )
    assert _found(api, f"q=dich&from={today + dt.timedelta(days=2)}") == []
    response = api.as_("chuyenvien", "GET", "/api/v1/documents?from=22/11/2026")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_date"


@pytest.mark.both_databases
def test_search_reads_the_body_and_filters(api: Api) -> None:
    plan = api.draft(summary="kế hoạch năm 2027", body="Tổ chức tập huấn nghiệp vụ văn thư lưu trữ cho cán bộ xã.")
    decision = api.draft(summary="quyết định khen thưởng", doc_type="quyet_dinh")
    assert _found(api, "q=tap huan luu tru") == [plan["id"]]  # words of the body, accent-insensitive
    assert _found(api, "q=khen&type=quyet_dinh") == [decision["id"]]
    assert _found(api, "q=khen&type=cong_van") == []
    unit = plan["drafting_unit"]["id"]
    assert set(_found(api, f"unit={unit}")) >= {plan["id"], decision["id"]}
    assert _found(api, f"unit={unit + 1000}") == []
    api.advance(plan["id"], "in_review")
    assert _found(api, "state=in_review") == [plan["id"]]
    for query, code in [
        ("type=khong_co", "invalid_doc_type"),
        ("unit=abc", "invalid_unit"),
        ("state=lost", "invalid_state"),
        ("limit=0", "invalid_limit"),
        ("limit=201", "invalid_limit"),
        ("before=-1", "invalid_before"),
    ]:
        response = api.as_("chuyenvien", "GET", f"/api/v1/documents?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code, query


@pytest.mark.both_databases
def test_lists_come_a_page_at_a_time(api: Api) -> None:
    made = [api.draft(summary=f"văn bản trang {n}")["id"] for n in range(5)]
    assert _every_page(api, "chuyenvien", "q=trang") == sorted(
        made, reverse=True
    )  # newest first, each once, none left out


@pytest.mark.both_databases
@pytest.mark.parametrize("window", [2, 5000])
def test_search_pages_stay_complete_across_the_window(api: Api, monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    monkeypatch.setattr(search, "WINDOW", window)  # PostgreSQL looks at the newest WINDOW documents first
    made = []
    for n in range(9):
        summary = f"kế hoạch cửa sổ {n}" if n % 3 else f"báo cáo khác {n}"
        made.append((api.draft(summary=summary)["id"], n % 3 != 0))
    wanted = sorted((i for i, matches in made if matches), reverse=True)
    assert _every_page(api, "chuyenvien", "q=cua+so") == wanted


def test_fold() -> None:
    assert fold("Phòng, chống dịch") == "phong chong dich"
    assert fold("Đắk Nông") == "dak nong"
    assert fold("01/STNMT-VP") == "01 stnmt vp"


@pytest.mark.both_databases
def test_search_uses_its_index_and_follows_changes(app: Flask, api: Api) -> None:
    doc = api.draft(summary="kế hoạch phòng chống thiên tai")
    assert _found(api, "q=thien tai") == [doc["id"]]
    response = api.as_(
        "chuyenvien", "POST", f"/api/v1/documents/{doc['id']}/versions", json={"summary": "kế hoạch trồng rừng"}
    )
    assert response.status_code == 201, response.get_json()
    assert _found(api, "q=thien tai") == [] and _found(api, "q=trong rung") == [doc["id"]]
    assert _found(api, "q=tro") == [doc["id"]]  # the start of a word is enough
    rt = app.extensions["congvan"]
    with rt.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM documents WHERE id IN "
                "(SELECT rowid FROM documents_fts WHERE documents_fts MATCH '\"rung\"*')"
            ).all()
            assert any("documents_fts VIRTUAL TABLE INDEX" in str(row) for row in plan), plan
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            query = "EXPLAIN SELECT id FROM documents WHERE search_text LIKE '%%rung%%'"
            plan = connection.exec_driver_sql(query).all()
            assert any("ix_documents_search_trgm" in str(row) for row in plan), plan


@pytest.mark.both_databases
def test_a_list_by_filters_pages_through_every_rule_once(api: Api) -> None:
    # The head of the office sees: drafts of the office (as its head), their own drafts, and what was delivered
    # to the office; not the land unit's drafts. Each rule is looked up through its own index and merged.
    office = [api.draft(summary=f"văn phòng {n}")["id"] for n in range(3)]
    own = [api.draft("truongphong", summary=f"của trưởng phòng {n}")["id"] for n in range(2)]
    land = api.draft("chuyenvien_dd", summary="của phòng đất đai", kinh_gui=["Văn phòng Sở"])
    other = api.draft("chuyenvien_dd", summary="không gửi văn phòng", kinh_gui=["Phòng Tài nguyên nước"])
    for doc in (land, other):
        assert api.act("chuyenvien_dd", doc["id"], "submit").status_code == 200
        assert api.act("truongphong_dd", doc["id"], "approve").status_code == 200
        assert api.act("giamdoc", doc["id"], "sign").status_code == 200
        assert api.act("vanthu", doc["id"], "issue").status_code == 200
    wanted = sorted([*office, *own, land["id"]], reverse=True)
    assert _every_page(api, "truongphong", "") == wanted
    assert [
        d["id"] for d in api.as_("truongphong", "GET", "/api/v1/documents?state=dispatched").get_json()["documents"]
    ] == [land["id"]]


@pytest.mark.both_databases
def test_words_find_only_what_the_searcher_may_see(api: Api) -> None:
    # A draft of another unit matches the words but is not the searcher's to see: not found, not counted.
    theirs = api.draft("chuyenvien_dd", summary="khai thác cát sỏi lòng sông Lam")
    mine = api.draft(summary="báo cáo khai thác cát sỏi quý IV")
    assert _found(api, "q=cat soi") == [mine["id"]]
    own = api.as_("chuyenvien_dd", "GET", "/api/v1/documents?q=cat%20soi").get_json()["documents"]
    assert [d["id"] for d in own] == [theirs["id"]]
    assert _found(api, "q=long song lam") == []
