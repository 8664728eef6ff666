"""Time helpers shared by assembly and the pathways: one clock (UTC), stable ordering, month steps."""

from __future__ import annotations

import calendar
import hashlib
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Generic, NamedTuple, TypeVar

from rules.facts import ReportKind

T = TypeVar("T")

#: Facts with no time sort after dated ones (they are usually the newest, still being written).
UNDATED = datetime.max.replace(tzinfo=UTC)


def utc(moment: datetime | None) -> datetime | None:
    """Aware UTC; a naive time is taken as UTC so naive and aware inputs compare."""
    if moment is None or moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sort_time(moment: datetime | None) -> datetime:
    return UNDATED if moment is None else moment


def on_or_after(moment: datetime | None, start: datetime | None) -> bool:
    """Day-level 'on or after' (same-day images and reports come in either order); unknowns pass."""
    if moment is None or start is None:
        return True
    return moment.date() >= start.date()


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    last_day = _MONTH_DAYS[month] + (month == 2 and calendar.isleap(year))
    day = min(moment.day, last_day)
    return moment.replace(year=year, month=month, day=day)


def add_days(moment: datetime, days: float) -> datetime:
    return moment + timedelta(days=days)


def digest(*parts: object) -> str:
    """A short stable fingerprint of facts, for keys that do not depend on arrival order."""
    try:
        # Keys are made of text and StrEnum members, whose str() is their text: join them as
        # they are (str() on each part costs as much as the hash); anything else goes through str().
        text = "\x1f".join(parts)  # type: ignore[arg-type]
    except TypeError:
        text = "\x1f".join(map(str, parts))
    return hashlib.sha1(text.encode()).hexdigest()[:10]


class Stamped(NamedTuple, Generic[T]):
    """A fact with the time and the document it came from.

    An immutable named tuple rather than a frozen dataclass: assembly stamps every fact of every
    report, and a named tuple is several times cheaper to build.
    """

    value: T
    at: datetime | None
    source_uid: str
    report_kind: ReportKind


#: ``stamp((value, at, source_uid, report_kind))`` builds a Stamped without the generated,
#: keyword-aware ``__new__``: a third of the cost, and assembly stamps every fact it reads.
stamp = partial(tuple.__new__, Stamped)
