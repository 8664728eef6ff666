"""Log in and out with a password; the server-side session carries the user from then on."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts import sessions as web_sessions
from worklist.accounts import throttle
from worklist.accounts.service import authenticate
from worklist.db.base import utcnow
from worklist.db.models import WebSession
from worklist.web.auth import (
    ANY_ROLE,
    Principal,
    db_session,
    login_csrf_token,
    remote_addr,
    require,
    tokens_match,
)
from worklist.web.cookies import clear_session_cookie, login_state
from worklist.web.params import FormText
from worklist.web.signin import complete_login, safe_next
from worklist.web.templating import render

router = APIRouter()


def login_url(request: Request) -> str:
    target = request.url.path
    return f"/login?next={quote(target)}" if target not in ("/", "/login") else "/login"


def _form(request: Request, next_path: str, error: str = "", status_code: int = 200) -> Response:
    settings = request.app.state.settings
    return render(request, "login.html", None, status_code=status_code, next=safe_next(next_path),
                  error=error, sso_label=settings.oidc_label if settings.oidc_issuer else "")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: FormText = "/") -> Response:
    login_csrf_token(request)
    return _form(request, next)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: Annotated[Session, Depends(db_session)],
    username: Annotated[FormText, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[FormText, Form(max_length=2048)] = "/",
) -> Response:
    if not tokens_match(csrf_token, str(login_state(request).get("csrf", ""))):
        return _form(request, next, "The form expired. Please try again.", 403)
    settings = request.app.state.settings
    policy = throttle.LoginPolicy(settings.login_max_failures,
                                  timedelta(minutes=settings.login_lockout_minutes))
    address = remote_addr(request)
    # Counted and committed before the (slow) password check, so concurrent guesses see it.
    allowed = throttle.take_attempt(session, policy, username, address, utcnow())
    session.commit()
    if not allowed:
        # The password is not even checked, so guessing on gains nothing; the answer is the same
        # whether or not the name exists.
        throttle.give_back(session, username, address)
        audit.record(session, actor=username[:64], action=throttle.THROTTLED_LOGIN,
                     remote_addr=address)
        session.commit()
        minutes = policy.window.seconds // 60
        return _form(request, next, f"Too many failed attempts. Try again in {minutes} minutes.",
                     429)
    user = authenticate(session, username, password)
    if user is None:
        audit.record(session, actor=username[:64], action=throttle.FAILED_LOGIN,
                     remote_addr=address)
        session.commit()
        return _form(request, next, "Wrong username or password.", 401)
    throttle.give_back(session, username, address)
    throttle.forget_stale(session, policy, utcnow())
    login_state(request).pop("csrf", None)
    return complete_login(request, session, user, "password", next)


@router.post("/logout")
def logout(
    request: Request,
    principal: Annotated[Principal, Depends(require(*ANY_ROLE))],
    session: Annotated[Session, Depends(db_session)],
) -> Response:
    if principal.session_pk is not None:
        row = session.get(WebSession, principal.session_pk)
        if row is not None:
            web_sessions.end(row, web_sessions.EndReason.LOGOUT, utcnow())
    audit.record(session, actor=principal.username, action="logout",
                 remote_addr=principal.remote_addr)
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response
