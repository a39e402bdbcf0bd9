"""E-mail out through the configured SMTP server: Vietnamese text, a bounded connection, nothing else."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from workflow.config import Settings

# What each kind of notification is called in an e-mail's subject.
SUBJECTS = {
    "delivery_failed": "Gửi văn bản không thành",
    "document_returned": "Văn bản bị trả lại",
    "to_sign": "Văn bản chờ ký",
    "incoming_document": "Văn bản đến đơn vị",
    "incoming_received": "Văn bản đến từ cơ quan khác",
    "recall_requested": "Đề nghị thu hồi văn bản",
}


def message(settings: Settings, to: str, kind: str, text: str) -> EmailMessage:
    """One notification as an e-mail."""
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = f"[congvan] {SUBJECTS.get(kind, 'Thông báo')}"
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
