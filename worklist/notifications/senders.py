"""Delivery of notifications by e-mail (SMTP) and webhook.

Messages carry the item number, kind, priority, due date and a link: never a patient's name or
identifier, because e-mail and webhooks leave the system of record.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from worklist.settings import Settings


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    recipients: tuple[str, ...]
    payload: dict[str, Any]
    """The same content for machines (webhook)."""


class Sender(Protocol):
    channel: str

    def send(self, message: Message) -> None: ...


class SmtpSender:
    channel = "email"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, message: Message) -> None:
        if not message.recipients:
            return
        s = self._settings
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = s.mail_from
        mail["To"] = ", ".join(message.recipients)
        mail.set_content(message.body)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30, context=context)
            if s.smtp_ssl
            else smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
        )
        with smtp:
            if s.smtp_starttls and not s.smtp_ssl:
                smtp.starttls(context=context)
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(mail)


class WebhookSender:
    channel = "webhook"

    def __init__(self, url: str) -> None:
        self._url = url

    def send(self, message: Message) -> None:
        response = httpx.post(self._url, json=message.payload, timeout=10)
        response.raise_for_status()


def configured_senders(settings: Settings) -> list[Sender]:
    senders: list[Sender] = []
    if settings.smtp_host:
        senders.append(SmtpSender(settings))
    if settings.webhook_url:
        senders.append(WebhookSender(settings.webhook_url))
    return senders


def recipients_for(settings: Settings, roles: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for role in roles:
        for address in getattr(settings, f"notify_{role}"):
            if address not in found:
                found.append(address)
    return tuple(found)
