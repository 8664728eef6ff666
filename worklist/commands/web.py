"""``worklist web``: the web UI and REST API alone."""

from __future__ import annotations

import uvicorn

from worklist.commands.common import configure_logging, settings_or_exit
from worklist.db.engine import make_engine, make_session_factory
from worklist.web.app import create_app


def web() -> None:
    """Serve the worklist pages and the REST API on WORKLIST_HTTP_PORT."""
    settings = settings_or_exit()
    configure_logging(settings)
    app = create_app(settings, make_session_factory(make_engine(settings.effective_database_url)))
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")
