"""Which inbox rows are a backfill: history loaded at go-live rather than today's work.

Items they open are still opened at once and shown on the worklist with their clinical due dates;
only their reminder clock starts when they are learned (``worklist.notifications.levels``), so a
go-live import does not open, escalate and e-mail thousands of long-overdue items in one minute.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from worklist.db.models import InboxObject
from worklist.inbox.importer import IMPORT_AE
from worklist.settings import Settings


def is_backfill(row: InboxObject, study_date: date | None, settings: Settings,
                now: datetime) -> bool:
    """Imported from disk (``worklist import``), or of a study older than
    ``WORKLIST_BACKFILL_STUDY_AGE_DAYS`` (0: only imports count)."""
    if row.calling_ae == IMPORT_AE:
        return True
    days = settings.backfill_study_age_days
    if not days or study_date is None:
        return False
    today = now.astimezone(settings.zone).date()
    return study_date < today - timedelta(days=days)
