"""Reading the audit trail: filtered pages for the admin page and a CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from worklist.db.models import AuditEntry
from worklist.items.filters import PageRequest, day_end, day_start
from worklist.spreadsheets import safe_row

CSV_COLUMNS = ("id", "at", "actor", "action", "object_type", "object_id", "patient_pk",
               "remote_addr", "detail")


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    patient_pk: int | None = None
    since: date | None = None
    until: date | None = None
    """Inclusive."""


def _conditions(filters: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.actor:
        conditions.append(AuditEntry.actor == filters.actor)
    if filters.action:
        conditions.append(AuditEntry.action == filters.action)
    if filters.patient_pk is not None:
        conditions.append(AuditEntry.patient_pk == filters.patient_pk)
    if filters.since is not None:
        conditions.append(AuditEntry.at >= day_start(filters.since))
    end = day_end(filters.until) if filters.until is not None else None
    if end is not None:
        conditions.append(AuditEntry.at < end)
    return conditions


def audit_page(session: Session, filters: AuditFilter, page: PageRequest
               ) -> tuple[list[AuditEntry], int]:
    where = _conditions(filters)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*where)) or 0
    rows = session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
                           .limit(page.size).offset(page.offset))
    return list(rows), int(total)


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def export_csv(session: Session, filters: AuditFilter, batch: int = 1000) -> Iterator[str]:
    """The matching entries, oldest first, as CSV text in chunks (the trail can be long)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    statement = select(AuditEntry).where(*_conditions(filters)).order_by(AuditEntry.id)
    for entry in session.scalars(statement.execution_options(yield_per=batch)):
        # Every cell: any of them may hold text a peer or a user chose (an AE title, a name).
        writer.writerow(safe_row([
            entry.id, entry.at.isoformat(), entry.actor, entry.action, entry.object_type,
            entry.object_id, entry.patient_pk, entry.remote_addr,
            json.dumps(entry.detail, sort_keys=True),
        ]))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

