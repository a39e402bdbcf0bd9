"""Signing through Viettel MySign, over real HTTP to a stand-in gateway written from the signing kit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from congvan.demo_day import PASSWORD
from signing import pki
from tests.support.api import Api, build_app
from tests.support.factories import awaiting
from tests.support.mysign_gateway import CLIENT_ID, CLIENT_SECRET, Gateway, mysign_gateway
from tests.workflow.signatures.test_smartca import settled

USER = "CMT_079087001234"


@pytest.fixture(scope="module")
def linked(
    tmp_path_factory: pytest.TempPathFactory, keys_dir: Path, password_hash: str
) -> Iterator[tuple[Flask, Api, Gateway, int]]:
    with mysign_gateway() as gateway:
        gateway.add_user(USER, "PHẠM MẠNH DUYỆT")
        base = tmp_path_factory.mktemp("mysign")
        keys = base / "keys"
        shutil.copytree(keys_dir, keys)
        settings = {
            "MYSIGN_URL": gateway.url,
            "MYSIGN_CLIENT_ID": CLIENT_ID,
            "MYSIGN_CLIENT_SECRET": CLIENT_SECRET,
            "SMARTCA_POLL_MAX": 0.5,
            "PREPARE_AHEAD": False,
        }
        app = build_app(f"sqlite:///{base}/congvan.db", base, keys, password_hash, **settings)
        api = Api(app.test_client())
        root = pki.cert_pem(gateway.ca.cert)
        assert (
            api.as_(
                "admin", "POST", "/api/v1/trust-roots", data=root, content_type="application/x-pem-file"
            ).status_code
            == 201
        )
        leader = api.id_of("giamdoc")
        unknown = api.as_(
            "giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "mysign", "username": "CMT_0"}
        )
        assert unknown.status_code == 422 and unknown.get_json()["error"]["code"] == "mysign_login_refused"
        assert "Không có tài khoản MySign" in unknown.get_json()["error"]["message"]
        answer = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "mysign", "username": USER})
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["signer_kind"] == "mysign"
        assert "Viettel-CA stand-in" in answer.get_json()["certificate"]["issuer"]
        yield app, api, gateway, leader
        app.extensions["congvan"].close()


def _sign(app: Flask, api: Api, leader: int, count: int) -> tuple[list[int], dict[str, Any]]:
    ids = awaiting(app, api, count)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader, "document_ids": ids})
    done = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch.get_json()['id']}/confirm", json={"password": PASSWORD}
    )
    assert done.status_code == 202, done.get_json()
    return ids, settled(app, api, done.get_json()["id"])


def test_fifty_one_documents_take_two_approvals_in_the_mysign_app(linked: tuple[Flask, Api, Gateway, int]) -> None:
    app, api, gateway, leader = linked
    before = len(gateway.requests)
    ids, done = _sign(app, api, leader, 51)
    assert done["counts"] == {"signed": 51}, done
    sent = gateway.in_order()[before:]
    assert [len(r.hashes) for r in sent] == [50, 1]
    assert sent[1].description == f"Lô ký {done['id']} — văn bản 51 / 51"
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[-1]}/signatures").get_json()
    assert report["verdict"] == "valid" and report["signatures"][0]["signer"] == "PHẠM MẠNH DUYỆT"


def test_a_rejected_request_fails_only_its_documents_and_they_are_sent_again(
    linked: tuple[Flask, Api, Gateway, int],
) -> None:
    app, api, gateway, leader = linked
    gateway.outcomes[:] = ["approve", "reject"]
    _ids, done = _sign(app, api, leader, 52)
    assert done["counts"] == {"signed": 50, "failed": 2}
    failed = [i["error"] for i in done["items"] if i["status"] == "failed"]
    assert failed == ["Người ký đã từ chối yêu cầu trên ứng dụng MySign."] * 2
    logins = len(gateway.logins)
    gateway.access.clear()  # every token expires: MySign has no refresh token, the job logs in again
    api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{done['id']}/retry")
    batch = settled(app, api, done["id"])
    assert batch["counts"] == {"signed": 52} and len(gateway.logins) == logins + 1
