"""Creating users and tokens, and finding who a password or a token belongs to.

Services never commit: the command or the request that calls them does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from worklist.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
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


def create_user(session: Session, username: str, password: str, role: str | Role) -> User:
    if not _USERNAME.match(username):
        raise AccountError("a username is 1-64 letters, digits or . _ @ -")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(session, username) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role=coerce_role(role))
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None. Upgrades an outdated hash on success."""
    user = find_user(session, username)
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


def create_token(session: Session, username: str, name: str = "") -> str:
    """A new bearer token for the user; only its SHA-256 is kept, so it is shown once."""
    user = find_user(session, username)
    if user is None or not user.active:
        raise AccountError(f"no active user {username!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_pk=user.id, token_hash=token_digest(token), name=name[:64]))
    session.flush()
    return token


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
    if not user.active:
        return None
    now = utcnow()
    # Recorded to the nearest few minutes: a write on every API call would contend for no gain.
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_GRANULARITY:
        api_token.last_used_at = now
    return user
