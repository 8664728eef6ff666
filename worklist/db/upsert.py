"""``INSERT ... ON CONFLICT`` for the backend in use: one atomic statement on PostgreSQL and
SQLite alike, for counters that concurrent requests or processes add to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table: Table) -> Any:
    """The dialect's ``insert`` (which offers ``on_conflict_do_update``) for this session."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
