"""Search by number/symbol and summary words, accent-insensitive, with a date range, on both databases."""

from __future__ import annotations

import datetime as dt

from tests.conftest import Api
from workflow.search import fold


def _found(api: Api, query: str) -> list[int]:
    response = api.as_("vanthu", "GET", f"/api/v1/documents?{query}")
    assert response.status_code == 200, response.get_json()
    return [d["id"] for d in response.get_json()["documents"]]


def test_search_is_accent_insensitive_and_finds_numbers(any_api: Api) -> None:
    api = any_api
    covid = api.draft(summary="tiếp tục thực hiện công tác phòng, chống dịch COVID-19")
    land = api.draft(summary="tăng cường quản lý đất đai")
    assert _found(api, "q=phong chong dich") == [covid["id"]]
    assert _found(api, "q=PHÒNG CHỐNG dịch") == [covid["id"]]
    assert _found(api, "q=dat dai") == [land["id"]]
    assert _found(api, "q=phong dat") == []  # every word must match
    assert _found(api, "q=50%25") == []  # LIKE wildcards are taken literally
    api.advance(land["id"], "dispatched")
    assert _found(api, "q=01/STNMT-VP") == [land["id"]]  # found by its number and symbol once issued
    today = dt.date.today()
    assert sorted(_found(api, f"from={today - dt.timedelta(days=1)}&to={today + dt.timedelta(days=1)}")) == sorted(
        [covid["id"], land["id"]]
    )
    assert _found(api, f"q=dich&from={today + dt.timedelta(days=2)}") == []
    response = api.as_("vanthu", "GET", "/api/v1/documents?from=22/11/2026")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_date"


def test_fold() -> None:
    assert fold("Phòng, chống dịch") == "phong chong dich"
    assert fold("Đắk Nông") == "dak nong"
    assert fold("01/STNMT-VP") == "01 stnmt vp"
