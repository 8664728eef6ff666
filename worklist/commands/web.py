"""``worklist web``: the web UI and REST API alone."""

from __future__ import annotations

import logging

import uvicorn

from worklist.commands import preflight
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.db.engine import make_engine, make_session_factory
from worklist.settings import Settings
from worklist.web.app import create_app

log = logging.getLogger("worklist.web")


def run_web(app: object, settings: Settings) -> None:
    """Serve ``app`` on WORKLIST_HTTP_HOST:WORKLIST_HTTP_PORT; a port that cannot be had ends the
    command with one line naming it. uvicorn logs through the product's own handlers, so JSON
    logs stay JSON (its access log is off: at INFO it would print every URL)."""
    sock = preflight.bind(settings.http_host, settings.http_port, "WORKLIST_HTTP_PORT")
    config = uvicorn.Config(app, log_config=None, log_level="warning",  # type: ignore[arg-type]
                            access_log=False)
    log.info("web on http://%s:%d", settings.http_host, settings.http_port)
    uvicorn.Server(config).run(sockets=[sock])


def web() -> None:
    """Serve the worklist pages and the REST API on WORKLIST_HTTP_PORT."""
    settings = settings_or_exit()
    configure_logging(settings)
    app = create_app(settings, make_session_factory(make_engine(settings.effective_database_url)))
    run_web(app, settings)
