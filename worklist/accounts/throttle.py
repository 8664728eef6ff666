"""Slow down password guessing: too many failed logins lock a user name, or an address, for a
while, even for the right password.

Each attempt first takes a place in a counter row per name and per address, in one upsert that
returns the new count: the count and the check are one atomic step, so concurrent guesses queue
on the row and only the first ``max_failures`` are let through to the password check. The place
is kept when the password was wrong and given back when it was right (or the attempt was refused),
so the counter holds failures plus attempts in flight. A window starts at the first failure; the
counter starts again when it has passed. Every attempt is also in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from worklist.db.models import LoginThrottle
from worklist.db.upsert import insert_for

FAILED_LOGIN = "login-failed"
THROTTLED_LOGIN = "login-throttled"
# One address may serve many people (a reading room behind NAT): it gets more room than one name.
ADDRESS_ALLOWANCE = 4
_NAME = "name:"
_ADDRESS = "addr:"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    window: timedelta


def _keys(username: str, remote_addr: str) -> list[str]:
    keys = [_NAME + username[:120]]
    if remote_addr:
        keys.append(_ADDRESS + remote_addr[:120])
    return keys


def _limit(key: str, policy: LoginPolicy) -> int:
    return policy.max_failures * (ADDRESS_ALLOWANCE if key.startswith(_ADDRESS) else 1)


def _take_place(session: Session, key: str, policy: LoginPolicy, now: datetime) -> int:
    """Add this attempt to the key's counter and return the new count, in one statement."""
    table = LoginThrottle.__table__
    stale = table.c.window_started_at < now - policy.window
    statement = insert_for(session, table).values(key=key, attempts=1, window_started_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"attempts": case((stale, 1), else_=table.c.attempts + 1),
              "window_started_at": case((stale, now), else_=table.c.window_started_at)},
    ).returning(table.c.attempts)
    return int(session.execute(statement).scalar_one())


def take_attempt(session: Session, policy: LoginPolicy, username: str, remote_addr: str,
                 now: datetime) -> bool:
    """Count this attempt; False when the name or the address is over its limit, and the
    password must not be checked. Commit at once, before checking the password, so that
    concurrent attempts count this one."""
    allowed = True
    for key in _keys(username, remote_addr):
        allowed = _take_place(session, key, policy, now) <= _limit(key, policy) and allowed
    return allowed


def give_back(session: Session, username: str, remote_addr: str) -> None:
    """The attempt was refused unchecked, or the password was right: it is not a failure."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.in_(_keys(username, remote_addr)), LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
    )


def unlock(session: Session, username: str) -> bool:
    """Forget a name's failures (an administrator's decision); whether it had any."""
    result = session.execute(delete(LoginThrottle).where(LoginThrottle.key == _NAME + username))
    return bool(result.rowcount)


def locked_names(session: Session, policy: LoginPolicy, now: datetime) -> dict[str, datetime]:
    """User names locked now, with when the lock lifts."""
    rows = session.execute(
        select(LoginThrottle.key, LoginThrottle.window_started_at)
        .where(LoginThrottle.key.startswith(_NAME),
               LoginThrottle.attempts >= policy.max_failures,
               LoginThrottle.window_started_at >= now - policy.window)
    )
    return {key.removeprefix(_NAME): started + policy.window for key, started in rows}


def forget_stale(session: Session, policy: LoginPolicy, now: datetime) -> int:
    """Drop counters whose window has passed (they would start again anyway)."""
    result = session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_started_at < now - policy.window))
    return int(result.rowcount)

