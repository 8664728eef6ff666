"""Who is calling: bearer API tokens or a signed session cookie with CSRF protection and an idle
timeout; and what their role lets them do.

Routes declare ``Depends(require(...roles))``; failures raise ``NotAuthenticated`` (401, or a
redirect to the login page for pages) or ``Forbidden`` (403), turned into responses in app.py.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from worklist.accounts.actor import Actor
from worklist.accounts.service import user_for_token
from worklist.db.models import Role, User

SESSION_COOKIE = "worklist_session"
SESSION_MAX_AGE_SECONDS = 12 * 3600
"""A cookie never outlives a working day, however active."""
DEFAULT_IDLE_TIMEOUT_SECONDS = 30 * 60
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CLINICAL_ROLES = (Role.COORDINATOR, Role.RADIOLOGIST, Role.ADMIN)
"""Roles that may read the worklist and patients' cases. Administrators are accountable for the
service (they audit it and chase failures), so they read too; clinical decisions (dismissing an item,
documenting concordance) stay with radiologists."""
ANY_ROLE = tuple(Role)


class NotAuthenticated(Exception):
    """No valid token or session: 401 for the API, the login page for pages."""


class Forbidden(Exception):
    """Authenticated, but the role (or a missing CSRF token) does not allow this."""

    def __init__(self, message: str = "your role does not allow this") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Principal:
    username: str
    user_pk: int
    role: Role
    via: str
    """``token`` or ``session``."""
    remote_addr: str
    csrf_token: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.user_pk, self.role, self.remote_addr)


def remote_addr(request: Request) -> str:
    return request.client.host if request.client else ""


def db_session(request: Request) -> Iterator[Session]:
    """The request's session. Routes commit when their change is complete; anything not
    committed (an error half-way) is rolled back when the session closes."""
    with request.app.state.sessions() as session:
        yield session


def tokens_match(sent: str | None, expected: str) -> bool:
    """Constant-time comparison; bytes, because compare_digest refuses non-ASCII text."""
    if not sent or not expected:
        return False
    return secrets.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


def ensure_csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def start_session(request: Request, user: User) -> None:
    """A fresh session on login, so a session id planted before login is worth nothing."""
    request.session.clear()
    request.session.update(
        {"uid": user.id, "csrf": secrets.token_urlsafe(32), "seen": int(time.time())}
    )


def end_session(request: Request) -> None:
    request.session.clear()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _principal(request: Request, session: Session) -> Principal:
    address = remote_addr(request)
    token = _bearer(request)
    if token is not None:
        user = user_for_token(session, token)
        if user is None:
            raise NotAuthenticated()
        if session.dirty:
            session.commit()  # keeps the token's last use
        return Principal(user.username, user.id, Role(user.role), "token", address)
    user_pk = request.session.get("uid")
    if not isinstance(user_pk, int):
        raise NotAuthenticated()
    now = int(time.time())
    idle_limit = int(request.app.state.idle_timeout_seconds)
    if now - int(request.session.get("seen", 0)) > idle_limit:
        end_session(request)
        raise NotAuthenticated()
    user = session.get(User, user_pk)
    if user is None or not user.active:
        end_session(request)
        raise NotAuthenticated()
    request.session["seen"] = now
    return Principal(user.username, user.id, Role(user.role), "session", address,
                     str(request.session.get("csrf", "")))


async def _check_csrf(request: Request, principal: Principal) -> None:
    """Cookies travel with cross-site requests; a token only this site's pages know must too.
    Bearer calls carry no ambient credential and need none."""
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not tokens_match(sent, principal.csrf_token):
        raise Forbidden("the form has expired or did not come from this site; reload and retry")


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks their role (and CSRF on changes)."""
    allowed = frozenset(roles)

    def authorised(request: Request, session: Annotated[Session, Depends(db_session)]) -> Principal:
        principal = _principal(request, session)
        if principal.role not in allowed:
            raise Forbidden()
        return principal

    # A default, not Annotated: string annotations cannot name this closure's local.
    async def dependency(
        request: Request, principal: Principal = Depends(authorised)  # noqa: B008
    ) -> Principal:
        await _check_csrf(request, principal)
        return principal

    return dependency
