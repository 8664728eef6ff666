"""The worklist's filter, sort and paging values, validated before any query is built.

Every value a user can send is one of these enums or a typed scalar, so a query never contains
text it did not expect; free text (the patient filter) only ever travels as a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from rules.anatomy import Laterality
from rules.items import ItemKind, Priority
from worklist.db.models import ItemStatus

ACTIVE_STATUSES = (ItemStatus.OPEN, ItemStatus.ACKNOWLEDGED)
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class ItemSort(StrEnum):
    PRIORITY = "priority"
    """Most urgent first, then the earliest due date: the coordinator's morning order."""
    DUE = "due"
    """Earliest due date first, then priority."""
    OPENED = "opened"
    """Newest first."""


@dataclass(frozen=True)
class ItemFilter:
    """Which items to list. Empty tuples and None mean "any"."""

    statuses: tuple[ItemStatus, ...] = ()
    kinds: tuple[ItemKind, ...] = ()
    priorities: tuple[Priority, ...] = ()
    laterality: Laterality | None = None
    patient_id: str | None = None
    """The DICOM Patient ID, matched exactly (any issuer)."""
    patient_text: str | None = None
    """The worklist page's search box: a Patient ID exactly, or part of the name."""
    overdue: bool | None = None
    due_from: date | None = None
    due_to: date | None = None
    """Inclusive date range on the due date, in days of ``zone``."""
    zone: tzinfo = UTC
    """The site's time zone: its days bound the date range."""
    assignee: str | None = None
    """Items owned by this username."""
    unassigned: bool = False
    """Items nobody owns."""
    held: bool | None = None
    """True: only items on hold now; False: only items not on hold now."""
    due_within: datetime | None = None
    """Today's list: items due before this moment (the site's horizon), or with no due date."""
    due_beyond: datetime | None = None
    """Upcoming: items due at or after this moment."""


class Queue(StrEnum):
    """The worklist's tabs over active items."""

    TODAY = "today"
    """Not on hold and due within the site's horizon (or undated): the morning's work."""
    UPCOMING = "upcoming"
    """Not on hold, due beyond the horizon (next year's annual follow-up)."""
    HELD = "held"
    """Put aside until a date."""
    EVERYTHING = "everything"


def in_queue(filters: ItemFilter, queue: Queue, now: datetime, horizon_days: int) -> ItemFilter:
    """The filters narrowed to one tab (whatever tab they were narrowed to before)."""
    horizon = now + timedelta(days=horizon_days)
    base = replace(filters, held=None, due_within=None, due_beyond=None)
    if queue is Queue.TODAY:
        return replace(base, held=False, due_within=horizon)
    if queue is Queue.UPCOMING:
        return replace(base, held=False, due_beyond=horizon)
    if queue is Queue.HELD:
        return replace(base, held=True)
    return base


def day_start(day: date, zone: tzinfo = UTC) -> datetime:
    """When the day starts in ``zone``, as a UTC moment (the calendar's first day in UTC: its
    start in a zone east of UTC is before the first moment a datetime can hold)."""
    try:
        return datetime.combine(day, time.min, zone).astimezone(UTC)
    except OverflowError:
        return datetime.combine(day, time.min, UTC)


def day_end(day: date, zone: tzinfo = UTC) -> datetime | None:
    """When the day after starts (an inclusive range ends before it); None for the last day
    the calendar has, which nothing is after."""
    return None if day == date.max else day_start(day + timedelta(days=1), zone)


@dataclass(frozen=True)
class PageRequest:
    number: int = 1
    size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.number < 1 or not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError("page must be >= 1 and page size within 1..200")

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size
