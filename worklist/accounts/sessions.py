"""Browser sessions kept on the server: opened at login, checked on every request, ended by
logout, a password change, an administrator, the idle timeout or the absolute lifetime.

The browser holds a random key; the database holds its SHA-256, the user, the CSRF token and
the times. Services never commit: the request that calls them does.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from worklist.db.models import User, WebSession

TOUCH_EVERY = timedelta(seconds=60)
"""``last_seen_at`` is written at most this often: a write on every request would contend for
nothing; the idle timeout is then exact to within this."""


class EndReason:
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password-changed"
    ADMIN = "revoked-by-admin"
    DISABLED = "user-disabled"
    IDLE = "idle"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class LiveSession:
    row: WebSession
    user: User


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, policy: SessionPolicy, *, now: datetime,
                 remote_addr: str = "", method: str = "password") -> tuple[str, WebSession]:
    """A new session for the user; returns the key for the cookie (shown once, kept hashed)."""
    key = secrets.token_urlsafe(32)
    row = WebSession(key_hash=key_digest(key), user_pk=user.id,
                     csrf_token=secrets.token_urlsafe(32), method=method,
                     remote_addr=remote_addr[:64], created_at=now, last_seen_at=now,
                     expires_at=now + policy.lifetime)
    session.add(row)
    session.flush()
    return key, row


def live_session(session: Session, key: str, policy: SessionPolicy, now: datetime
                 ) -> LiveSession | None:
    """The session this key opens, or None. A session found past its idle timeout or lifetime,
    or whose user was disabled, is ended on the spot (the caller commits)."""
    found = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_pk)
        .where(WebSession.key_hash == key_digest(key))
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None:
        return None
    ended = (EndReason.EXPIRED if now >= row.expires_at
             else EndReason.IDLE if now - row.last_seen_at > policy.idle
             else EndReason.DISABLED if not user.active else None)
    if ended is not None:
        end(row, ended, now)
        return None
    if now - row.last_seen_at >= min(TOUCH_EVERY, policy.idle / 10):
        row.last_seen_at = now
    return LiveSession(row, user)


def end(row: WebSession, reason: str, now: datetime) -> None:
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_reason = reason


def end_user_sessions(session: Session, user_pk: int, reason: str, now: datetime,
                      *, keep: int | None = None) -> int:
    """End every live session of a user (but ``keep``); how many were ended."""
    statement = (update(WebSession)
                 .where(WebSession.user_pk == user_pk, WebSession.revoked_at.is_(None))
                 .values(revoked_at=now, revoked_reason=reason))
    if keep is not None:
        statement = statement.where(WebSession.id != keep)
    return int(session.execute(statement.execution_options(synchronize_session=False)).rowcount)


def open_sessions(session: Session, user_pk: int, policy: SessionPolicy, now: datetime
                  ) -> list[WebSession]:
    """The user's sessions that would still be let in, newest first."""
    return list(session.scalars(
        select(WebSession)
        .where(WebSession.user_pk == user_pk, WebSession.revoked_at.is_(None),
               WebSession.expires_at > now, WebSession.last_seen_at >= now - policy.idle)
        .order_by(WebSession.created_at.desc())
    ))
