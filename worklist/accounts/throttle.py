"""Slow down password guessing: too many recent failed logins lock a user name, or an address.

Failures are counted from the audit trail (every failed login is already recorded there), so the
limit holds across web processes and restarts without a store of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from worklist.db.models import AuditEntry

FAILED_LOGIN = "login-failed"
# One address may serve many people (a reading room behind NAT): it gets more room than one name.
ADDRESS_ALLOWANCE = 4


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    window: timedelta


def locked_out(session: Session, policy: LoginPolicy, username: str, remote_addr: str,
               now: datetime) -> bool:
    """Whether this name, or this address, failed too often within the window."""
    since = now - policy.window
    recent = select(AuditEntry.actor, AuditEntry.remote_addr).where(
        AuditEntry.action == FAILED_LOGIN, AuditEntry.at >= since,
        or_(AuditEntry.actor == username[:64], AuditEntry.remote_addr == remote_addr),
    ).subquery()
    by_name, by_address = session.execute(select(
        func.count().filter(recent.c.actor == username[:64]),
        func.count().filter(recent.c.remote_addr == remote_addr),
    )).one()
    return by_name >= policy.max_failures or (
        bool(remote_addr) and by_address >= policy.max_failures * ADDRESS_ALLOWANCE)
