"""Users for administrators: list them; disable or enable, reset a password, change a role,
unlock a name locked by failed logins, end a user's sessions, create and revoke API tokens.
Every change goes through ``accounts.admin``, which audits it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from worklist.accounts import admin, throttle
from worklist.accounts import sessions as web_sessions
from worklist.accounts.service import AccountError
from worklist.db.base import utcnow
from worklist.db.models import Role, User
from worklist.web.auth import Principal, db_session, require, session_policy
from worklist.web.params import FormText, RowId
from worklist.web.templating import render

router = APIRouter(prefix="/admin")
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Db = Annotated[Session, Depends(db_session)]
NOTICES = {
    "disabled": "User disabled; their sessions ended.", "enabled": "User enabled.",
    "password": "Password reset; their sessions ended.", "role": "Role changed.",
    "unlocked": "Failed logins forgotten: the user may log in.",
    "logout": "Their sessions ended.", "revoked": "Token revoked.",
}


def _login_policy(request: Request) -> throttle.LoginPolicy:
    settings = request.app.state.settings
    return throttle.LoginPolicy(settings.login_max_failures,
                                timedelta(minutes=settings.login_lockout_minutes))


def _by(principal: Principal) -> admin.By:
    return admin.By(principal.username, principal.remote_addr)


def _user(session: Session, user_pk: int) -> User:
    user = session.get(User, user_pk)
    if user is None:
        raise HTTPException(404, "user not found")
    return user


@router.get("/users")
def users_list(request: Request, principal: Admin, session: Db) -> Response:
    rows = admin.summaries(session, _login_policy(request),
                           session_policy(request.app.state.settings), utcnow())
    return render(request, "users.html", principal, rows=rows)


def _detail(request: Request, principal: Principal, session: Session, user: User, *,
            notice: str = "", error: str = "", new_token: str = "",
            status_code: int = 200) -> Response:
    now = utcnow()
    policy = session_policy(request.app.state.settings)
    locked = throttle.locked_names(session, _login_policy(request), now).get(user.username)
    return render(request, "user.html", principal, status_code=status_code, account=user,
                  locked_until=locked, roles=list(Role), now=now,
                  open_sessions=web_sessions.open_sessions(session, user.id, policy, now),
                  tokens=admin.tokens(session, user), notice=notice, error=error,
                  new_token=new_token)


@router.get("/users/{user_pk}")
def user_page(user_pk: RowId, request: Request, principal: Admin, session: Db,
              done: FormText = "") -> Response:
    return _detail(request, principal, session, _user(session, user_pk),
                   notice=NOTICES.get(done, ""))


def _change(request: Request, principal: Principal, session: Session, user_pk: int,
            change: Callable[[User], object], done: str) -> Response:
    user = _user(session, user_pk)
    try:
        change(user)
    except AccountError as error:
        session.rollback()
        return _detail(request, principal, session, _user(session, user_pk), error=str(error),
                       status_code=409)
    session.commit()
    return RedirectResponse(f"/admin/users/{user_pk}?done={done}", status_code=303)


@router.post("/users/{user_pk}/active")
def set_active(user_pk: RowId, request: Request, principal: Admin, session: Db,
               active: Annotated[bool, Form()]) -> Response:
    return _change(request, principal, session, user_pk,
                   lambda user: admin.set_active(session, user, active, _by(principal), utcnow()),
                   "enabled" if active else "disabled")


@router.post("/users/{user_pk}/password")
def reset_password(user_pk: RowId, request: Request, principal: Admin, session: Db,
                   password: Annotated[str, Form(max_length=1024)],
                   confirm: Annotated[str, Form(max_length=1024)]) -> Response:
    def reset(user: User) -> None:
        if password != confirm:
            raise AccountError("the two passwords differ")
        admin.reset_password(session, user, password, _by(principal), utcnow())

    return _change(request, principal, session, user_pk, reset, "password")


@router.post("/users/{user_pk}/role")
def set_role(user_pk: RowId, request: Request, principal: Admin, session: Db,
             role: Annotated[Role, Form()]) -> Response:
    return _change(request, principal, session, user_pk,
                   lambda user: admin.set_role(session, user, role, _by(principal)), "role")


@router.post("/users/{user_pk}/unlock")
def unlock(user_pk: RowId, request: Request, principal: Admin, session: Db) -> Response:
    return _change(request, principal, session, user_pk,
                   lambda user: admin.unlock(session, user, _by(principal)), "unlocked")


@router.post("/users/{user_pk}/logout")
def end_sessions(user_pk: RowId, request: Request, principal: Admin, session: Db) -> Response:
    return _change(request, principal, session, user_pk,
                   lambda user: admin.end_sessions(session, user, _by(principal), utcnow()),
                   "logout")


@router.post("/users/{user_pk}/tokens")
def create_token(user_pk: RowId, request: Request, principal: Admin, session: Db,
                 name: Annotated[FormText, Form(max_length=64)] = "",
                 expires_days: Annotated[int, Form(ge=0, le=3650)] = 0) -> Response:
    """The new token is shown on this page once (never in a URL), then only its hash is kept."""
    user = _user(session, user_pk)
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        token, _ = admin.create_token(session, user, name, expires, _by(principal))
    except AccountError as error:
        session.rollback()
        return _detail(request, principal, session, _user(session, user_pk), error=str(error),
                       status_code=409)
    session.commit()
    return _detail(request, principal, session, user, new_token=token,
                   notice="Token created. Copy it now: it is not shown again.")


@router.post("/tokens/{token_pk}/revoke")
def revoke_token(token_pk: RowId, request: Request, principal: Admin, session: Db) -> Response:
    try:
        token = admin.revoke_token(session, token_pk, _by(principal), utcnow())
    except AccountError as error:
        raise HTTPException(404, str(error)) from None
    session.commit()
    return RedirectResponse(f"/admin/users/{token.user_pk}?done=revoked", status_code=303)
