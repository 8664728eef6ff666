"""The inbox sweeper: rows left pending (worker killed, broker down) are published again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from worklist.db.models import InboxObject, InboxState

BATCH = 1000


def stranded(sessions: sessionmaker[Session], now: datetime, older_than: timedelta) -> Sequence[int]:
    """Ids of rows still pending ``older_than`` after they arrived, oldest first."""
    with sessions() as session:
        return session.scalars(
            select(InboxObject.id)
            .where(InboxObject.state == InboxState.PENDING,
                   InboxObject.received_at < now - older_than)
            .order_by(InboxObject.id)
            .limit(BATCH)
        ).all()
