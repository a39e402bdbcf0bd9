"""Trusting a signing service's root: through the API or the command line, at once, in every process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from flask import Flask

from signing import pki
from tests.support.api import KEY_PASSPHRASE, Api, build_app
from workflow.models import AuditEvent


def _app(tmp_path: Path, keys_dir: Path, password_hash: str) -> tuple[Flask, Path]:
    keys = tmp_path / "keys"
    shutil.copytree(keys_dir, keys)
    return build_app(f"sqlite:///{tmp_path}/congvan.db", tmp_path, keys, password_hash), keys


def test_an_administrator_trusts_a_root_and_the_running_service_uses_it(
    tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    app, keys = _app(tmp_path, keys_dir, password_hash)
    api = Api(app.test_client())
    ca = pki.make_root("SmartCA stand-in RS", "VNPT stand-in")
    rt = app.extensions["congvan"]
    assert ca.cert.subject.rfc4514_string() not in [c.subject.human_friendly for c in rt.keyring.trust_roots]
    before = len(rt.keyring.trust_roots)

    def post(data: bytes, user: str = "admin") -> tuple[int, dict[str, object]]:
        response = api.as_(user, "POST", "/api/v1/trust-roots", data=data, content_type="application/x-pem-file")
        return response.status_code, response.get_json()

    leaf = pki.issue_signing_cert(ca, "PHẠM MẠNH DUYỆT", "VNPT stand-in subscriber")
    assert post(pki.cert_pem(ca.cert), "giamdoc")[0] == 403
    for data, code in (
        (b"khong phai PEM", "not_pem"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "pem_unreadable"),
        (pki.cert_pem(leaf.cert), "not_a_ca"),
        (b"x" * (65 * 1024), "pem_too_large"),
    ):
        status, body = post(data)
        assert status == 400 and body["error"]["code"] == code, (code, body)  # type: ignore[index]
    assert len(rt.keyring.trust_roots) == before and not (keys / "trusted").exists()

    status, body = post(pki.cert_pem(ca.cert))
    assert status == 201
    (root,) = body["roots"]  # type: ignore[misc]
    assert "SmartCA stand-in RS" in root["subject"] and root["added"] is True
    # The same process (and any other reading the folder) trusts it now, without a restart.
    assert len(rt.keyring.trust_roots) == before + 1
    assert post(pki.cert_pem(ca.cert))[0] == 201  # twice: still one
    listed = api.as_("admin", "GET", "/api/v1/trust-roots").get_json()["roots"]
    assert [r["sha256"] for r in listed].count(root["sha256"]) == 1
    assert any(not r["added"] for r in listed)  # the deployment's roots.pem
    with rt.readers() as session:
        assert session.query(AuditEvent).filter_by(action="trust_root_added").count() == 1
    removed = api.as_("admin", "DELETE", f"/api/v1/trust-roots/{root['sha256']}")
    assert removed.status_code == 200 and root["sha256"] not in [r["sha256"] for r in removed.get_json()["roots"]]
    assert len(rt.keyring.trust_roots) == before
    missing = api.as_("admin", "DELETE", f"/api/v1/trust-roots/{'0' * 64}")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "trust_root_not_found"
    rt.close()


def test_the_command_line_trusts_a_root(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    app, keys = _app(tmp_path, keys_dir, password_hash)
    ca = pki.make_root("VGCA stand-in", "Ban Cơ yếu Chính phủ stand-in")
    pem = tmp_path / "root.pem"
    pem.write_bytes(pki.cert_pem(ca.cert))
    env = dict(os.environ) | {
        "CONGVAN_DATABASE_URL": f"sqlite:///{tmp_path}/congvan.db",
        "CONGVAN_FILES_DIR": str(tmp_path / "files"),
        "CONGVAN_KEYS_DIR": str(keys),
        "CONGVAN_KEY_PASSPHRASE": KEY_PASSPHRASE,
    }
    cli = [sys.executable, "-c", "from congvan.cli import main; main()", "trust"]
    added = subprocess.run([*cli, "add", str(pem)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert added.returncode == 0 and "Đã tin cậy: " in added.stdout and "VGCA stand-in" in added.stdout, added
    rt = app.extensions["congvan"]
    assert any("VGCA stand-in" in c.subject.human_friendly for c in rt.keyring.trust_roots)
    listed = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True, timeout=60, check=True).stdout
    assert "VGCA stand-in" in listed
    pem.write_bytes(b"khong phai PEM")
    refused = subprocess.run([*cli, "add", str(pem)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode != 0 and "không phải chứng thư dạng PEM" in refused.stderr
    rt.close()
