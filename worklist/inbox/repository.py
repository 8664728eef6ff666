"""Queries on inbox rows. The repository never commits: the sink's ``store_many`` is the boundary.

The listener's path is Core on a ``Connection`` (no ORM unit of work): at hundreds of objects a
second the ORM session's bookkeeping cost as much CPU as the statements themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from worklist.db.models import InboxObject, InboxState, ObjectCategory

_inbox = InboxObject.__table__


@dataclass(frozen=True)
class KnownVersion:
    inbox_id: int
    version: int
    sha256: str


def known_versions(connection: Connection, uids: Collection[str]) -> dict[str, list[KnownVersion]]:
    """Every stored version of these SOP Instance UIDs, by UID."""
    query = select(_inbox.c.id, _inbox.c.sop_instance_uid, _inbox.c.version,
                   _inbox.c.sha256).where(_inbox.c.sop_instance_uid.in_(list(uids)))
    known: dict[str, list[KnownVersion]] = {}
    for inbox_id, uid, version, sha256 in connection.execute(query):
        known.setdefault(uid, []).append(KnownVersion(inbox_id, version, sha256))
    return known


def insert_new(connection: Connection, rows: Sequence[Mapping[str, object]]) -> dict[str, int]:
    """Insert the rows whose SOP Instance UID (and content) is not stored yet, in one statement;
    the ids of those inserted, by UID. A row that meets an existing version (same UID with the
    same content, or at the same version number) is left out, not an error: the caller looks at
    it again. The UIDs must be distinct."""
    if not rows:
        return {}
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    statement = (dialect.insert(_inbox).on_conflict_do_nothing()
                 .returning(_inbox.c.id, _inbox.c.sop_instance_uid))
    return {uid: inbox_id for inbox_id, uid in connection.execute(statement, list(rows))}


def insert_rows(connection: Connection, rows: Sequence[Mapping[str, object]]) -> list[int]:
    """Insert the rows (one statement); their ids, in the order given."""
    if not rows:
        return []
    statement = insert(_inbox).returning(_inbox.c.id, sort_by_parameter_order=True)
    return [row.id for row in connection.execute(statement, list(rows))]


def reports_first(connection: Connection, ids: Sequence[int]) -> list[int]:
    """The ids with reports ahead of everything else, each group in the order given (an id with
    no row stays, last: the task reports it missing)."""
    reports = set(connection.scalars(select(_inbox.c.id).where(
        _inbox.c.id.in_(list(ids)), _inbox.c.category == ObjectCategory.REPORT)))
    return sorted(ids, key=lambda inbox_id: inbox_id not in reports)


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_by_state(self) -> dict[InboxState, int]:
        query = select(InboxObject.state, func.count()).group_by(InboxObject.state)
        return {InboxState(state): count for state, count in self.session.execute(query)}
