"""Secrets at rest: the hub's system secrets, webhook secrets and TOTP seeds are stored encrypted, read back
plain, values from before are sealed by `congvan reseal`, and a new key takes over by rotation."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import select, text

from congvan import cli
from routing.hub import service as hub
from routing.models import HubSystem
from tests.support.api import Api
from workflow import encryption

# These tests run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def _raw(app: Flask, sql: str) -> str:
    with app.extensions["congvan"].engine.connect() as connection:
        return str(connection.execute(text(sql)).scalar_one())


def test_secrets_are_stored_sealed_and_read_plain(app: Flask, api: Api) -> None:
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        hub.add_system(session, "sys-snv", "000.00.09.H57", "Sở Nội vụ", "bi-mat-chung-rat-dai")
    status, endpoint = api(
        "POST",
        "/api/v1/webhooks",
        api.token("admin"),
        {"url": "http://127.0.0.1:9/h", "events": ["document.issued"]},
    )
    assert status == 201 and endpoint["secret"].startswith("whsec_")
    system_raw = _raw(app, "SELECT secret FROM hub_systems")
    hook_raw = _raw(app, "SELECT secret FROM webhook_endpoints")
    for raw, plain in ((system_raw, "bi-mat-chung-rat-dai"), (hook_raw, endpoint["secret"])):
        assert raw.startswith("sealed:") and plain not in raw
    with rt.readers() as session:
        system = session.scalar(select(HubSystem))
        assert system is not None and system.secret == "bi-mat-chung-rat-dai"


def test_reseal_seals_old_values_and_rotates_keys(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        hub.add_system(session, "sys-snv", "000.00.09.H57", "Sở Nội vụ", "gia-tri-cu-du-dai-16")
        # A value written before encryption at rest existed.
        session.execute(text("UPDATE hub_systems SET secret = 'gia-tri-cu-du-dai-16'"))
    with rt.readers() as session:
        assert session.scalar(select(HubSystem.secret)) == "gia-tri-cu-du-dai-16"  # read as it is
    old = encryption.keys_of(rt.settings)[0]
    new = Fernet.generate_key()
    # The operator puts a new key first and runs `congvan reseal` (the CLI builds its runtime from the environment).
    monkeypatch.setattr(cli.runtime_module, "current", lambda: rt)
    encryption.configure([new, old])
    result = CliRunner().invoke(cli.main, ["reseal"])
    assert result.exit_code == 0, result.output
    assert "Đã mã hóa lại" in result.output
    raw = _raw(app, "SELECT secret FROM hub_systems").removeprefix("sealed:").encode()
    assert Fernet(new).decrypt(raw) == b"gia-tri-cu-du-dai-16"
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(raw)  # the old key may now be dropped
    with rt.readers() as session:
        assert session.scalar(select(HubSystem.secret)) == "gia-tri-cu-du-dai-16"
    encryption.configure([old])  # as the other tests of this process expect


def test_a_malformed_key_is_refused_at_start() -> None:
    with pytest.raises(ValueError):
        encryption.configure([b"khong-phai-khoa-fernet"])
