"""The VXP protocol's signing, and every VXP endpoint of the hub (generated from its URL map) by every caller:
only a registered system with its own secret gets an answer; another system's item answers like a missing one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from routing.exchange import vxp
from routing.hub import service as hub
from routing.models import HubMessage
from tests.support.api import build_app

A, B = "000.00.09.H57", "000.00.04.H57"
SECRETS = {"sys-a": "secret-of-system-a-2026", "sys-b": "secret-of-system-b-2026"}


NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hà Nội
DAY = dt.timedelta(hours=24)


def _verify(headers: dict[str, str], operation: str = "getReceivedEdocList", now: dt.datetime = NOW) -> vxp.Signed:
    return vxp.verify({k.lower(): v for k, v in headers.items()}, operation, SECRETS.get, now, DAY)


def _signed_at(moment: dt.datetime, params: dict[str, str], system: str = "sys-a") -> dict[str, str]:
    """Headers signed as the SDK signs them, with its timestamp set to `moment` (Vietnam time)."""
    return vxp.sign(system, SECRETS[system], params, "application/json", moment)


def test_signing_as_the_sdk_signs() -> None:
    headers = _signed_at(NOW, {"servicetype": "eDoc", "messagetype": "edoc"})
    signed = headers["XroadVnpt-sign-header"]
    assert " " not in signed and json.loads(signed)["XroadVnpt-systemid"] == "sys-a"
    assert json.loads(signed)["XroadVnpt-timestamp"] == "07122026T090000+0000"  # the SDK's form, Vietnam time
    expected = hmac.new(SECRETS["sys-a"].encode(), signed.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == expected
    checked = _verify(headers)
    assert checked.system_id == "sys-a" and checked.get("messagetype") == "edoc" and checked.get("docId") == ""
    # The SDK's hash-file: each byte's hex without zero padding.
    digest = hashlib.sha256(b"x").digest()
    assert vxp.file_hash(b"x") == "".join(f"{b:x}" for b in digest) and len(vxp.file_hash(b"x")) < 64
    lowered = {k.lower(): v for k, v in headers.items()}
    for change, code in (
        ({"xroadvnpt-messagetype": "status"}, "vxp_tampered"),
        ({"xroadvnpt-hash-header": "0" * 64}, "vxp_unauthorized"),
        ({"xroadvnpt-systemid": "sys-b"}, "vxp_unauthorized"),
        ({"xroadvnpt-systemid": "sys-x"}, "vxp_unauthorized"),
    ):
        with pytest.raises(vxp.VxpError) as refused:
            vxp.verify(lowered | change, "getReceivedEdocList", SECRETS.get, NOW, DAY)
        assert refused.value.code == code, change


def test_an_unknown_system_and_a_wrong_secret_are_answered_alike() -> None:
    answers = []
    for system, secret in (("sys-a", "not-the-secret-of-a"), ("sys-nobody", "whatever-secret-1")):
        headers = vxp.sign(system, secret, {"messagetype": "edoc"}, "application/json")
        with pytest.raises(vxp.VxpError) as refused:
            vxp.verify({k.lower(): v for k, v in headers.items()}, "getReceivedEdocList", SECRETS.get, NOW, None)
        answers.append((refused.value.code, refused.value.message, refused.value.http_status))
    assert answers[0] == answers[1] and answers[0][0] == "vxp_unauthorized"


def test_headers_signed_for_one_operation_do_not_authorise_another() -> None:
    # What the SDK prints of a getReceivedEdocList call: systemid, timestamp, servicetype, messagetype.
    listing = _signed_at(NOW, {"servicetype": "eDoc", "messagetype": "edoc"})
    for operation, missing in (
        ("sendEdoc", "hash-file"),
        ("getEdoc", "docid"),
        ("updateStatus", "docid, status"),
        ("deleteAgency", "agencycode"),
        ("registerAgency", "hash-file"),
    ):
        with pytest.raises(vxp.VxpError) as refused:
            _verify(listing, operation)
        assert refused.value.code == "vxp_unsigned" and missing in refused.value.message, operation
    # Each operation with what it signs.
    assert _verify(_signed_at(NOW, {"docId": "d1", "status": "done"}), "updateStatus").get("status") == "done"
    assert _verify(_signed_at(NOW, {"messagetype": "edoc", "hash-file": "ab"}), "sendEdoc").get("hash-file") == "ab"
    # A request signed without a timestamp.
    untimed = {k: v for k, v in listing.items()}
    signed = {k: v for k, v in json.loads(untimed["XroadVnpt-sign-header"]).items() if k != "XroadVnpt-timestamp"}
    untimed["XroadVnpt-sign-header"] = json.dumps(signed, separators=(",", ":"))
    untimed["XroadVnpt-hash-header"] = hmac.new(
        SECRETS["sys-a"].encode(), untimed["XroadVnpt-sign-header"].encode(), hashlib.sha256
    ).hexdigest()
    with pytest.raises(vxp.VxpError) as refused:
        _verify(untimed)
    assert refused.value.code == "vxp_unsigned" and "timestamp" in refused.value.message


def test_a_signed_timestamp_must_be_recent_in_whatever_zone_the_client_runs() -> None:
    params = {"messagetype": "edoc"}
    assert _verify(_signed_at(NOW - dt.timedelta(hours=23), params)).system_id == "sys-a"
    # The SDK's clock in UTC: its timestamp read as Vietnam time is seven hours behind, and still fresh.
    utc_client = vxp.timestamp(NOW).replace("090000", "020000")
    assert vxp.fresh(utc_client, NOW, dt.timedelta(minutes=10))
    # A client a few hours east (UTC+9) looks two hours ahead: fresh too; a day ahead is not.
    assert vxp.fresh(vxp.timestamp(NOW + dt.timedelta(hours=2)), NOW, DAY)
    # A zone-less time is old only once it is old in every zone (UTC-12 the latest): 48 h in Hà Nội is.
    for moment in (NOW - dt.timedelta(hours=48), NOW + dt.timedelta(days=1)):
        with pytest.raises(vxp.VxpError) as refused:
            _verify(_signed_at(moment, params))
        assert refused.value.code == "vxp_stale" and refused.value.http_status == 401
    assert not vxp.fresh("not a time", NOW, DAY)
    # No window: the operator turned the check off for clients that keep one SDK object for weeks.
    old = _signed_at(NOW - dt.timedelta(days=30), params)
    assert vxp.verify({k.lower(): v for k, v in old.items()}, "getReceivedEdocList", SECRETS.get, NOW, None)


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
        data = json.dumps(body).encode() if body is not None else b""
        signed = params | ({"hash-file": vxp.file_hash(data)} if operation == "registerAgency" else {})
        headers = vxp.sign(system, SECRETS[system], signed, "application/json")
        return client.post(f"/vxp/{operation}", headers=headers, data=data).get_json()

    unit = {"id": "x", "pcode": A, "code": "000.01.09.H57", "name": "Ban Tôn giáo", "mail": "btg@example.vn"}
    assert call("sys-a", "registerAgency", {}, unit)["status"] == "OK"
    listed = call("sys-b", "getAgenciesList", {})["data"]
    entry = next(e for e in listed if e["code"] == "000.01.09.H57")
    assert (entry["name"], entry["pid"], entry["mail"]) == ("Ban Tôn giáo", A, "btg@example.vn")
    # Nobody registers or removes what is not theirs: a code outside its own organ's (a well-known one, another
    # system's organ, a sibling's unit), another parent, or a unit another system registered.
    for code in ("000.00.00.G22", B, "000.01.04.H57", "000.00.00.H57", "not-a-code"):
        refused = call("sys-a", "registerAgency", {}, unit | {"code": code, "name": "Văn phòng Chính phủ"})
        assert refused["ErrorCode"] == "vxp_not_yours", (code, refused)
    assert call("sys-b", "registerAgency", {}, unit | {"pcode": "other"})["ErrorCode"] == "vxp_not_yours"
    assert call("sys-a", "registerAgency", {}, unit | {"pcode": "000.00.00.G22"})["ErrorCode"] == "vxp_not_yours"
    assert call("sys-b", "deleteAgency", {"AgencyCode": "000.01.09.H57"})["ErrorCode"] == "vxp_not_found"
    # The body is the one signed: the SDK's unsigned registerAgency, or a body changed on the way, is refused.
    sdk_like = vxp.sign("sys-a", SECRETS["sys-a"], {}, "application/json")
    assert client.post("/vxp/registerAgency", headers=sdk_like, json=unit).get_json()["ErrorCode"] == "vxp_unsigned"
    signed = vxp.sign("sys-a", SECRETS["sys-a"], {"hash-file": vxp.file_hash(json.dumps(unit).encode())}, "x")
    changed = json.dumps(unit | {"name": "Bộ Công an"}).encode()
    assert client.post("/vxp/registerAgency", headers=signed, data=changed).get_json()["ErrorCode"] == "vxp_file_hash"
    names = {e["code"]: e["name"] for e in call("sys-b", "getAgenciesList", {})["data"]}
    assert names["000.01.09.H57"] == "Ban Tôn giáo" and "000.00.00.G22" not in names
    assert call("sys-a", "deleteAgency", {"AgencyCode": "000.01.09.H57"})["status"] == "OK"
    assert all(e["code"] != "000.01.09.H57" for e in call("sys-b", "getAgenciesList", {})["data"])
    rt.close()


def test_organ_codes_under_an_organ() -> None:
    province, department = "000.00.00.H57", "000.00.09.H57"
    assert hub.organ_under(department, province) and hub.organ_under("000.01.09.H57", department)
    assert not hub.organ_under(province, department) and not hub.organ_under(department, department)
    assert not hub.organ_under("000.01.04.H57", department) and not hub.organ_under("000.00.00.G22", province)
    assert not hub.organ_under("000.00.09.H41", province) and not hub.organ_under("free text", province)


def test_a_file_sent_again_is_kept_once_per_recipient(tmp_path: Path, keys_dir: Path, password_hash: str) -> None:
    app: Flask = build_app(f"sqlite:///{tmp_path}/hub.db", tmp_path, keys_dir, password_hash, HUB_MODE=True)
    rt = app.extensions["congvan"]
    C = "000.00.11.H57"
    sending = hub.Sending("package", A, [B], "x", rt.store.put(b"<edXML/>", ".xml"))
    with rt.sessions() as session, session.begin():
        first = hub.vxp_keep(session, sending)
    with rt.sessions() as session, session.begin():
        assert hub.vxp_keep(session, sending) == first  # a replay or a retry: the first item
        # The same file to one more recipient: that one gets an item, under the same DocId.
        assert hub.vxp_keep(session, dataclasses.replace(sending, recipients=[B, C])) == first
        other = hub.vxp_keep(session, dataclasses.replace(sending, body_sha256=rt.store.put(b"<other/>", ".xml")))
        assert other != first
    with rt.readers() as session:
        rows = session.execute(select(HubMessage.message_id, HubMessage.to_organ).order_by(HubMessage.id)).all()
    assert [tuple(r) for r in rows] == [(first, B), (first, C), (other, B)]
    rt.close()
