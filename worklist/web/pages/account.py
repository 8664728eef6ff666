"""A user changes their own password; their other sessions end, this one goes on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts.passwords import verify_password
from worklist.accounts.service import AccountError, change_password
from worklist.db.base import utcnow
from worklist.db.models import User
from worklist.web.auth import ANY_ROLE, Principal, db_session, require
from worklist.web.templating import render

router = APIRouter(prefix="/account")
Anyone = Annotated[Principal, Depends(require(*ANY_ROLE))]
Db = Annotated[Session, Depends(db_session)]
Password = Annotated[str, Form(max_length=1024)]


@router.get("/password")
def password_form(request: Request, principal: Anyone, session: Db) -> Response:
    user = session.get(User, principal.user_pk)
    return render(request, "account_password.html", principal, error="", notice="",
                  sso=user is not None and user.auth_source != "local")


@router.post("/password")
def change_own_password(request: Request, principal: Anyone, session: Db, current: Password,
                        password: Password, confirm: Password) -> Response:
    user = session.get(User, principal.user_pk)
    assert user is not None
    try:
        if not verify_password(user.password_hash, current):
            raise AccountError("the current password is not right")
        if password != confirm:
            raise AccountError("the two new passwords differ")
        ended = change_password(session, user, password, now=utcnow(),
                                keep_session=principal.session_pk)
    except AccountError as error:
        session.rollback()
        return render(request, "account_password.html", principal, status_code=422,
                      error=str(error), notice="", sso=user.auth_source != "local")
    audit.record(session, actor=principal.username, action="password-changed",
                 object_type="user", object_id=user.id, remote_addr=principal.remote_addr,
                 detail={"sessions_ended": ended})
    session.commit()
    return render(request, "account_password.html", principal, error="", sso=False,
                  notice="Password changed. Your other sessions have ended.")
