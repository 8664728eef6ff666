"""Log in with the hospital's OpenID Connect provider (when ``WORKLIST_OIDC_ISSUER`` is set):
the authorisation code flow with PKCE, by Authlib, which checks the state, the nonce and the ID
token's signature, issuer, audience and expiry. Then the same server-side session as a password
login. The state waits in the pre-login cookie, which only ``/login`` paths receive."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

import authlib.deprecate  # noqa: F401  (installs an "always" filter: ours must come after)
from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

with warnings.catch_warnings():
    # Authlib announces at import that httpx has a successor package: nothing to act on here.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth

from worklist.accounts.service import AccountError
from worklist.accounts.sso import ClaimRules, sso_account
from worklist.settings import Settings
from worklist.web.auth import db_session, remote_addr, tokens_match
from worklist.web.cookies import login_state
from worklist.web.params import FormText
from worklist.web.signin import complete_login, safe_next
from worklist.web.templating import render

router = APIRouter(prefix="/login/oidc")
CLIENT = "hospital"
NEXT_KEY = "oidc_next"


def install(app: FastAPI, settings: Settings) -> None:
    """With single sign-on on, the pages' Content-Security-Policy lets a form lead to the
    provider (browsers apply ``form-action`` to the redirect after a form is sent too)."""
    if not settings.oidc_issuer:
        return
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.oidc_issuer))

    @app.middleware("http")
    async def allow_provider(request: Request,
                             call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        policy = response.headers.get("content-security-policy")
        if policy and "form-action 'self'" in policy:
            response.headers["content-security-policy"] = policy.replace(
                "form-action 'self'", f"form-action 'self' {origin}")
        return response


def _client(request: Request) -> Any:
    """The app's Authlib client, made on first use (the provider's metadata is fetched then)."""
    settings: Settings = request.app.state.settings
    if not settings.oidc_issuer:
        raise HTTPException(404, "single sign-on is not configured")
    oauth = getattr(request.app.state, "oidc", None)
    if oauth is None:
        oauth = OAuth()
        oauth.register(
            CLIENT, client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
        )
        request.app.state.oidc = oauth
    return oauth.create_client(CLIENT)


def _refused(request: Request, message: str, status_code: int) -> Response:
    settings = request.app.state.settings
    return render(request, "login.html", None, status_code=status_code, next="/", error=message,
                  sso_label=settings.oidc_label)


def _callback_url(request: Request) -> str:
    public = request.app.state.settings.public_url.rstrip("/")
    return f"{public}/login/oidc/callback" if public else str(request.url_for("oidc_callback"))


@router.post("")
async def start(request: Request, csrf_token: Annotated[str, Form(max_length=128)] = "",
                next: Annotated[FormText, Form(max_length=2048)] = "/") -> Response:
    """From the login page's button (with its CSRF token: no other site can start a login)."""
    client = _client(request)
    if not tokens_match(csrf_token, str(login_state(request).get("csrf", ""))):
        return _refused(request, "The form expired. Please try again.", 403)
    login_state(request)[NEXT_KEY] = safe_next(next)
    try:
        return await client.authorize_redirect(request, _callback_url(request))  # type: ignore[no-any-return]
    except (OAuthError, OSError, ValueError):
        return _refused(request, "The hospital sign-in cannot be reached. Try again, or log in "
                                 "with a password.", 502)


@router.get("/callback", name="oidc_callback")
async def callback(request: Request, session: Annotated[Session, Depends(db_session)]
                   ) -> Response:
    client = _client(request)
    try:
        token = await client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if client.server_metadata.get("userinfo_endpoint"):
            extra = await client.userinfo(token=token)
            if extra.get("sub") != claims.get("sub"):
                raise OAuthError("userinfo_mismatch", "userinfo is about someone else")
            claims = dict(extra) | claims  # the ID token's own claims win
    except (OAuthError, OSError, ValueError, KeyError):
        return _refused(request, "The hospital sign-in did not complete. Please try again.", 400)
    settings: Settings = request.app.state.settings
    rules = ClaimRules(settings.oidc_username_claim, settings.oidc_role_claim,
                       settings.oidc_role_map)
    next_path = str(login_state(request).pop(NEXT_KEY, "/"))

    def finish() -> Response:
        try:
            user = sso_account(session, claims, rules, remote_addr(request))
        except AccountError as error:
            session.commit()  # the refusal's audit entry
            return _refused(request, str(error)[:1].upper() + str(error)[1:] + ".", 403)
        return complete_login(request, session, user, "oidc", next_path)

    return await run_in_threadpool(finish)
