"""The audit trail is append-only and hash-chained: edits, deletions, swaps and truncation are found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Connection, text
from sqlalchemy.exc import DatabaseError

from signing import timestamps
from tests.support.api import KEY_PASSPHRASE, Api
from tests.support.trust_services import TrustServices
from workflow import audit, jobs
from workflow.models import AuditAnchor, AuditEvent


def _day(api: Api, documents: int = 2) -> None:
    for n in range(documents):
        doc = api.draft(summary=f"văn bản nhật ký số {n + 1}")
        api.advance(doc["id"], "dispatched")


def _intruder(connection: Connection) -> None:
    """Someone with the database owner's rights switches the append-only triggers off."""
    if connection.dialect.name == "postgresql":
        for table in ("audit_events", "audit_chain", "audit_anchors"):
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for table in ("audit_events", "audit_chain", "audit_anchors"):
            for event in ("update", "delete"):
                connection.execute(text(f"DROP TRIGGER {table}_no_{event}"))


def _verdict(app: Flask) -> audit.Verdict:
    rt = app.extensions["congvan"]
    with rt.readers() as session:
        return audit.verify(session)


@pytest.mark.both_databases
def test_chain_seals_every_event_and_anchors_with_the_tsa(app: Flask, api: Api, trust: TrustServices) -> None:
    _day(api)
    rt = app.extensions["congvan"]
    assert jobs.reconcile()["sealed"] > 10
    assert jobs.reconcile()["sealed"] == 0  # each event once
    rt.settings = rt.settings.replace(tsa_url=trust.tsa_url)
    seq = jobs.anchor_audit()
    verdict = _verdict(app)
    assert verdict.ok and verdict.unsealed == 0 and verdict.links == seq and verdict.anchors == 1
    with rt.readers() as session:
        anchor = session.query(AuditAnchor).one()
        assert anchor.token and timestamps.token_covers(anchor.token, bytes.fromhex(anchor.hash))
        assert not timestamps.token_covers(anchor.token, bytes(32))
    # The day's anchor is printed at the end of the register.
    registers = api.as_("vanthu", "GET", "/api/v1/registers").get_json()["registers"]
    register = next(r for r in registers if r["code"] == "CV")
    year = api.as_("vanthu", "GET", "/api/v1/documents?limit=1").get_json()["documents"][0]["issued_at"][:4]
    printed = api.as_("vanthu", "GET", f"/api/v1/registers/{register['id']}/entries.pdf?year={year}").data
    text_of = subprocess.run(
        ["pdftotext", "-", "-"], input=printed, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    assert f"liên kết số {seq}" in text_of and anchor.hash[:16] in text_of.replace("\n", "")


@pytest.mark.both_databases
def test_audit_rows_cannot_be_changed_or_deleted(app: Flask, api: Api) -> None:
    _day(api, 1)
    jobs.reconcile()
    rt = app.extensions["congvan"]
    for statement in (
        "UPDATE audit_events SET action = 'gia_mao'",
        "DELETE FROM audit_events",
        "UPDATE audit_chain SET hash = 'x'",
        "DELETE FROM audit_chain",
    ):
        with pytest.raises(DatabaseError, match="append-only"), rt.engine.begin() as connection:
            connection.execute(text(statement))
    assert _verdict(app).ok


@pytest.mark.both_databases
@pytest.mark.parametrize("tampering", ["edited", "deleted", "swapped", "truncated"])
def test_tampering_is_found_at_its_link(app: Flask, api: Api, tampering: str) -> None:
    _day(api)
    rt = app.extensions["congvan"]
    jobs.reconcile()
    anchored = jobs.anchor_audit()  # no TSA configured: an anchor without a token
    assert anchored is not None and _verdict(app).ok
    with rt.engine.begin() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT audit_id FROM audit_chain ORDER BY seq"))]
        middle = ids[len(ids) // 2]
        _intruder(connection)
        if tampering == "edited":
            connection.execute(text("UPDATE audit_events SET actor_id = NULL WHERE id = :id"), {"id": middle})
        elif tampering == "deleted":
            connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": middle})
        elif tampering == "swapped":
            a, b = middle, ids[len(ids) // 2 + 1]
            row = {
                r[0]: r[1]
                for r in connection.execute(
                    text("SELECT id, action FROM audit_events WHERE id IN (:a, :b)"), {"a": a, "b": b}
                )
            }
            connection.execute(text("UPDATE audit_events SET action = :x WHERE id = :id"), {"x": row[b], "id": a})
            connection.execute(text("UPDATE audit_events SET action = :x WHERE id = :id"), {"x": row[a], "id": b})
            assert row[a] != row[b]
        else:  # the last three events and their links cut off, as if they never happened
            for audit_id in ids[-3:]:
                connection.execute(text("DELETE FROM audit_chain WHERE audit_id = :id"), {"id": audit_id})
                connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": audit_id})
    verdict = _verdict(app)
    assert verdict.broken is not None
    expected = {
        "edited": ("changed_event", ids.index(middle) + 1),
        "deleted": ("missing_event", ids.index(middle) + 1),
        "swapped": ("changed_event", ids.index(middle) + 1),
        "truncated": ("anchor_mismatch", anchored),
    }[tampering]
    assert (verdict.broken["code"], verdict.broken["seq"]) == expected
    assert verdict.links == expected[1] - 1 or tampering == "truncated"


def test_audit_verify_command(app: Flask, api: Api, tmp_path: Path) -> None:
    _day(api, 1)
    settings = app.extensions["congvan"].settings
    env = dict(os.environ) | {
        "CONGVAN_DATABASE_URL": settings.database_url,
        "CONGVAN_FILES_DIR": settings.files_dir,
        "CONGVAN_KEYS_DIR": settings.keys_dir,
        "CONGVAN_KEY_PASSPHRASE": KEY_PASSPHRASE,
        "CONGVAN_JOB_MODE": "inline",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }

    def verify() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "congvan.cli", "audit", "verify"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    done = verify()
    assert done.returncode == 0 and "nguyên vẹn" in done.stdout, done.stderr
    rt = app.extensions["congvan"]
    with rt.readers() as session:
        first = session.query(AuditEvent).order_by(AuditEvent.id).first()
        assert first is not None
    with rt.engine.begin() as connection:
        _intruder(connection)
        connection.execute(text("UPDATE audit_events SET detail = '{}' WHERE id = :id"), {"id": first.id})
    done = verify()
    assert done.returncode == 1 and "liên kết số 1" in done.stderr and "changed_event" in done.stderr
