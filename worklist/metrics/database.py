"""Metrics read from the database at scrape time: the same figures whichever process serves them,
and right after a restart. Every query is an index range or a small table.

- ``worklist_inbox_pending`` / ``worklist_inbox_oldest_pending_seconds`` / ``worklist_inbox_failed``
- ``worklist_items_open{kind,priority}`` and ``worklist_items_overdue{kind,priority}``
- ``worklist_notifications_total{channel,outcome}`` and ``worklist_digests_total{outcome}``
- ``worklist_login_failures_total``
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Label, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from worklist.accounts.throttle import FAILED_LOGIN
from worklist.db.base import utcnow
from worklist.db.models import AuditEntry, Digest, InboxObject, InboxState, Item, Notification
from worklist.db.models.items import ItemStatus

ACTIVE = (ItemStatus.OPEN, ItemStatus.ACKNOWLEDGED)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _RunningCount:
    """A count of audit rows of one action, kept up to date by reading only the rows added since
    the last scrape (the audit trail is large and has no index on its action)."""

    def __init__(self, action: str) -> None:
        self._action = action
        self._last_id = 0
        self._total = 0
        self._lock = threading.Lock()

    def read(self, session: Session) -> int:
        with self._lock:
            last, added = session.execute(
                select(func.max(AuditEntry.id), func.count().filter(AuditEntry.action == self._action))
                .where(AuditEntry.id > self._last_id)
            ).one()
            if last is not None:
                self._last_id, self._total = int(last), self._total + int(added)
            return self._total


class DatabaseCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._login_failures = _RunningCount(FAILED_LOGIN)

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        with self._sessions() as session:
            yield from self._inbox(session, now)
            yield from self._items(session, now)
            yield from self._notifications(session)
            failures = CounterMetricFamily("worklist_login_failures",
                                           "Failed logins (the audit trail's login-failed entries).")
            failures.add_metric([], self._login_failures.read(session))
            yield failures

    def describe(self) -> Iterable[Metric]:
        return []  # collected at scrape time only: registering must not query the database

    def _inbox(self, session: Session, now: datetime) -> Iterator[Metric]:
        pending, oldest = session.execute(
            select(func.count(InboxObject.id), func.min(InboxObject.received_at))
            .where(InboxObject.state == InboxState.PENDING)).one()
        failed = session.scalar(select(func.count(InboxObject.id))
                                .where(InboxObject.state == InboxState.FAILED))
        yield GaugeMetricFamily("worklist_inbox_pending",
                                "Objects received and not yet processed.", value=int(pending))
        age = (now - _aware(oldest)).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("worklist_inbox_oldest_pending_seconds",
                                "Age of the oldest object not yet processed (0: none).", value=age)
        yield GaugeMetricFamily("worklist_inbox_failed",
                                "Objects the pipeline gave up on (the failed page lists them).",
                                value=int(failed or 0))

    def _items(self, session: Session, now: datetime) -> Iterator[Metric]:
        overdue_flag = case((Item.due_at < now, 1), else_=0)
        rows = session.execute(
            select(Item.kind, Item.priority, func.count(Item.id), func.sum(overdue_flag))
            .where(Item.status.in_(ACTIVE)).group_by(Item.kind, Item.priority)).all()
        open_items = GaugeMetricFamily("worklist_items_open",
                                       "Items open or acknowledged, by kind and priority.",
                                       labels=["kind", "priority"])
        overdue = GaugeMetricFamily("worklist_items_overdue",
                                    "Open or acknowledged items past their due date.",
                                    labels=["kind", "priority"])
        for kind, priority, count, late in rows:
            open_items.add_metric([kind, priority], int(count))
            overdue.add_metric([kind, priority], int(late or 0))
        yield open_items
        yield overdue

    def _notifications(self, session: Session) -> Iterator[Metric]:
        sent = CounterMetricFamily("worklist_notifications",
                                   "Reminders and escalations, by channel and outcome "
                                   "(sent, failed, or sending).", labels=["channel", "outcome"])
        outcome = _outcome(Notification)
        for channel, outcome, count in session.execute(
            select(Notification.channel, outcome, func.count())
            .group_by(Notification.channel, outcome)).all():
            sent.add_metric([channel, outcome], int(count))
        yield sent
        digests = CounterMetricFamily("worklist_digests", "Daily digests, by outcome.",
                                      labels=["outcome"])
        digest_outcome = _outcome(Digest)
        for outcome, count in session.execute(
            select(digest_outcome, func.count()).group_by(digest_outcome)).all():
            digests.add_metric([outcome], int(count))
        yield digests


def _outcome(table: type[Notification] | type[Digest]) -> Label[str]:
    """``failed``, ``sent`` or ``sending`` (claimed, not yet answered), grouped by its label."""
    return case((table.error.is_not(None), "failed"), (table.sent_at.is_not(None), "sent"),
                else_="sending").label("outcome")
