"""The state of the parts the product depends on, for ``GET /health`` and operators."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

import rules
from worklist.db.base import utcnow
from worklist.db.models import InboxObject, InboxState
from worklist.notifications import readiness
from worklist.settings import Settings


@dataclass(frozen=True)
class Health:
    database: str
    broker: str
    listener: str
    pending: int | None
    oldest_pending_seconds: float | None
    rules_engine: str
    """``compiled`` or ``interpreted`` (rules.build): which build of the rules this process runs."""
    notifications: str = "ok"
    """``ok``, ``not configured``, ``no recipients`` or ``failing: ...`` (notifications.readiness)."""

    @property
    def ok(self) -> bool:
        return (self.database == "ok" and self.broker in ("ok", "in-process")
                and self.listener == "ok" and self.notifications == "ok")


def _database(sessions: sessionmaker[Session]) -> tuple[str, int | None, float | None]:
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
            pending, oldest = session.execute(
                select(func.count(InboxObject.id), func.min(InboxObject.received_at)).where(
                    InboxObject.state == InboxState.PENDING
                )
            ).one()
    except Exception as error:  # the health check reports, it never raises
        return f"error: {type(error).__name__}", None, None
    age = (utcnow() - _aware(oldest)).total_seconds() if oldest is not None else None
    return "ok", int(pending), age


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _broker(settings: Settings) -> str:
    if not settings.uses_broker:
        return "in-process"
    try:
        from kombu import Connection

        with Connection(settings.broker_url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"


def _listener(settings: Settings) -> str:
    host = "127.0.0.1" if settings.dicom_host in ("0.0.0.0", "", "::") else settings.dicom_host
    try:
        with socket.create_connection((host, settings.dicom_port), timeout=1):
            return "ok"
    except OSError:
        return "down"


def _notifications(settings: Settings, sessions: sessionmaker[Session]) -> str:
    try:
        with sessions() as session:
            failures = readiness.recent_failures(session, utcnow())
    except Exception:  # the database's own state is reported above
        failures = None
    return readiness.state(settings, failures)


def check(settings: Settings, sessions: sessionmaker[Session]) -> Health:
    database, pending, oldest = _database(sessions)
    return Health(
        database=database,
        broker=_broker(settings),
        listener=_listener(settings),
        pending=pending,
        oldest_pending_seconds=oldest,
        rules_engine=rules.build(),
        notifications=_notifications(settings, sessions),
    )
