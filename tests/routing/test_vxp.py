"""The VXP protocol's signing, and every VXP endpoint of the hub (generated from its URL map) by every caller:
only a registered system with its own secret gets an answer; another system's item answers like a missing one."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from pathlib import Path

import pytest
from flask import Flask

from routing import hub, vxp
from routing.models import HubMessage
from tests.support.api import build_app

A, B = "000.00.09.H57", "000.00.04.H57"
SECRETS = {"sys-a": "secret-of-system-a-2026", "sys-b": "secret-of-system-b-2026"}


def test_signing_as_the_sdk_signs() -> None:
    headers = vxp.sign("sys-a", SECRETS["sys-a"], {"servicetype": "eDoc", "messagetype": "edoc"}, "application/json")
    signed = headers["XroadVnpt-sign-header"]
    assert " " not in signed and json.loads(signed)["XroadVnpt-systemid"] == "sys-a"
    expected = hmac.new(SECRETS["sys-a"].encode(), signed.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == expected
    lowered = {k.lower(): v for k, v in headers.items()}
    checked = vxp.verify(lowered, SECRETS.get)
    assert checked.system_id == "sys-a" and checked.get("messagetype") == "edoc" and checked.get("docId") == ""
    # The SDK's hash-file: each byte's hex without zero padding.
    digest = hashlib.sha256(b"x").digest()
    assert vxp.file_hash(b"x") == "".join(f"{b:x}" for b in digest) and len(vxp.file_hash(b"x")) < 64
    for change, code in (
        ({"xroadvnpt-messagetype": "status"}, "vxp_tampered"),
        ({"xroadvnpt-hash-header": "0" * 64}, "vxp_bad_signature"),
        ({"xroadvnpt-systemid": "sys-b"}, "vxp_bad_signature"),
        ({"xroadvnpt-systemid": "sys-x"}, "vxp_unauthorized"),
    ):
        with pytest.raises(vxp.VxpError) as refused:
            vxp.verify(lowered | change, SECRETS.get)
        assert refused.value.code == code, change


def test_every_vxp_endpoint_by_every_caller(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    app: Flask = build_app(f"sqlite:///{tmp_path}/hub.db", tmp_path, keys_dir, password_hash, HUB_MODE=True)
    rt = app.extensions["congvan"]
    doc_id = uuid.uuid4().hex
    with rt.sessions() as session, session.begin():
        hub.add_system(session, "sys-a", A, "Sở Nội vụ", SECRETS["sys-a"])
        hub.add_system(session, "sys-b", B, "Sở Tài chính", SECRETS["sys-b"])
        session.add(
            HubMessage(
                message_id=doc_id,
                kind="package",
                from_organ=A,
                to_organ=B,
                document_key="x",
                body_sha256=rt.store.put(b"<edXML/>", ".xml"),
            )
        )
    params = {"servicetype": "eDoc", "messagetype": "edoc", "docId": doc_id, "status": "processing"}

    def headers(caller: str) -> dict[str, str]:
        if caller == "anonymous":
            return {}
        system, secret = {"wrong secret": ("sys-a", "guess"), "a": ("sys-a",) * 2, "b": ("sys-b",) * 2}[caller]
        return vxp.sign(system, SECRETS.get(secret, secret), params, "application/json")

    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("vxp.")]
    assert {r.rule.removeprefix("/vxp/") for r in rules} == set(vxp.OPERATIONS)
    client = app.test_client()
    problems = []
    for rule in rules:
        for caller in ("anonymous", "wrong secret", "a", "b"):
            response = client.post(rule.rule, headers=headers(caller), data=b"")
            answer = response.get_json()
            assert set(answer) >= {"status", "ErrorCode", "ErrorDesc"}, (rule.rule, answer)
            allowed = caller in ("a", "b") and not (caller == "a" and rule.rule.endswith(("getEdoc", "updateStatus")))
            if rule.rule.endswith(("sendEdoc", "registerAgency", "deleteAgency")):
                allowed = False  # an empty body is no package, no agency; nothing to delete
            if (answer["status"] == "OK") != allowed:
                problems.append(f"{caller} {rule.rule} -> {response.status_code} {answer}")
            if (
                caller == "a"
                and rule.rule.endswith(("getEdoc", "updateStatus"))
                and answer["ErrorCode"] != "vxp_not_found"
            ):
                problems.append(f"another system's item is not answered as missing: {rule.rule} {answer}")
    assert not problems, "\n".join(problems)
    rt.close()


def test_a_system_registers_its_units(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    app: Flask = build_app(f"sqlite:///{tmp_path}/hub.db", tmp_path, keys_dir, password_hash, HUB_MODE=True)
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        hub.add_system(session, "sys-a", A, "Sở Nội vụ", SECRETS["sys-a"])
        hub.add_system(session, "sys-b", B, "Sở Tài chính", SECRETS["sys-b"])
    client = app.test_client()

    def call(system: str, operation: str, params: dict[str, str], body: dict[str, str] | None = None) -> dict:
        headers = vxp.sign(system, SECRETS[system], params, "application/json")
        return client.post(f"/vxp/{operation}", headers=headers, json=body).get_json()

    unit = {"id": "x", "pcode": A, "code": "000.01.09.H57", "name": "Ban Tôn giáo", "mail": "btg@example.vn"}
    assert call("sys-a", "registerAgency", {}, unit)["status"] == "OK"
    listed = call("sys-b", "getAgenciesList", {})["data"]
    entry = next(e for e in listed if e["code"] == "000.01.09.H57")
    assert (entry["name"], entry["pid"], entry["mail"]) == ("Ban Tôn giáo", A, "btg@example.vn")
    # Nobody registers or removes what is not theirs.
    assert call("sys-b", "registerAgency", {}, unit | {"pcode": "other"})["ErrorCode"] == "vxp_not_yours"
    assert call("sys-b", "deleteAgency", {"AgencyCode": "000.01.09.H57"})["ErrorCode"] == "vxp_not_found"
    assert call("sys-a", "deleteAgency", {"AgencyCode": "000.01.09.H57"})["status"] == "OK"
    assert all(e["code"] != "000.01.09.H57" for e in call("sys-b", "getAgenciesList", {})["data"])
    rt.close()
