"""Whether reminders can reach anyone: checked at start-up (a warning) and by ``GET /health``.

A worklist whose reminders go nowhere looks healthy until an overdue biopsy is found by chance, so
a missing channel, a channel with nobody to address, and recent failed deliveries are all said out
loud, each naming the setting to change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from worklist.db.models import Digest, Notification
from worklist.settings import Settings

FAILURE_WINDOW = timedelta(hours=24)


def configuration_problems(settings: Settings) -> list[str]:
    """What in the settings keeps reminders, escalations and digests from anyone."""
    if not settings.smtp_host and not settings.webhook_url:
        return ["notifications go nowhere: neither e-mail (WORKLIST_SMTP_HOST) nor a webhook "
                "(WORKLIST_WEBHOOK_URL) is configured; items still escalate on the worklist"]
    if settings.smtp_host and not settings.webhook_url and not settings.notify_coordinators:
        return ["e-mail is configured but WORKLIST_NOTIFY_COORDINATORS is empty: reminders and "
                "digests are addressed to nobody"]
    return []


def recent_failures(session: Session, now: datetime) -> int:
    """Reminders, escalations and digests whose delivery failed within ``FAILURE_WINDOW``."""
    since = now - FAILURE_WINDOW
    notifications = session.scalar(select(func.count(Notification.id)).where(
        Notification.error.is_not(None), Notification.created_at >= since))
    digests = session.scalar(select(func.count(Digest.id)).where(
        Digest.error.is_not(None), Digest.created_at >= since))
    return int(notifications or 0) + int(digests or 0)


def state(settings: Settings, failures: int | None) -> str:
    """``ok``, ``not configured``, ``no recipients`` or ``failing: N in the last 24 hours``."""
    if not settings.smtp_host and not settings.webhook_url:
        return "not configured"
    if configuration_problems(settings):
        return "no recipients"
    if failures:
        return f"failing: {failures} deliveries failed in the last 24 hours"
    return "ok"
