"""Queries on inbox rows. The repository never commits: the sink's ``store`` is the boundary."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from worklist.db.models import InboxObject, InboxState


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def versions_of(self, sop_instance_uid: str) -> Sequence[InboxObject]:
        query = (
            select(InboxObject)
            .where(InboxObject.sop_instance_uid == sop_instance_uid)
            .order_by(InboxObject.version)
        )
        return self.session.scalars(query).all()

    def add(self, row: InboxObject) -> InboxObject:
        self.session.add(row)
        self.session.flush()
        return row

    def count_by_state(self) -> dict[InboxState, int]:
        query = select(InboxObject.state, func.count()).group_by(InboxObject.state)
        return {InboxState(state): count for state, count in self.session.execute(query)}
