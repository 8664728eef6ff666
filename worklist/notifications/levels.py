"""Which notification level an item has reached, from its due date and the site's policy.

Level 0 is the reminder before the due date; level N (N >= 1) is the N-th escalation step after it
(``escalation_days_after_due`` in the site file: ``[0, 7, 14]`` means due day, a week, two weeks).

An item learned from a backfill (historical studies imported at go-live) is often long past its
clinical due date. Its reminders count from the moment it was learned instead (``reminder_due``),
and the levels already reached at that moment are summarised by the next digest rather than sent
one e-mail each (``covered_level``). The item keeps its clinical due date on the worklist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.site import KindPolicy

REMINDER = 0


def reminder_due(policy: KindPolicy, due_at: datetime | None, backfilled_at: datetime | None,
                 urgent: bool = False) -> datetime | None:
    """The due date the reminder clock counts from: the clinical one, except that a backfilled
    item gets at least the kind's own interval from the moment it was learned."""
    if due_at is None or backfilled_at is None:
        return due_at
    days = policy.urgent_due_days if urgent and policy.urgent_due_days is not None else policy.due_days
    return max(due_at, backfilled_at + timedelta(days=days))


def covered_level(policy: KindPolicy, due_at: datetime | None,
                  backfilled_at: datetime | None) -> int | None:
    """The level a backfilled item had already reached when it was learned (None: none, or not
    backfilled); the digest speaks for it. ``due_at`` is the ``reminder_due``."""
    if due_at is None or backfilled_at is None:
        return None
    return reached_level(policy, due_at, backfilled_at)


def reached_level(policy: KindPolicy, due_at: datetime, now: datetime) -> int | None:
    """The highest level reached at ``now``, or None when not even the reminder is due yet."""
    level: int | None = None
    if any(now >= due_at - timedelta(days=days) for days in policy.reminder_days_before_due):
        level = REMINDER
    for step, days in enumerate(sorted(policy.escalation_days_after_due), start=1):
        if now >= due_at + timedelta(days=days):
            level = step
    return level


def audience(level: int) -> tuple[str, ...]:
    """Who hears of it: coordinators always; radiologists from the second escalation; the
    admins (service lead) from the third."""
    roles = ["coordinators"]
    if level >= 2:
        roles.append("radiologists")
    if level >= 3:
        roles.append("admins")
    return tuple(roles)
