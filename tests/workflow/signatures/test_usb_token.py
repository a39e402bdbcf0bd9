"""A leader's own USB token on their PC, through the tool government leaders have (VGCA SignService): the batch's
files handed out under one-time addresses, each signed file taken back only if it is the served file plus one
signature by the registered token, covering it. The tool is a stand-in written from the signing kit: it fetches
the file, signs it whole with the token's key, and posts it back as multipart "uploadfile"."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign import fields, signers

from congvan.demo_day import PASSWORD
from signing import pki
from signing.signers import load_pkcs12
from tests.support.api import Api, build_app
from workflow.models import AuditEvent


@pytest.fixture(scope="module")
def token_ca() -> pki.Identity:
    """The CA of the government certificates (a stand-in for Ban Cơ yếu's)."""
    return pki.make_root("Test VGCA Root", "Ban Cơ yếu Chính phủ (thử nghiệm)")


def _key(ca: pki.Identity, name: str) -> Any:
    return load_pkcs12(
        pki.to_pkcs12(pki.issue_signing_cert(ca, name, "Sở Tài nguyên và Môi trường"), [ca.cert], b"pw", "t"), b"pw"
    )


@pytest.fixture
def usb(token_ca: pki.Identity, tmp_path: Path, keys_dir: Path, password_hash: str) -> Iterator[tuple[Api, Any]]:
    """An app whose director signs on his USB token: its root trusted, its certificate registered by himself."""
    keys = tmp_path / "keys"
    shutil.copytree(keys_dir, keys)
    app = build_app(
        f"sqlite:///{tmp_path}/congvan.db", tmp_path, keys, password_hash, PUBLIC_URL="https://congvan.test/"
    )
    api = Api(app.test_client())
    root = pki.cert_pem(token_ca.cert)
    added = api.as_("admin", "POST", "/api/v1/trust-roots", data=root, content_type="application/x-pem-file")
    assert added.status_code == 201, added.get_json()
    key = _key(token_ca, "Phạm Mạnh Duyệt")
    pem = x509.load_der_x509_certificate(key.signing_cert.dump()).public_bytes(serialization.Encoding.PEM).decode()
    leader = api.id_of("giamdoc")
    linked = api.as_("giamdoc", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "usb", "certificate": pem})
    assert linked.status_code == 200, linked.get_json()
    assert (
        linked.get_json()["signer_kind"] == "usb" and "Phạm Mạnh Duyệt" in linked.get_json()["certificate"]["subject"]
    )
    yield api, key
    app.extensions["congvan"].close()


def tool_signs(data: bytes, key: Any) -> bytes:
    """What the signing tool does with a fetched file: signs it whole on the token, in the empty signature field."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    empty = next(name for name, value, _ in fields.enumerate_sig_fields(writer) if value is None)
    out = signers.PdfSigner(signers.PdfSignatureMetadata(field_name=empty), key).sign_pdf(writer)
    return out.getvalue()


def _local(url: str) -> str:
    return url.removeprefix("https://congvan.test")


def _confirmed(api: Api, count: int) -> dict[str, Any]:
    api.drafted(count)
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}).get_json()
    path = f"/api/v1/signing-batches/{batch['id']}/confirm"
    confirmed = api.as_("giamdoc", "POST", path, json={"password": PASSWORD}).get_json()
    assert confirmed["state"] == "signing", confirmed  # nothing signs on the server: it waits for the PC
    return dict(confirmed)


def _hand_back(api: Api, url: str, data: bytes) -> Any:
    form = {"uploadfile": (io.BytesIO(data), "signed.pdf")}
    return api.client.post(_local(url), data=form, content_type="multipart/form-data")


def test_the_batch_is_signed_on_the_token_and_each_file_checked(usb: tuple[Api, Any], token_ca: pki.Identity) -> None:
    api, key = usb
    batch = _confirmed(api, 3)
    path = f"/api/v1/signing-batches/{batch['id']}/token-files"
    assert api.as_("vanthu", "POST", path).status_code == 403  # only the leader signs on their own token
    files = api.as_("giamdoc", "POST", path).get_json()["items"]
    assert len(files) == 3 and all(f["file_url"].startswith("https://congvan.test/api/v1/token-files/") for f in files)
    first, second, third = files

    # The tool fetches without a session: the address is the credential.
    served = api.client.get(_local(first["file_url"]))
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    taken = _hand_back(api, first["upload_url"], tool_signs(served.data, key))
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["Status"] == 0
    again = _hand_back(api, first["upload_url"], tool_signs(served.data, key))
    assert again.status_code == 404  # one time only
    assert api.client.get(_local(first["file_url"])).status_code == 404

    # Another key (a colleague's token) and a changed file are refused, named, and nothing is written.
    other = _key(token_ca, "Hoàng Văn Minh")
    data = api.client.get(_local(second["file_url"])).data
    wrong = _hand_back(api, second["upload_url"], tool_signs(data, other))
    assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (422, "wrong_signer")
    edited = tool_signs(data.replace(b"/Count 1", b"/Count 2", 1), key)
    refused = _hand_back(api, second["upload_url"], edited)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (422, "not_the_served_file")
    state = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()
    assert state["state"] == "signing" and sorted(i["status"] for i in state["items"]) == [
        "pending",
        "pending",
        "signed",
    ]

    # The page was closed: asked again, the two left get new addresses and the old ones stop working.
    fresh = api.as_("giamdoc", "POST", path).get_json()["items"]
    assert [f["document_id"] for f in fresh] == [second["document_id"], third["document_id"]]
    assert api.client.get(_local(third["file_url"])).status_code == 404
    for item in fresh:
        data = api.client.get(_local(item["file_url"])).data
        assert _hand_back(api, item["upload_url"], tool_signs(data, key)).get_json()["Status"] == 0
    done = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()
    assert done["state"] == "done" and done["counts"] == {"signed": 3}
    for item in files:
        report = api.as_("giamdoc", "GET", f"/api/v1/documents/{item['document_id']}/signatures").get_json()
        (check,) = report["signatures"]
        assert check["ok"] and check["trusted"] and check["signer"] == "Phạm Mạnh Duyệt", check
    issued = api.act("vanthu", files[0]["document_id"], "issue")
    assert issued.status_code == 200, issued.get_json()
    report = api.as_("vanthu", "GET", f"/api/v1/documents/{files[0]['document_id']}/signatures").get_json()
    assert [s["ok"] for s in report["signatures"]] == [True, True]


def test_registering_the_token_needs_a_current_certificate(usb: tuple[Api, Any]) -> None:
    api, _ = usb
    leader = api.id_of("giamdoc")
    path = f"/api/v1/people/{leader}/signer"
    bad = api.as_("giamdoc", "PUT", path, json={"kind": "usb", "certificate": "không phải PEM"})
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (400, "invalid_certificate")
    other = api.as_("phogiamdoc", "PUT", path, json={"kind": "usb", "certificate": "x"})
    assert other.status_code == 403
    admin_without = api.as_("admin", "PUT", path, json={"kind": "usb"})
    assert admin_without.get_json()["error"]["code"] == "invalid_certificate"
    with api.client.application.extensions["congvan"].readers() as session:
        assert session.query(AuditEvent).filter(AuditEvent.action == "signer_set").count() == 1
