"""Which notification level an item has reached, from its due date and the site's policy.

Level 0 is the reminder before the due date; level N (N >= 1) is the N-th escalation step after it
(``escalation_days_after_due`` in the site file: ``[0, 7, 14]`` means due day, a week, two weeks).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.site import KindPolicy

REMINDER = 0


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
