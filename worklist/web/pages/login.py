"""Log in and out with a password; the session cookie carries the user from then on."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts.service import authenticate
from worklist.accounts.throttle import FAILED_LOGIN, LoginPolicy, locked_out
from worklist.db.base import utcnow
from worklist.db.models import Role
from worklist.web.auth import (
    ANY_ROLE,
    Principal,
    db_session,
    end_session,
    ensure_csrf_token,
    remote_addr,
    require,
    start_session,
    tokens_match,
)
from worklist.web.templating import render

router = APIRouter()


def login_url(request: Request) -> str:
    target = request.url.path
    return f"/login?next={quote(target)}" if target not in ("/", "/login") else "/login"


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def home_for(role: Role) -> str:
    return "/admin/audit" if role == Role.ADMIN else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    ensure_csrf_token(request)
    return render(request, "login.html", None, next=_safe_next(next), error="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: Annotated[Session, Depends(db_session)],
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = str(request.session.get("csrf", ""))
    if not tokens_match(csrf_token, expected):
        return render(request, "login.html", None, status_code=403, next=_safe_next(next),
                      error="The form expired. Please try again.")
    settings = request.app.state.settings
    policy = LoginPolicy(settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes))
    if locked_out(session, policy, username, remote_addr(request), utcnow()):
        # The password is not even checked, so guessing on gains nothing; the answer is the same
        # whether or not the name exists.
        audit.record(session, actor=username[:64], action="login-throttled",
                     remote_addr=remote_addr(request))
        session.commit()
        return render(request, "login.html", None, status_code=429, next=_safe_next(next),
                      error=f"Too many failed attempts. Try again in {policy.window.seconds // 60} minutes.")
    user = authenticate(session, username, password)
    if user is None:
        audit.record(session, actor=username[:64], action=FAILED_LOGIN,
                     remote_addr=remote_addr(request))
        session.commit()
        return render(request, "login.html", None, status_code=401, next=_safe_next(next),
                      error="Wrong username or password.")
    audit.record(session, actor=user.username, action="login", object_type="user",
                 object_id=user.id, remote_addr=remote_addr(request))
    session.commit()
    start_session(request, user)
    target = _safe_next(next)
    return RedirectResponse(target if target != "/" else home_for(Role(user.role)),
                            status_code=303)


@router.post("/logout")
def logout(
    request: Request,
    principal: Annotated[Principal, Depends(require(*ANY_ROLE))],
    session: Annotated[Session, Depends(db_session)],
) -> Response:
    audit.record(session, actor=principal.username, action="logout",
                 remote_addr=principal.remote_addr)
    session.commit()
    end_session(request)
    return RedirectResponse("/login", status_code=303)
