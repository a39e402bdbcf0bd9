"""Signing through VNPT SmartCA, over real HTTP to a stand-in gateway written from the signing kit.

The leader links their own account (the password used once), the administrator trusts the gateway's root, and a
batch of N documents goes out as ceil(N/50) transactions, each approved (or not) on the "phone".
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from congvan.demo_day import PASSWORD
from signing import pki
from tests.support import factories
from tests.support.api import Api, build_app, database_url
from tests.support.factories import awaiting
from tests.support.processes import free_port
from tests.support.smartca_gateway import CLIENT_ID, CLIENT_SECRET, Gateway, smartca_gateway
from tests.web.test_pages import _token, sign_in
from workflow import runtime
from workflow.models import Document
from workflow.signatures import approvals, jobs
from workflow.signatures.models import RemoteAccount, RemoteTransaction
from workflow.states import ApprovalState, BatchState

UID, SMARTCA_PASSWORD = "079087001234", "mat-khau-SmartCA-1"


@dataclass
class Linked:
    """An app whose leader giamdoc signs through the stand-in gateway."""

    app: Flask
    api: Api
    gateway: Gateway
    leader: int
    keys: Path


def _settings(gateway_url: str) -> dict[str, object]:
    return {
        "SMARTCA_URL": gateway_url,
        "SMARTCA_CLIENT_ID": CLIENT_ID,
        "SMARTCA_CLIENT_SECRET": CLIENT_SECRET,
        "SMARTCA_POLL_MAX": 0.5,
        "PREPARE_AHEAD": False,
    }


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    with smartca_gateway() as running:
        running.add_user(UID, SMARTCA_PASSWORD, "PHẠM MẠNH DUYỆT")
        yield running


@pytest.fixture(scope="module")
def linked(
    gateway: Gateway, tmp_path_factory: pytest.TempPathFactory, keys_dir: Path, password_hash: str
) -> Iterator[Linked]:
    base = tmp_path_factory.mktemp("smartca")
    keys = base / "keys"
    shutil.copytree(keys_dir, keys)  # the gateway's root is added to this copy only
    app = build_app(f"sqlite:///{base}/congvan.db", base, keys, password_hash, **_settings(gateway.url))
    api = Api(app.test_client())
    root = pki.cert_pem(gateway.ca.cert)
    added = api.as_("admin", "POST", "/api/v1/trust-roots", data=root, content_type="application/x-pem-file")
    assert added.status_code == 201, added.get_json()
    leader = api.id_of("giamdoc")
    body = {"kind": "smartca", "username": UID, "password": SMARTCA_PASSWORD}
    response = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json=body)
    assert response.status_code == 200, response.get_json()
    yield Linked(app, api, gateway, leader, keys)
    app.extensions["congvan"].close()


def settled(app: Flask, api: Api, batch_id: int, timeout: float = 60) -> dict[str, Any]:
    """The batch once no approval is waiting: its polls driven here, as the scheduler's tick would enqueue them."""
    rt = app.extensions["congvan"]
    deadline = time.monotonic() + timeout
    while True:
        runtime.install(rt)  # other apps of the module may have installed theirs
        state = jobs.poll_approvals(batch_id, now_all=True)
        if state != "signing":
            return dict(api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch_id}").get_json())
        assert time.monotonic() < deadline, f"batch {batch_id} still waiting for approvals"
        time.sleep(0.05)


def _sign(linked: Linked, count: int) -> tuple[list[int], dict[str, Any]]:
    api = linked.api
    ids = awaiting(linked.app, api, count)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": linked.leader, "document_ids": ids})
    assert batch.status_code == 201, batch.get_json()
    done = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch.get_json()['id']}/confirm", json={"password": PASSWORD}
    )
    assert done.status_code == 202, done.get_json()
    return ids, settled(linked.app, api, done.get_json()["id"])


def test_the_leader_links_their_own_account_and_the_password_is_not_kept(
    gateway: Gateway, tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    app = build_app(f"sqlite:///{tmp_path}/congvan.db", tmp_path, keys_dir, password_hash, **_settings(gateway.url))
    api = Api(app.test_client())
    leader = api.id_of("giamdoc")
    body = {"kind": "smartca", "username": UID, "password": SMARTCA_PASSWORD}
    # Nobody else links it, not even the administrator, and nothing is sent to SmartCA for them.
    grants = len(gateway.grants)
    refused = api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json=body)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert len(gateway.grants) == grants
    wrong = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json={**body, "password": "sai"})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "smartca_login_refused"
    assert "mật khẩu SmartCA không đúng" in wrong.get_json()["error"]["message"]
    unknown = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json={**body, "credential_id": "khac"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["code"] == "smartca_no_credential"
    rt = app.extensions["congvan"]
    with rt.readers() as session:
        assert session.scalar(select(RemoteAccount)) is None
    answer = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json=body).get_json()
    assert answer["signer_kind"] == "smartca"
    certificate = answer["certificate"]
    assert "PHẠM MẠNH DUYỆT" in certificate["subject"] and "SmartCA stand-in RS" in certificate["issuer"]
    assert certificate["valid_from"] < certificate["valid_to"]
    assert api.as_("giamdoc", "GET", f"/api/v1/people/{leader}/signer").get_json()["certificate"] == certificate
    # The password is nowhere in the database; the refresh token only encrypted.
    with rt.readers() as session:
        account = session.scalars(select(RemoteAccount)).one()
        refresh = account.refresh_token
    raw = Path(f"{tmp_path}/congvan.db").read_bytes()
    assert SMARTCA_PASSWORD.encode() not in raw and refresh.encode() not in raw
    with sqlite3.connect(f"{tmp_path}/congvan.db") as db:
        stored = db.execute("SELECT refresh_token FROM remote_accounts").fetchone()[0]
    assert stored != refresh and refresh in gateway.refresh
    # The administrator cannot set SmartCA by hand either.
    by_hand = api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "smartca", "ref": "x"})
    assert by_hand.status_code == 403
    rt.close()


@pytest.mark.parametrize("count", [1, 50, 51])
def test_a_batch_takes_one_approval_per_fifty_documents(linked: Linked, count: int, tmp_path: Path) -> None:
    before = len(linked.gateway.trans)
    ids, done = _sign(linked, count)
    sent = linked.gateway.in_order()[before:]
    assert len(sent) == math.ceil(count / 50)
    assert [len(t.hashes) for t in sent] == [min(50, count - 50 * i) for i in range(len(sent))]
    batch_id = done["id"]
    last = f"{count}" if count % 50 == 1 else f"{50 * (len(sent) - 1) + 1}–{count}"
    assert sent[-1].description == f"Lô ký {batch_id} — văn bản {last} / {count}"
    assert done["state"] == "done" and done["counts"] == {"signed": count}, done
    assert done["approvals_confirmed"] == len(sent) == len(done["approvals"])
    for doc_id in (ids[0], ids[-1]):
        report = linked.api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/signatures").get_json()
        assert report["verdict"] == "valid", report
        assert report["signatures"][0]["signer"] == "PHẠM MẠNH DUYỆT"
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(linked.api.as_("vanthu", "GET", f"/api/v1/documents/{ids[-1]}/pdf").data)
    checked = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, timeout=60, check=False).stdout
    assert "Signature Validation: Signature is Valid." in checked and "PHẠM MẠNH DUYỆT" in checked, checked


def test_five_hundred_documents_take_ten_approvals(linked: Linked) -> None:
    ids = awaiting(linked.app, linked.api, 500)
    before = len(linked.gateway.trans)
    body = {"leader_id": linked.leader, "document_ids": ids}
    batch = linked.api.as_("vanthu", "POST", "/api/v1/signing-batches", json=body)
    batch_id = batch.get_json()["id"]
    assert batch.get_json()["count"] == 500
    linked.api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch_id}/confirm", json={"password": PASSWORD})
    done = settled(linked.app, linked.api, batch_id)
    assert done["counts"] == {"signed": 500} and done["approvals_confirmed"] == 10
    sent = linked.gateway.in_order()[before:]
    assert [len(t.hashes) for t in sent] == [50] * 10
    assert [t.description for t in sent][-1] == f"Lô ký {batch_id} — văn bản 451–500 / 500"
    report = linked.api.as_("vanthu", "GET", f"/api/v1/documents/{ids[-1]}/signatures").get_json()
    assert report["verdict"] == "valid" and report["signatures"][0]["signer"] == "PHẠM MẠNH DUYỆT"


def test_a_rejected_and_an_expired_transaction_fail_only_their_documents(linked: Linked) -> None:
    linked.gateway.outcomes[:] = ["approve", "reject", "expire"]
    ids, done = _sign(linked, 120)
    assert done["state"] == "partial" and done["counts"] == {"signed": 50, "failed": 70}, done["counts"]
    errors = {i["document_id"]: i["error"] for i in done["items"] if i["status"] == "failed"}
    assert set(errors) == set(ids[50:])
    assert {errors[d] for d in ids[50:100]} == {"Người ký đã từ chối giao dịch trên ứng dụng SmartCA."}
    assert {errors[d] for d in ids[100:]} == {"Giao dịch ký đã hết hạn vì chưa được xác nhận trên ứng dụng SmartCA."}
    assert [a["state"] for a in done["approvals"]] == ["done", "failed", "failed"]
    # Sent again: new transactions for exactly the 70, with new signed attributes, and all signed.
    before = len(linked.gateway.trans)
    again = linked.api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{done['id']}/retry")
    assert again.status_code == 202
    batch = settled(linked.app, linked.api, done["id"])
    assert batch["state"] == "done" and batch["counts"] == {"signed": 120}
    assert [len(t.hashes) for t in linked.gateway.in_order()[before:]] == [50, 20]


def test_a_signature_that_does_not_verify_is_refused_and_nothing_is_written(linked: Linked) -> None:
    linked.gateway.outcomes[:] = ["wrong"]
    ids, done = _sign(linked, 3)
    assert done["counts"] == {"failed": 3}
    assert "không khớp chứng thư số" in done["items"][0]["error"]
    for doc_id in ids:
        document = linked.api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}").get_json()
        assert document["state"] == "awaiting_signature" and document["signed_at"] is None
        versions = linked.api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/versions").get_json()["versions"]
        assert "leader_signed" not in [v["kind"] for v in versions]


def test_an_access_token_expired_mid_batch_is_renewed_and_kept(linked: Linked) -> None:
    rt = linked.app.extensions["congvan"]
    with rt.readers() as session:
        before = session.scalars(select(RemoteAccount)).one().refresh_token
    linked.gateway.expire_after_signhash = True
    try:
        _ids, done = _sign(linked, 2)
    finally:
        linked.gateway.expire_after_signhash = False
    assert done["counts"] == {"signed": 2}, done
    with rt.readers() as session:
        after = session.scalars(select(RemoteAccount)).one().refresh_token
    assert after != before and after in linked.gateway.refresh and before not in linked.gateway.refresh


def test_the_gateway_down_is_a_clear_error_and_loses_nothing(
    gateway: Gateway, linked: Linked, tmp_path: Path, password_hash: str
) -> None:
    app = build_app(f"sqlite:///{tmp_path}/congvan.db", tmp_path, linked.keys, password_hash, **_settings(gateway.url))
    api = Api(app.test_client())
    leader = api.id_of("giamdoc")
    body = {"kind": "smartca", "username": UID, "password": SMARTCA_PASSWORD}
    assert api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json=body).status_code == 200
    rt = app.extensions["congvan"]
    down = f"http://127.0.0.1:{free_port()}"
    app.extensions["congvan"].settings = rt.settings.replace(smartca_url=down)
    ids = api.drafted(2)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader}).get_json()
    api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD})
    done = settled(app, api, batch["id"])
    assert done["counts"] == {"failed": 2}
    assert {i["error"] for i in done["items"]} == {"Không kết nối được dịch vụ ký số SmartCA; hãy thử lại sau ít phút."}
    linking = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json=body)
    assert linking.status_code == 503 and linking.get_json()["error"]["code"] == "smartca_unavailable"
    # Nothing lost: back up, the same documents are sent again and signed.
    app.extensions["congvan"].settings = rt.settings.replace(smartca_url=gateway.url)
    again = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/retry").get_json()
    batch_now = settled(app, api, again["id"])
    assert batch_now["counts"] == {"signed": 2} and sorted(i["document_id"] for i in batch_now["items"]) == ids
    rt.close()


def test_the_callback_is_unguessable(linked: Linked) -> None:
    missing = linked.api.client.post("/api/v1/smartca/notify/doan-bua", json={"tranId": "x", "status": 1})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "transaction_not_found"


def test_the_leaders_pages_link_the_account_and_follow_the_approvals(linked: Linked) -> None:
    browser = sign_in(linked.app, "giamdoc")
    page = browser.get("/account/signer").get_data(as_text=True)
    assert "Chữ ký số" in page and "PHẠM MẠNH DUYỆT" in page and "SmartCA stand-in RS" in page
    form = {"csrf_token": _token(browser, "/account/signer"), "username": UID, "password": "sai"}
    refused = browser.post("/account/signer", data=form, follow_redirects=True).get_data(as_text=True)
    assert "mật khẩu SmartCA không đúng" in refused
    form["password"] = SMARTCA_PASSWORD
    done = browser.post("/account/signer", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Đã liên kết tài khoản SmartCA" in done
    assert SMARTCA_PASSWORD not in done
    assert sign_in(linked.app, "vanthu").get("/account/signer").status_code == 403
    _ids, batch = _sign(linked, 51)
    shown = browser.get(f"/signing/batches/{batch['id']}").get_data(as_text=True)
    assert f"Lô ký {batch['id']} — văn bản 1–50 / 51" in shown and "Đã xác nhận" in shown
    progress = browser.get(f"/signing/batches/{batch['id']}/progress").get_json()
    assert progress["approvals"] == 2 and progress["approvals_confirmed"] == 2


def test_on_postgresql_an_expired_transaction_fails_only_its_documents(
    gateway: Gateway, tmp_path: Path, keys_dir: Path, password_hash: str, request: pytest.FixtureRequest
) -> None:
    keys = tmp_path / "keys"
    shutil.copytree(keys_dir, keys)
    url = database_url("postgresql", tmp_path, request)
    app = build_app(url, tmp_path, keys, password_hash, **_settings(gateway.url))
    api = Api(app.test_client())
    root = pki.cert_pem(gateway.ca.cert)
    assert (
        api.as_("admin", "POST", "/api/v1/trust-roots", data=root, content_type="application/x-pem-file").status_code
        == 201
    )
    leader = api.id_of("giamdoc")
    body = {"kind": "smartca", "username": UID, "password": SMARTCA_PASSWORD}
    assert api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json=body).status_code == 200
    gateway.outcomes[:] = ["expire", "approve"]
    here = Linked(app, api, gateway, leader, keys)
    ids, done = _sign(here, 51)
    assert done["counts"] == {"failed": 50, "signed": 1}, done["counts"]
    assert [a["state"] for a in done["approvals"]] == ["failed", "done"]
    again = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{done['id']}/retry").get_json()
    batch = settled(app, api, again["id"])
    assert batch["counts"] == {"signed": 51} and batch["approvals_confirmed"] == 2
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[0]}/signatures").get_json()
    assert report["verdict"] == "valid"
    app.extensions["congvan"].close()


def _waiting_on(linked: Linked, state: ApprovalState, tran_id: str | None) -> tuple[int, int]:
    """A signing batch of one document with one transaction in this state: (the batch's id, the transaction's)."""
    (document_id,) = awaiting(linked.app, linked.api, 1)
    rt = linked.app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        document = session.get(Document, document_id)
        assert document is not None
        batch = factories.make_batch(session, [document], state=BatchState.SIGNING)
        row = RemoteTransaction(
            batch_id=batch.id,
            provider="smartca",
            ref=secrets.token_hex(16),
            notify_key=secrets.token_hex(32),
            tran_id=tran_id,
            description="Lô ký thử",
            item_ids=[batch.items[0].id],
            state=state,
        )
        session.add(row)
        session.flush()
        return batch.id, row.id


def test_a_transaction_still_being_sent_is_given_up_only_after_its_grace(linked: Linked) -> None:
    # The scheduler's tick may come while the signing job is still sending: that transaction is left alone, and
    # failed (so its documents can be sent again) only once its job must have died.
    batch_id, row_id = _waiting_on(linked, ApprovalState.SENDING, None)
    rt = linked.app.extensions["congvan"]
    runtime.install(rt)
    assert jobs.poll_approvals(batch_id, now_all=True) == BatchState.SIGNING
    with rt.sessions() as session, session.begin():
        found = session.get(RemoteTransaction, row_id)
        assert found is not None and found.state == ApprovalState.SENDING
        found.created_at -= dt.timedelta(hours=1)
    assert jobs.poll_approvals(batch_id, now_all=True) == BatchState.PARTIAL
    answer = linked.api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch_id}").get_json()
    assert answer["items"][0]["error"] == "Giao dịch chưa gửi được tới SmartCA; hãy ký lại."


def test_waiting_approvals_fail_once_when_the_service_is_no_longer_configured(linked: Linked) -> None:
    # Nobody could ever answer for them: they fail visibly at the next tick instead of being polled forever.
    batch_id, _row_id = _waiting_on(linked, ApprovalState.WAITING, "khong-con")
    rt = linked.app.extensions["congvan"]
    settings = rt.settings
    rt.settings = settings.replace(smartca_url="")
    try:
        runtime.install(rt)
        assert jobs.poll_approvals(batch_id) == BatchState.PARTIAL
    finally:
        rt.settings = settings
    with rt.readers() as session:
        assert batch_id not in approvals.due(session)
    answer = linked.api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch_id}").get_json()
    assert answer["items"][0]["error"].startswith("Cơ quan chưa đăng ký kết nối SmartCA")
