"""Creating users and tokens, and finding who a password or a token belongs to.

Services never commit: the command or the request that calls them does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from worklist.accounts.passwords import (
    UNUSABLE,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from worklist.accounts.sessions import EndReason, end_user_sessions
from worklist.db.base import utcnow
from worklist.db.models import ApiToken, Role, User

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
TOKEN_PREFIX = "wl_"
LAST_USED_GRANULARITY = timedelta(minutes=5)


class AccountError(ValueError):
    """A user or token request that cannot be honoured; the message is safe to show."""


def coerce_role(value: str | Role) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise AccountError(f"unknown role {value!r}: choose one of {choices}") from None


def valid_username(username: str) -> bool:
    return bool(_USERNAME.match(username))


def _check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise AccountError(problem)


def create_user(session: Session, username: str, password: str, role: str | Role) -> User:
    if not valid_username(username):
        raise AccountError("a username is 1-64 letters, digits or . _ @ -")
    _check_password(password, username)
    if find_user(session, username) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role=coerce_role(role))
    session.add(user)
    session.flush()
    return user


def change_password(session: Session, user: User, password: str, *, now: datetime,
                    keep_session: int | None = None) -> int:
    """Set a new password and end the user's sessions (but ``keep_session``, the one that
    changed it); how many ended. Single sign-on accounts have no password here."""
    if user.auth_source != "local":
        raise AccountError(f"{user.username} logs in by single sign-on and has no password here")
    _check_password(password, user.username)
    user.password_hash = hash_password(password)
    return end_user_sessions(session, user.id, EndReason.PASSWORD_CHANGED, now, keep=keep_session)


def sso_user(session: Session, username: str, subject: str, role: Role) -> User:
    """A new account for a single sign-on identity (no local password)."""
    user = User(username=username, password_hash=UNUSABLE, role=role, auth_source="oidc",
                external_subject=subject)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None. Upgrades an outdated hash on success."""
    user = find_user(session, username) if valid_username(username) else None
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, username: str, name: str = "",
                 expires_at: datetime | None = None) -> str:
    """A new bearer token for the user; only its SHA-256 is kept, so it is shown once."""
    return issue_token(session, username, name, expires_at)[0]


def issue_token(session: Session, username: str, name: str = "",
                expires_at: datetime | None = None) -> tuple[str, ApiToken]:
    user = find_user(session, username)
    if user is None or not user.active:
        raise AccountError(f"no active user {username!r}")
    if expires_at is not None and expires_at <= utcnow():
        raise AccountError("a token's expiry must be in the future")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_pk=user.id, token_hash=token_digest(token), name=name[:64],
                   expires_at=expires_at)
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_pk)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        return None
    api_token, user = row
    now = utcnow()
    if not user.active or (api_token.expires_at is not None and api_token.expires_at <= now):
        return None
    # Recorded to the nearest few minutes: a write on every API call would contend for no gain.
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_GRANULARITY:
        api_token.last_used_at = now
    return user
