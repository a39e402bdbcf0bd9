"""The two-phase batch: prepared ahead (honest day-only stamp) or at confirmation, and remote signing (CSC)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from congvan.demo_day import PASSWORD
from signing import pki
from tests.support.api import Api, build_app
from tests.support.csc_server import CscServer, csc_server
from workflow.models import SigningBatchItem


def _stamp_text(api: Api, doc_id: int, tmp_path: Path) -> str:
    path = tmp_path / f"{doc_id}.pdf"
    path.write_bytes(api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/pdf").data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _csc(server: CscServer) -> dict[str, object]:
    return {"CSC_URL": server.url, "CSC_USERNAME": "stnmt", "CSC_PASSWORD": "app-secret", "CSC_POLL_INTERVAL": 0.1}


def _app(tmp_path: Path, keys: Path, password_hash: str, **config: object) -> Flask:
    return build_app(f"sqlite:///{tmp_path}/congvan.db", tmp_path, keys, password_hash, **config)


def test_prepared_ahead_claims_no_time_before_confirmation(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    app = _app(tmp_path, keys_dir, password_hash, PREPARE_AHEAD=True)
    api = Api(app.test_client())
    ids = api.drafted(10)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}).get_json()
    rt = app.extensions["congvan"]
    with rt.readers() as session:
        items = session.scalars(select(SigningBatchItem).where(SigningBatchItem.batch_id == batch["id"])).all()
        assert all(i.prepared_sha256 and i.prepared_day == rt.now().date() for i in items)
    done = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    ).get_json()
    assert done["state"] == "done" and done["counts"] == {"signed": 10}
    text = _stamp_text(api, ids[0], tmp_path)
    assert f"Ngày ký: {rt.now():%d.%m.%Y}" in text and "Thời gian ký" not in text
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[0]}/signatures").get_json()
    assert report["verdict"] == "valid" and report["signatures"][0]["signing_time"] is None  # no /M claimed
    app.extensions["congvan"].close()


def test_prepared_on_another_day_is_prepared_again_with_the_confirmation_time(
    tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    app = _app(tmp_path, keys_dir, password_hash, PREPARE_AHEAD=True)
    api = Api(app.test_client())
    ids = api.drafted(3)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}).get_json()
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        session.execute(update(SigningBatchItem).values(prepared_day=rt.now().date() - dt.timedelta(days=1)))
    done = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    ).get_json()
    assert done["state"] == "done"
    confirmed = dt.datetime.fromisoformat(done["confirmed_at"]).astimezone(rt.tz)
    text = _stamp_text(api, ids[0], tmp_path)
    assert f"Thời gian ký: {confirmed:%d.%m.%Y %H:%M:%S} +07:00" in text
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{ids[0]}/signatures").get_json()
    claimed = dt.datetime.fromisoformat(report["signatures"][0]["signing_time"])
    assert abs((claimed - confirmed).total_seconds()) < 1  # /M is the leader's confirmation
    app.extensions["congvan"].close()


@pytest.fixture(scope="module")
def csc(tmp_path_factory: pytest.TempPathFactory, keys_dir: Path) -> Iterator[tuple[CscServer, Path]]:
    ca = pki.make_root("congvan CSC Test CA", "congvan tests")
    keys = tmp_path_factory.mktemp("csc-keys") / "keys"
    shutil.copytree(keys_dir, keys)
    (keys / "roots.pem").write_bytes((keys_dir / "roots.pem").read_bytes() + pki.cert_pem(ca.cert))
    with csc_server() as server:
        server.accounts["stnmt"] = "app-secret"
        server.add_key("cred-giamdoc", "stnmt", ca, "Phạm Mạnh Duyệt", "Sở Tài nguyên và Môi trường")
        yield server, keys


@pytest.mark.parametrize("ahead", [False, True])
def test_remote_signing_fifty_documents_one_approval(
    csc: tuple[CscServer, Path], tmp_path: Path, password_hash: str, ahead: bool
) -> None:
    server, keys = csc
    server.decision = "approve"
    app = _app(
        tmp_path,
        keys,
        password_hash,
        PREPARE_AHEAD=ahead,
        **_csc(server),
    )
    api = Api(app.test_client())
    leader = api.id_of("giamdoc")
    api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "csc", "ref": "cred-giamdoc"})
    ids = api.drafted(50)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader}).get_json()
    calls = (len(server.authorize_calls), len(server.sign_calls))
    done = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    ).get_json()
    assert done["state"] == "done" and done["counts"] == {"signed": 50}, done
    assert server.authorize_calls[calls[0] :] == [50] and server.sign_calls[calls[1] :] == [50]
    for doc_id in ids:
        report = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}/signatures").get_json()
        assert report["verdict"] == "valid" and report["signatures"][0]["signer"] == "Phạm Mạnh Duyệt"
    app.extensions["congvan"].close()


def test_refused_approval_leaves_every_document_unsigned(
    csc: tuple[CscServer, Path], tmp_path: Path, password_hash: str
) -> None:
    server, keys = csc
    app = _app(
        tmp_path,
        keys,
        password_hash,
        **_csc(server),
    )
    api = Api(app.test_client())
    leader = api.id_of("giamdoc")
    api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "csc", "ref": "cred-giamdoc"})
    ids = api.drafted(5)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader}).get_json()
    server.decision = "refuse"
    try:
        done = api.as_(
            "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
        ).get_json()
    finally:
        server.decision = "approve"
    assert done["state"] == "partial" and done["counts"] == {"failed": 5}
    assert all("từ chối" in item["error"] for item in done["items"])
    for doc_id in ids:
        doc = api.as_("vanthu", "GET", f"/api/v1/documents/{doc_id}").get_json()
        assert doc["state"] == "awaiting_signature" and doc["signed_at"] is None
    again = api.as_("giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/retry").get_json()
    assert again["state"] == "done" and again["counts"] == {"signed": 5}
    app.extensions["congvan"].close()


def test_an_urgent_document_signed_remotely_alone(
    csc: tuple[CscServer, Path], tmp_path: Path, password_hash: str
) -> None:
    server, keys = csc
    server.decision = "approve"
    app = _app(tmp_path, keys, password_hash, **_csc(server))
    api = Api(app.test_client())
    leader = api.id_of("giamdoc")
    api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "csc", "ref": "cred-giamdoc"})
    doc = api.draft(urgency="hoa_toc")
    api.advance(doc["id"], "awaiting_signature")
    answer = api.act("giamdoc", doc["id"], "sign")
    assert answer.status_code == 200 and answer.get_json()["result"]["awaiting_approval"] is True
    assert api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}").get_json()["state"] == "signed"
    assert server.authorize_calls[-1] == 1
    app.extensions["congvan"].close()
