"""What every way of logging in ends with: the audit entry, a fresh server-side session and its
cookie, and the way to the page the user asked for."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts import sessions as web_sessions
from worklist.db.base import utcnow
from worklist.db.models import Role, User
from worklist.web.auth import remote_addr, session_policy
from worklist.web.cookies import session_key, set_session_cookie


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def home_for(role: Role) -> str:
    return "/admin/audit" if role == Role.ADMIN else "/"


def complete_login(request: Request, session: Session, user: User, method: str,
                   next_path: str) -> Response:
    """Open the session (a key planted before login is worth nothing: a new one is made, and a
    session this browser already had is ended), audit the login, commit, set the cookie."""
    now = utcnow()
    earlier = session_key(request)
    if earlier is not None:
        live = web_sessions.live_session(session, earlier, session_policy(request.app.state.settings),
                                         now)
        if live is not None:
            web_sessions.end(live.row, web_sessions.EndReason.LOGOUT, now)
    key, row = web_sessions.open_session(
        session, user, session_policy(request.app.state.settings), now=now,
        remote_addr=remote_addr(request), method=method)
    audit.record(session, actor=user.username, action="login", object_type="user",
                 object_id=user.id, remote_addr=remote_addr(request),
                 detail={"method": method, "session": row.id})
    session.commit()
    target = safe_next(next_path)
    response = RedirectResponse(target if target != "/" else home_for(Role(user.role)),
                                status_code=303)
    set_session_cookie(request, response, key)
    return response
