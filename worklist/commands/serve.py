"""``worklist serve``: the whole product in one process, on embedded defaults."""

from __future__ import annotations

import logging

import uvicorn

from worklist.commands.common import configure_logging, settings_or_exit
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.web.app import create_app

log = logging.getLogger("worklist.serve")


def serve() -> None:
    """Upgrade the database, then run the listener, the pipeline and the web in one process."""
    settings = settings_or_exit()
    configure_logging(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.effective_database_url)
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    app = create_app(settings, sessions)
    log.info("web on http://%s:%d", settings.http_host, settings.http_port)
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")
