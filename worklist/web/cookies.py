"""The two cookies the site sets, and HSTS.

- ``worklist_session``: after login, a random session key, signed (a forged or altered key is
  refused before any lookup). Everything else about the session is on the server
  (``worklist.accounts.sessions``). Set once at login, never re-issued, cleared at logout.
- ``worklist_login``: before login, on ``/login`` paths only: the login form's CSRF token and
  the single sign-on state. It carries no credential and expires within the hour.

Both are ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` when the public URL is https, where
every response also carries ``Strict-Transport-Security``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from itsdangerous import BadSignature, Signer
from starlette.middleware.sessions import SessionMiddleware

from worklist.settings import Settings
from worklist.web.secret import session_secret

SESSION_COOKIE = "worklist_session"
LOGIN_COOKIE = "worklist_login"
LOGIN_PATH = "/login"
LOGIN_STATE_SECONDS = 3600
HSTS = "max-age=31536000"
"""A year. No includeSubDomains: other hosts of a hospital's domain are not ours to bind."""


def install(app: FastAPI, settings: Settings) -> None:
    """Cookie signing, the pre-login state cookie and HSTS, for ``create_app``."""
    secret = session_secret(settings)
    app.state.cookie_signer = Signer(secret, salt="worklist.session")
    app.state.secure_cookies = settings.https
    app.add_middleware(
        SessionMiddleware, secret_key=secret, session_cookie=LOGIN_COOKIE, path=LOGIN_PATH,
        max_age=LOGIN_STATE_SECONDS, same_site="lax", https_only=settings.https,
    )
    if settings.https:
        @app.middleware("http")
        async def strict_transport(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            response = await call_next(request)
            response.headers.setdefault("Strict-Transport-Security", HSTS)
            return response


def session_key(request: Request) -> str | None:
    """The session key the browser sent, if its signature holds."""
    sent = request.cookies.get(SESSION_COOKIE)
    if not sent:
        return None
    try:
        return request.app.state.cookie_signer.unsign(sent).decode("ascii")  # type: ignore[no-any-return]
    except (BadSignature, UnicodeError):
        return None


def set_session_cookie(request: Request, response: Response, key: str) -> None:
    # No Max-Age: the browser forgets it when closed; the server enforces the lifetime anyway.
    response.set_cookie(SESSION_COOKIE, request.app.state.cookie_signer.sign(key).decode("ascii"),
                        path="/", httponly=True, samesite="lax",
                        secure=request.app.state.secure_cookies)


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.app.state.secure_cookies)


def login_state(request: Request) -> dict[str, object]:
    """The pre-login state (only sent back to ``/login`` paths)."""
    return request.session  # type: ignore[no-any-return]
