"""Notifications by e-mail, through a real SMTP server on 127.0.0.1 (aiosmtpd) started by the test."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from tests.support import processes
from tests.support.api import Api, build_app
from workflow import jobs
from workflow.models import Notification, Person


class Mailbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), processes.free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def test_a_returned_draft_reaches_its_drafter_by_email_once(
    smtp: tuple[Mailbox, int], tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    mailbox, port = smtp
    db = f"sqlite:///{tmp_path}/mail.db"
    app = build_app(db, tmp_path, keys_dir, password_hash, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        session.execute(update(Person).where(Person.username == "chuyenvien").values(email="chuyenvien@stnmt.test"))
    api = Api(app.test_client())
    doc = api.draft(summary="báo cáo tình hình sử dụng đất")
    api.act("chuyenvien", doc["id"], "submit")
    api.act("truongphong", doc["id"], "return", "Bổ sung số liệu quý IV.")
    assert len(mailbox.mails) == 1  # the drafter has an address; the leader (to sign) had none
    mail = mailbox.mails[0]
    assert mail["To"] == "chuyenvien@stnmt.test" and mail["Subject"] == "[congvan] Văn bản bị trả lại"
    assert "«báo cáo tình hình sử dụng đất» — Bổ sung số liệu quý IV." in mail.get_content()
    with rt.readers() as session:
        ids = [n.id for n in session.query(Notification).filter(Notification.emailed_at.is_not(None))]
    assert len(ids) == 1
    assert jobs.send_email(ids) == 0 and len(mailbox.mails) == 1  # a job run again sends nothing twice
    rt.engine.dispose()


def test_without_smtp_nothing_is_queued_and_a_server_away_leaves_it_unsent(
    smtp: tuple[Mailbox, int], tmp_path: Path, keys_dir: Path, password_hash: str
) -> None:
    _, port = smtp
    db = f"sqlite:///{tmp_path}/nomail.db"
    app = build_app(db, tmp_path, keys_dir, password_hash, SMTP_HOST="127.0.0.1", SMTP_PORT=processes.free_port())
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        session.execute(update(Person).values(email="ai@stnmt.test"))
    api = Api(app.test_client())
    doc = api.draft()
    api.act("chuyenvien", doc["id"], "submit")
    # The SMTP server does not answer: the action itself succeeded, the notification waits unsent.
    assert api.act("truongphong", doc["id"], "return", "Sai thể thức.").status_code == 200
    with rt.readers() as session:
        waiting = session.query(Notification).filter(Notification.kind == "document_returned").one()
        assert waiting.emailed_at is None
    assert port
    rt.engine.dispose()
