"""The state of the parts the product depends on, for ``GET /health`` and operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

import rules
from worklist.db.base import utcnow
from worklist.db.models import InboxObject, InboxState
from worklist.listener_heartbeat import read_state
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
    listener_associations: int | None = None
    """Associations the freshest listener process holds (None when it is down)."""

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


def _listener(settings: Settings) -> tuple[str, int | None]:
    """From the listener's own heartbeat (``worklist.listener_heartbeat``): never a connection to
    the DICOM port, which would hold one of its association slots."""
    state = read_state(settings.data_dir)
    if state is None:
        return "down", None
    return "ok", state.associations


def _notifications(settings: Settings, sessions: sessionmaker[Session]) -> str:
    try:
        with sessions() as session:
            failures = readiness.recent_failures(session, utcnow())
    except Exception:  # the database's own state is reported above
        failures = None
    return readiness.state(settings, failures)


def check(settings: Settings, sessions: sessionmaker[Session]) -> Health:
    database, pending, oldest = _database(sessions)
    listener, associations = _listener(settings)
    return Health(
        database=database,
        broker=_broker(settings),
        listener=listener,
        listener_associations=associations,
        pending=pending,
        oldest_pending_seconds=oldest,
        rules_engine=rules.build(),
        notifications=_notifications(settings, sessions),
    )
