"""``worklist serve``: the whole product in one process, on embedded defaults."""

from __future__ import annotations

import logging
import threading

import typer

from tasks.wiring import start_pipeline
from worklist.commands import preflight
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.commands.hl7 import start_hl7_listener
from worklist.commands.listener import bind_note, start_listener
from worklist.commands.web import run_web
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.files import private_dir
from worklist.settings import Settings
from worklist.web.app import create_app

log = logging.getLogger("worklist.serve")


def _push_demo_when_listening(settings: Settings, server: object) -> None:
    from worklist.commands.demo import demo

    def push() -> None:
        try:
            demo(host="127.0.0.1", port=settings.dicom_port, called_ae=settings.ae_title)
        except (SystemExit, typer.Exit, Exception) as error:  # the demo never stops the product
            log.warning("demo data could not be pushed: %s", type(error).__name__)

    threading.Thread(target=push, name="demo", daemon=True).start()


def serve(
    with_demo: bool = typer.Option(False, "--demo", help="Push the demo studies over DICOM at start."),
) -> None:
    """Upgrade the database, then run the listener, the pipeline and the web in one process."""
    settings = settings_or_exit()
    configure_logging(settings)
    # Every port before anything starts: a busy one is one line naming its variable.
    preflight.ensure_free(settings.dicom_host, settings.dicom_port, "WORKLIST_DICOM_PORT")
    preflight.ensure_free(settings.hl7_host, settings.hl7_port, "WORKLIST_HL7_PORT")
    preflight.ensure_free(settings.http_host, settings.http_port, "WORKLIST_HTTP_PORT")
    if not settings.allowed_aes:
        log.warning("WORKLIST_ALLOWED_AES is empty: any calling AE title may store objects")
    preflight.warn_about_notifications(settings)
    private_dir(settings.data_dir)
    migrate.upgrade_for(settings)
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    pipeline = start_pipeline(settings, sessions)
    try:
        server = start_listener(settings, sessions, pipeline.on_stored)
    except OSError as error:  # taken since the check above
        pipeline.stop()
        raise preflight.fail_on_port(settings.dicom_host, settings.dicom_port,
                                     "WORKLIST_DICOM_PORT", error) from None
    log.info("DICOM listener %s on %s:%d%s", settings.ae_title, settings.dicom_host,
             settings.dicom_port, bind_note(settings.dicom_host))
    try:
        hl7_listener = start_hl7_listener(settings, sessions, pipeline.on_stored)
    except OSError as error:  # taken since the check above
        server.shutdown()
        pipeline.stop()
        raise preflight.fail_on_port(settings.hl7_host, settings.hl7_port,
                                     "WORKLIST_HL7_PORT", error) from None
    if with_demo:
        _push_demo_when_listening(settings, server)
    app = create_app(settings, sessions)
    try:
        run_web(app, settings)
    finally:
        hl7_listener.shutdown()
        server.shutdown()
        pipeline.stop()
