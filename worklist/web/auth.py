"""Who is calling: bearer API tokens (which may expire) or a server-side browser session with
CSRF protection, an idle timeout and an absolute lifetime; and what their role lets them do.

Routes declare ``Depends(require(...roles))``; failures raise ``NotAuthenticated`` (401, or a
redirect to the login page for pages) or ``Forbidden`` (403), turned into responses in app.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from worklist.accounts.actor import Actor
from worklist.accounts.service import user_for_token
from worklist.accounts.sessions import SessionPolicy, live_session
from worklist.db.base import utcnow
from worklist.db.models import Role
from worklist.settings import Settings
from worklist.web.cookies import SESSION_COOKIE  # noqa: F401  (the schema names it)
from worklist.web.cookies import LOGIN_PATH, login_state, session_key

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
    session_pk: int | None = None
    """The server-side session, for ``via == "session"``."""

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


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(idle=timedelta(minutes=settings.session_idle_minutes),
                         lifetime=timedelta(hours=settings.session_max_hours))


def login_csrf_token(request: Request) -> str:
    """The login form's CSRF token, kept in the pre-login cookie (``/login`` paths only)."""
    if not request.url.path.startswith(LOGIN_PATH):
        return ""
    state = login_state(request)
    token = state.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        state["csrf"] = token
    return str(token)


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
    key = session_key(request)
    if key is None:
        raise NotAuthenticated()
    live = live_session(session, key, session_policy(request.app.state.settings), utcnow())
    if session.dirty:
        session.commit()  # the session's last use, or its end
    if live is None:
        raise NotAuthenticated()
    user = live.user
    return Principal(user.username, user.id, Role(user.role), "session", address,
                     live.row.csrf_token, live.row.id)


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
