"""A leader whose key lives on a real PKCS#11 token (SoftHSM2): a batch of 50 signed and valid."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from congvan import demo
from congvan.demo_day import PASSWORD
from congvan.demo_token import add_signing_key
from signing import pki
from tests.support.api import Api, build_app
from tests.support.tokens import Token, softhsm_token


@pytest.fixture(scope="module")
def hsm(tmp_path_factory: pytest.TempPathFactory, keys_dir: Path) -> Iterator[tuple[Token, Path]]:
    """A token holding the leader's key, and a keys directory that trusts the token's CA too."""
    work = tmp_path_factory.mktemp("hsm")
    token = softhsm_token(work / "softhsm")
    ca = pki.make_root("congvan HSM Test CA", "congvan tests")
    add_signing_key(
        token.module, token.label, token.pin, "giamdoc", ca, "Phạm Mạnh Duyệt", "Sở Tài nguyên và Môi trường"
    )
    # The agency's own key on the token too (its packages' XML signatures).
    agency = add_signing_key(
        token.module, token.label, token.pin, "coquan", ca, "Sở Tài nguyên và Môi trường", "Sở Tài nguyên và Môi trường"
    )
    keys = work / "keys"
    shutil.copytree(keys_dir, keys)
    (keys / "hsm-ca.pem").write_bytes(pki.cert_pem(ca.cert))
    (work / "coquan.pem").write_bytes(pki.cert_pem(agency) + pki.cert_pem(ca.cert))
    (keys / "roots.pem").write_bytes((keys_dir / "roots.pem").read_bytes() + pki.cert_pem(ca.cert))
    yield token, keys


def _on_token(token: Token, tmp_path: Path, keys: Path, password_hash: str) -> Flask:
    """An app whose pkcs11 leaders sign on this token."""
    settings = {"PKCS11_MODULE": token.module, "PKCS11_TOKEN": token.label, "PKCS11_PIN": token.pin}
    return build_app(f"sqlite:///{tmp_path}/congvan.db", tmp_path, keys, password_hash, **settings)


@pytest.fixture
def hsm_app(hsm: tuple[Token, Path], tmp_path: Path, password_hash: str) -> Iterator[Flask]:
    token, keys = hsm
    app = _on_token(token, tmp_path, keys, password_hash)
    yield app
    app.extensions["congvan"].close()


def test_the_key_cannot_leave_the_token(hsm: tuple[Token, Path]) -> None:
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    token, _ = hsm
    with pkcs11.lib(token.module).get_token(token_label=token.label).open(user_pin=token.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="giamdoc")
        assert key[Attribute.EXTRACTABLE] is False and key[Attribute.SENSITIVE] is True
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            _ = key[Attribute.PRIVATE_EXPONENT]


def test_a_package_is_signed_in_its_header_by_a_key_on_the_token(hsm: tuple[Token, Path]) -> None:
    """An agency whose key lives on a token still sends packages carrying its XML signature."""
    from routing.exchange import edxml_build, edxml_read
    from signing import signers, xmldsig
    from tests.routing.exchange.test_edxml import sample

    token, keys = hsm
    signer = signers.open_pkcs11(token.module, token.label, token.pin, "coquan")
    try:
        assert xmldsig.can_sign(signer)
        signed = xmldsig.sign(edxml_build.build(sample(), signature_place=True), signer)
    finally:
        signer.pkcs11_session.close()  # the token allows one logged-in application session
    pem = (keys.parent / "coquan.pem").read_bytes()
    check = xmldsig.verify(signed, pem)
    assert check.status == "valid", check
    assert edxml_read.parse(signed).subject == sample().subject
    assert xmldsig.verify(signed.replace(b"STNMT-VP", b"STNMT-VX", 1), pem).status == "invalid"


def test_batch_of_50_signed_on_the_token(hsm_app: Flask, hsm: tuple[Token, Path], tmp_path: Path) -> None:
    api = Api(hsm_app.test_client())
    leader = api.id_of("giamdoc")
    profile = api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "pkcs11", "ref": "giamdoc"})
    assert profile.status_code == 200 and profile.get_json()["signer_kind"] == "pkcs11"
    bad = api.as_("admin", "PUT", f"/api/v1/people/{leader}/signer", json={"kind": "may-chu-khac"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_signer_kind"
    ids = []
    for i in range(50):
        doc = api.draft(summary=f"kiểm tra số {i + 1} về công tác phòng, chống dịch")
        api.advance(doc["id"], "awaiting_signature")
        ids.append(doc["id"])
    batch = api.as_("vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": leader}).get_json()
    confirmed = api.as_(
        "giamdoc", "POST", f"/api/v1/signing-batches/{batch['id']}/confirm", json={"password": PASSWORD}
    )
    assert confirmed.status_code == 202
    done = api.as_("giamdoc", "GET", f"/api/v1/signing-batches/{batch['id']}").get_json()
    assert done["state"] == "done" and done["counts"] == {"signed": 50}, done["items"][:2]
    _, keys = hsm
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, timeout=60)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "hsm", "-t", "CT,C,C", "-i", str(keys / "hsm-ca.pem")],
        check=True,
        timeout=60,
    )
    for doc_id in ids:
        (check,) = api.as_("giamdoc", "GET", f"/api/v1/documents/{doc_id}/signatures").get_json()["signatures"]
        assert check["ok"] and check["signer"] == "Phạm Mạnh Duyệt" and check["trusted"], check
    for doc_id in ids[:5]:
        path = tmp_path / f"{doc_id}.pdf"
        path.write_bytes(api.as_("giamdoc", "GET", f"/api/v1/documents/{doc_id}/pdf").data)
        out = subprocess.run(
            ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True, check=True, timeout=60
        )
        assert "Signature is Valid." in out.stdout and "Certificate is Trusted." in out.stdout, out.stdout


def test_the_demo_makes_the_deputy_key_on_the_token(
    hsm: tuple[Token, Path], tmp_path: Path, password_hash: str
) -> None:
    token, _ = hsm
    keys = tmp_path / "keys"
    app = _on_token(token, tmp_path, keys, password_hash)
    rt = app.extensions["congvan"]
    try:
        with rt.sessions() as session, session.begin():
            demo.make_pki(rt, session)
        # The deputy's key was made on the token: no file of it; the director keeps his PKCS#12 file.
        assert not (keys / "people" / f"{demo.HSM_LEADER}.p12").exists()
        assert (keys / "people" / "giamdoc.p12").exists()
        api = Api(app.test_client())
        deputy = api.id_of(demo.HSM_LEADER)
        signer = api.as_("admin", "GET", f"/api/v1/people/{deputy}/signer").get_json()
        assert (signer["signer_kind"], signer["signer_ref"]) == ("pkcs11", demo.HSM_LEADER)
        doc = api.draft(signer_id=deputy, urgency="hoa_toc")
        api.advance(doc["id"], "awaiting_signature")
        assert api.act(demo.HSM_LEADER, doc["id"], "sign").status_code == 200
        (check,) = api.as_("vanthu", "GET", f"/api/v1/documents/{doc['id']}/signatures").get_json()["signatures"]
        assert check["ok"] and check["trusted"] and check["signer"] == "Hoàng Văn Minh", check
    finally:
        rt.close()


def test_a_key_that_cannot_be_opened_is_refused_clearly(api: Api) -> None:
    deputy = api.id_of("phogiamdoc")
    set_kind = {"kind": "pkcs11", "ref": "khong-co"}
    assert api.as_("admin", "PUT", f"/api/v1/people/{deputy}/signer", json=set_kind).status_code == 200
    doc = api.draft(signer_id=deputy, urgency="hoa_toc")
    api.advance(doc["id"], "awaiting_signature")
    refused = api.act("phogiamdoc", doc["id"], "sign")
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["error"]["code"] == "pkcs11_not_configured"
    assert "PKCS#11" in refused.get_json()["error"]["message"]
    assert api.as_("phogiamdoc", "GET", f"/api/v1/documents/{doc['id']}").get_json()["state"] == "awaiting_signature"
