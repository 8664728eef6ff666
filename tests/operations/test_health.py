"""``GET /health`` says when reminders would reach nobody, or have been failing, naming it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from rules.items import ItemKind
from tests.notifications.seed import add_item, add_patient
from worklist.db.base import utcnow
from worklist.db.models import Notification
from worklist.settings import Settings
from worklist.web.app import create_app


def _health(settings: Settings, sessions: sessionmaker[Session], **changes: object) -> dict:
    app = create_app(settings.model_copy(update=changes), sessions)
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("changes", "state"), [
    ({}, "not configured"),
    ({"smtp_host": "mail.example.org"}, "no recipients"),
    ({"smtp_host": "mail.example.org", "notify_coordinators": ["desk@example.org"]}, "ok"),
    ({"webhook_url": "https://hooks.example.org/worklist"}, "ok"),
])
def test_health_reports_whether_notifications_reach_anyone(
    settings: Settings, sessions: sessionmaker[Session], changes: dict, state: str,
) -> None:
    body = _health(settings, sessions, **changes)
    assert body["notifications"] == state
    if state != "ok":
        assert body["status"] == "degraded"


def test_health_reports_recent_failed_deliveries(
    settings: Settings, sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions.begin() as session:
        item = add_item(session, add_patient(session), ItemKind.UNSAMPLED_FINDING, now)
        session.add_all([
            Notification(item_pk=item.id, level=0, channel="webhook", created_at=now,
                         error="ConnectError: delivery failed"),
            Notification(item_pk=item.id, level=1, channel="webhook",
                         created_at=now - timedelta(days=2), error="ConnectError: delivery failed"),
        ])
    body = _health(settings, sessions, webhook_url="https://hooks.example.org/worklist")
    assert body["notifications"] == "failing: 1 deliveries failed in the last 24 hours"
    assert body["status"] == "degraded"
