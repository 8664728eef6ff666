"""Administering accounts, for the ``worklist user`` / ``token`` commands and the users page
alike: every change is written to the audit trail with who made it, from where.

Services never commit: the command or the request does, so a change and its audit entry land
together. A refusal raises ``AccountError`` with a sentence safe to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts import sessions as web_sessions
from worklist.accounts import throttle
from worklist.accounts.service import AccountError, change_password, coerce_role, issue_token
from worklist.db.models import ApiToken, Role, User, WebSession


@dataclass(frozen=True)
class By:
    """Who makes an administrative change: an administrator's name, or ``cli:<login>``."""

    name: str
    remote_addr: str = ""


@dataclass(frozen=True)
class UserSummary:
    user: User
    locked_until: datetime | None
    open_sessions: int
    live_tokens: int


def _record(session: Session, by: By, action: str, user: User, **detail: object) -> None:
    audit.record(session, actor=by.name[:64], action=action, object_type="user",
                 object_id=user.id, remote_addr=by.remote_addr,
                 detail={"username": user.username, **detail})


def user_named(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def summaries(session: Session, login: throttle.LoginPolicy,
              policy: web_sessions.SessionPolicy, now: datetime) -> list[UserSummary]:
    locked = throttle.locked_names(session, login, now)
    open_sessions: dict[int, int] = dict(list(session.execute(
        select(WebSession.user_pk, func.count())
        .where(WebSession.revoked_at.is_(None), WebSession.expires_at > now,
               WebSession.last_seen_at >= now - policy.idle)
        .group_by(WebSession.user_pk))))
    tokens: dict[int, int] = dict(list(session.execute(
        select(ApiToken.user_pk, func.count())
        .where(ApiToken.revoked_at.is_(None))
        .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
        .group_by(ApiToken.user_pk))))
    return [UserSummary(user, locked.get(user.username), open_sessions.get(user.id, 0),
                        tokens.get(user.id, 0))
            for user in session.scalars(select(User).order_by(User.username))]


def _other_active_admins(session: Session, user: User) -> int:
    return int(session.scalar(select(func.count(User.id)).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)) or 0)


def set_active(session: Session, user: User, active: bool, by: By, now: datetime) -> None:
    """Enable or disable; a disabled user's sessions end at once and their tokens stop working."""
    if user.active == active:
        return
    if not active and user.role == Role.ADMIN and _other_active_admins(session, user) == 0:
        raise AccountError("the last active administrator cannot be disabled")
    user.active = active
    ended = 0
    if not active:
        ended = web_sessions.end_user_sessions(session, user.id,
                                               web_sessions.EndReason.DISABLED, now)
    _record(session, by, "user-enabled" if active else "user-disabled", user,
            sessions_ended=ended)


def reset_password(session: Session, user: User, password: str, by: By, now: datetime) -> int:
    """A new password set by an administrator; every session of the user ends."""
    ended = change_password(session, user, password, now=now)
    _record(session, by, "password-reset", user, sessions_ended=ended)
    return ended


def set_role(session: Session, user: User, role: str | Role, by: By) -> None:
    new = coerce_role(role)
    if new == user.role:
        return
    if user.role == Role.ADMIN and user.active and _other_active_admins(session, user) == 0:
        raise AccountError("the last active administrator keeps the admin role")
    _record(session, by, "role-changed", user, before=str(user.role), after=str(new))
    user.role = new


def unlock(session: Session, user: User, by: By) -> bool:
    """Forget the name's failed logins; whether there were any."""
    had = throttle.unlock(session, user.username)
    _record(session, by, "user-unlocked", user, had_failures=had)
    return had


def end_sessions(session: Session, user: User, by: By, now: datetime) -> int:
    ended = web_sessions.end_user_sessions(session, user.id, web_sessions.EndReason.ADMIN, now)
    _record(session, by, "sessions-ended", user, sessions_ended=ended)
    return ended


def tokens(session: Session, user: User | None = None) -> list[tuple[ApiToken, str]]:
    """Tokens (revoked ones too, for the record) with their user's name, newest first."""
    statement = (select(ApiToken, User.username).join(User, User.id == ApiToken.user_pk)
                 .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    if user is not None:
        statement = statement.where(ApiToken.user_pk == user.id)
    return [(token, name) for token, name in session.execute(statement)]


def create_token(session: Session, user: User, name: str, expires_at: datetime | None,
                 by: By) -> tuple[str, ApiToken]:
    token, row = issue_token(session, user.username, name, expires_at)
    _record(session, by, "token-created", user, token=row.id, name=row.name,
            expires_at=expires_at.isoformat() if expires_at else None)
    return token, row


def revoke_token(session: Session, token_id: int, by: By, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise AccountError(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now
        user = session.get(User, row.user_pk)
        assert user is not None
        _record(session, by, "token-revoked", user, token=row.id, name=row.name)
    return row
