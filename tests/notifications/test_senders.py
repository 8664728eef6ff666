"""E-mail and webhook delivery to real servers: what leaves the system names the item, never the
patient."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rules.items import ItemKind
from rules.site import load_site_config
from tests.notifications.seed import (
    COORDINATORS, NOW, PATIENT_ID, PATIENT_NAME, add_item, add_patient, notify_settings,
)
from tests.notifications.servers import SmtpServer, WebhookServer
from worklist.db.models import Notification
from worklist.notifications import service
from worklist.notifications.senders import SmtpSender, WebhookSender, configured_senders

PATIENT_WORDS = (*PATIENT_NAME.split("^"), PATIENT_ID)


def _overdue_item(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        return add_item(session, add_patient(session), ItemKind.CONCORDANCE_PENDING,
                        NOW - timedelta(days=1)).id


def test_email_names_the_item_and_never_the_patient(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path, smtp: SmtpServer,
) -> None:
    settings = notify_settings(database_url, tmp_path / "data", smtp_host=smtp.host,
                               smtp_port=smtp.port, mail_from="worklist@hospital.example.org")
    item_pk = _overdue_item(sessions)

    assert service.remind(sessions, settings, load_site_config(None), [SmtpSender(settings)],
                          NOW) == 1

    [mail] = smtp.mailbox.mails
    assert mail.mail_from == "worklist@hospital.example.org"
    assert set(mail.rcpt_tos) == set(COORDINATORS)
    assert mail.message["To"] == ", ".join(COORDINATORS)
    assert mail.subject == (f"[worklist] Escalation level 1: high concordance-pending "
                            f"(item {item_pk}), due 2026-11-20")
    assert f"https://worklist.example.org/items/{item_pk}" in mail.body
    raw = mail.raw.decode("utf-8", errors="replace").upper()
    for word in PATIENT_WORDS:
        assert word.upper() not in raw


def test_webhook_posts_the_item_as_json_and_never_the_patient(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path, webhook: WebhookServer,
) -> None:
    settings = notify_settings(database_url, tmp_path / "data", webhook_url=webhook.url)
    item_pk = _overdue_item(sessions)
    [sender] = configured_senders(settings)

    assert service.remind(sessions, settings, load_site_config(None), [sender], NOW) == 1

    [request] = webhook.requests
    assert request.path == "/hooks/worklist"
    assert request.content_type == "application/json"
    assert request.json() == {
        "event": "escalation", "item_id": item_pk, "kind": "concordance-pending",
        "priority": "high", "level": 1, "due_at": "2026-11-20",
        "link": f"https://worklist.example.org/items/{item_pk}",
    }
    body = request.body.decode().upper()
    for word in PATIENT_WORDS:
        assert word.upper() not in body


def test_a_refused_webhook_is_recorded_and_the_mail_still_goes(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path, smtp: SmtpServer,
    webhook: WebhookServer,
) -> None:
    webhook.status = 503
    settings = notify_settings(database_url, tmp_path / "data", smtp_host=smtp.host,
                               smtp_port=smtp.port, webhook_url=webhook.url)
    item_pk = _overdue_item(sessions)
    senders = configured_senders(settings)
    assert [s.channel for s in senders] == ["email", "webhook"]

    assert service.remind(sessions, settings, load_site_config(None), senders, NOW) == 1
    assert service.remind(sessions, settings, load_site_config(None), senders, NOW) == 0

    assert len(webhook.requests) == 1, "a failed delivery is not retried behind anyone's back"
    assert len(smtp.mailbox.mails) == 1
    with sessions() as session:
        rows = {r.channel: r for r in session.scalars(select(Notification))}
    assert rows["email"].item_pk == rows["webhook"].item_pk == item_pk
    assert rows["email"].sent_at == NOW and rows["email"].error is None
    assert rows["webhook"].sent_at is None
    assert rows["webhook"].error == "HTTPStatusError: delivery failed"


def test_no_channel_is_configured_by_default(tmp_path: Path) -> None:
    assert configured_senders(notify_settings("", tmp_path / "data")) == []
    settings = notify_settings("", tmp_path / "data", webhook_url="http://127.0.0.1:9/x")
    assert [type(s) for s in configured_senders(settings)] == [WebhookSender]
