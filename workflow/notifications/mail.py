"""E-mail out through the configured SMTP server: Vietnamese text, a bounded connection, nothing else."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from workflow.config import Settings
from workflow.notifications import service as notifications


def message(settings: Settings, to: str, kind: str, text: str) -> EmailMessage:
    """One notification as an e-mail."""
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = f"[congvan] {notifications.KIND_LABELS.get(kind, 'Thông báo')}"
    mail.set_content(f"{text}\n\n— congvan, hệ thống quản lý văn bản (thư tự động, xin đừng trả lời).\n")
    return mail


def send(settings: Settings, mails: list[EmailMessage]) -> None:
    """Send the e-mails over one connection, within the configured timeout (smtplib raises on failure)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as server:
        if settings.smtp_starttls:
            server.starttls()
        if settings.smtp_username:
            server.login(settings.smtp_username, settings.smtp_password)
        for mail in mails:
            server.send_message(mail)
