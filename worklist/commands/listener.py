"""``worklist listener``: the DICOM listener alone."""

from __future__ import annotations

import logging
import signal
import threading

from sqlalchemy.orm import Session, sessionmaker

from dicom_io import listener as dicom_listener
from dicom_io.ports import Limits
from dicom_io.spool import Spool
from dicom_io.tls import server_context
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.inbox.handoff import OnStored, wait_as_pending
from worklist.inbox.sink import SqlInboxSink
from worklist.settings import Settings
from tasks.wiring import start_pipeline

log = logging.getLogger("worklist.listener")


def listener_config(settings: Settings) -> dicom_listener.ListenerConfig:
    tls = None
    if settings.dicom_tls_cert is not None and settings.dicom_tls_key is not None:
        tls = server_context(settings.dicom_tls_cert, settings.dicom_tls_key, settings.dicom_tls_ca)
    return dicom_listener.ListenerConfig(
        ae_title=settings.ae_title,
        host=settings.dicom_host,
        port=settings.dicom_port,
        limits=Limits(max_object_bytes=settings.max_object_bytes),
        allowed_aes=tuple(settings.allowed_aes),
        max_pdu=settings.max_pdu,
        tls=tls,
    )


def start_listener(
    settings: Settings, sessions: sessionmaker[Session], on_stored: OnStored = wait_as_pending
) -> object:
    """Start the listener in background threads (``worklist serve`` runs it beside the web);
    returns the server, whose ``shutdown()`` stops it. ``on_stored`` runs after each commit."""
    spool = Spool(settings.spool_dir)
    sink = SqlInboxSink(sessions, spool, on_stored=on_stored)
    return dicom_listener.start(listener_config(settings), sink, spool)


def listener() -> None:
    """Run the DICOM listener (C-ECHO, C-STORE) on WORKLIST_DICOM_PORT.

    With a broker, stored objects become Celery tasks; without one, this process also runs the
    pipeline in-process."""
    settings = settings_or_exit()
    configure_logging(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.effective_database_url)
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    pipeline = start_pipeline(settings, sessions)
    server = start_listener(settings, sessions, pipeline.on_stored)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"listening on {settings.dicom_host}:{settings.dicom_port} as {settings.ae_title}",
          flush=True)
    stop.wait()
    server.shutdown()  # type: ignore[attr-defined]
    pipeline.stop()
