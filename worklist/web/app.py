"""The FastAPI application: health, the REST API (v1) and the worklist pages, assembled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from worklist import health
from worklist.cases.service import reevaluate_patient
from worklist.items.service import CaseChangedHook
from worklist.settings import Settings
from worklist.web import auth, cookies
from worklist.web.api import conflicts as api_conflicts
from worklist.web.api import findings as api_findings
from worklist.web.api import inbox as api_inbox
from worklist.web.api import items as api_items
from worklist.web.api import patients as api_patients
from worklist.web import metrics as metrics_route
from worklist.web.logs import protect_logs
from worklist.web.pages import account as account_page
from worklist.web.pages import audit as audit_page
from worklist.web.pages import coordination as coordination_page
from worklist.web.pages import evidence as evidence_page
from worklist.web.pages import failed as failed_page
from worklist.web.pages import item as item_page
from worklist.web.pages import login as login_page
from worklist.web.pages import outcomes as outcomes_page
from worklist.web.pages import patient as patient_page
from worklist.web.pages import sso as sso_page
from worklist.web.pages import users as users_page
from worklist.web.pages import worklist as worklist_page
from worklist.web.templating import STATIC_DIR, render

API_PREFIX = "/api/"
OPENAPI_PATH = "/openapi.json"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def rules_hook(settings: Settings) -> CaseChangedHook:
    """The default case-changed hook: the clinical rules re-evaluate the patient's case, with the
    site's own intervals, inside the request's transaction."""

    def rerun_rules(session: Session, patient_pk: int, actor: str) -> None:
        reevaluate_patient(session, patient_pk, actor, site_config_path=settings.site_config)

    return rerun_rules


def create_app(
    settings: Settings,
    sessions: sessionmaker[Session],
    on_case_changed: CaseChangedHook | None = None,
) -> FastAPI:
    # The schema is served behind authentication (below); the interactive docs would load
    # their scripts from a CDN, so they are not served at all.
    app = FastAPI(title="Breast imaging concordance worklist", version="1", openapi_url=None,
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.on_case_changed = on_case_changed or rules_hook(settings)
    protect_logs()

    @app.get("/health", tags=["operations"])
    def get_health() -> JSONResponse:
        """State of database, broker and listener, and the number of objects not yet processed.
        The only route that needs no authentication: it holds no patient data."""
        state = health.check(settings, sessions)
        body = asdict(state) | {"status": "ok" if state.ok else "degraded"}
        return JSONResponse(body, status_code=200 if state.database == "ok" else 503)

    for router in (api_items.router, api_findings.router, api_patients.router,
                   api_conflicts.router, api_inbox.router):
        app.include_router(router)
    app.include_router(metrics_route.router)  # its own bearer token (WORKLIST_METRICS_TOKEN)
    for router in (login_page.router, worklist_page.router, item_page.router,
                   patient_page.router, failed_page.router, audit_page.router,
                   users_page.router, account_page.router, sso_page.router,
                   coordination_page.router, evidence_page.router, outcomes_page.router):
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def openapi_schema(
        _: Annotated[auth.Principal, Depends(auth.require(*auth.ANY_ROLE))],
    ) -> JSONResponse:
        return JSONResponse(_schema(app))

    _install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # Added last so it wraps everything: the login state is there for every handler.
    cookies.install(app, settings)
    sso_page.install(app, settings)
    return app


def _schema(app: FastAPI) -> dict[str, Any]:
    """The framework's schema, saying how to authenticate: a bearer token (``worklist token
    create``) or the session cookie of a logged-in browser."""
    if app.openapi_schema is None:
        schema = app.openapi()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": auth.SESSION_COOKIE},
        }
        schema["security"] = [{"bearer": []}, {"session": []}]
        app.openapi_schema = schema
    return app.openapi_schema


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == OPENAPI_PATH


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(auth.NotAuthenticated)
    async def not_authenticated(request: Request, _: auth.NotAuthenticated) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "authentication required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        redirect = RedirectResponse(login_page.login_url(request), status_code=303)
        if auth.SESSION_COOKIE in request.cookies:  # ended or forged: the browser forgets it
            cookies.clear_session_cookie(request, redirect)
        return redirect

    @app.exception_handler(auth.Forbidden)
    async def forbidden(request: Request, error: auth.Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(error)}, status_code=403)
        return render(request, "error.html", None, status_code=403, title="Not allowed",
                      message=str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # Name the field and the rule only: echoing the value could echo patient data.
        problems = [
            {"loc": list(problem.get("loc", ())), "msg": problem.get("msg", ""),
             "type": problem.get("type", "")}
            for problem in error.errors()
        ]
        if _is_api(request):
            return JSONResponse({"detail": problems}, status_code=422)
        message = "; ".join(f"{'.'.join(map(str, p['loc'][1:]))}: {p['msg']}" for p in problems)
        return render(request, "error.html", None, status_code=422, title="Invalid request",
                      message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_api(request) or error.status_code < 400:
            return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                                headers=getattr(error, "headers", None))
        return render(request, "error.html", None, status_code=error.status_code,
                      title="Something is not right", message=str(error.detail))
