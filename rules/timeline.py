"""Time helpers shared by assembly and the pathways: one clock (UTC), stable ordering, month steps."""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from rules.facts import ReportKind

T = TypeVar("T")

#: Facts with no time sort after dated ones (they are usually the newest, still being written).
_UNDATED = datetime.max.replace(tzinfo=UTC)


def utc(moment: datetime | None) -> datetime | None:
    """Aware UTC; a naive time is taken as UTC so naive and aware inputs compare."""
    if moment is None or moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sort_time(moment: datetime | None) -> datetime:
    return _UNDATED if moment is None else moment


def on_or_after(moment: datetime | None, start: datetime | None) -> bool:
    """Day-level 'on or after' (same-day images and reports come in either order); unknowns pass."""
    if moment is None or start is None:
        return True
    return moment.date() >= start.date()


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_days(moment: datetime, days: float) -> datetime:
    return moment + timedelta(days=days)


def digest(*parts: object) -> str:
    """A short stable fingerprint of facts, for keys that do not depend on arrival order."""
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Stamped(Generic[T]):
    """A fact with the time and the document it came from."""

    value: T
    at: datetime | None
    source_uid: str
    report_kind: ReportKind
