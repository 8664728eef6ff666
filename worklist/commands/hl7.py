"""``worklist hl7``: the HL7 v2 MLLP listener alone (``worklist serve`` runs it too)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from dicom_io.spool import Spool
from dicom_io.tls import server_context
from hl7_io.header import Policy
from hl7_io.listener import Hl7Listener, ListenerConfig
from tasks.wiring import start_pipeline
from worklist.commands import preflight
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.commands.listener import stop_on_signals
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.files import private_dir
from worklist.hl7.sink import SqlMessageSink
from worklist.inbox.handoff import OnStored, wait_as_pending
from worklist.settings import Settings

log = logging.getLogger("worklist.hl7")


def hl7_config(settings: Settings) -> ListenerConfig:
    tls = None
    if settings.hl7_tls_cert is not None and settings.hl7_tls_key is not None:
        tls = server_context(settings.hl7_tls_cert, settings.hl7_tls_key, settings.hl7_tls_ca)
    return ListenerConfig(
        host=settings.hl7_host,
        port=settings.hl7_port,
        application=settings.hl7_application,
        policy=Policy(allowed_senders=frozenset(settings.hl7_allowed_senders),
                      processing_ids=frozenset(settings.hl7_processing_ids)),
        max_message_bytes=settings.hl7_max_message_bytes,
        idle_timeout=settings.hl7_idle_timeout_seconds,
        max_connections_per_peer=settings.hl7_max_connections_per_peer,
        tls=tls,
    )


def start_hl7_listener(settings: Settings, sessions: sessionmaker[Session],
                       on_stored: OnStored = wait_as_pending) -> Hl7Listener:
    """Start the MLLP listener on its own threads; ``shutdown()`` on the result stops it."""
    sink = SqlMessageSink(sessions, Spool(settings.spool_dir), on_stored=on_stored)
    return Hl7Listener(hl7_config(settings), sink).start()


def hl7() -> None:
    """Run the HL7 v2 listener (MLLP: ORU^R01 results, ADT^A08 and ADT^A40) on WORKLIST_HL7_PORT.

    A message is acknowledged AA only once it is stored (file fsynced, row committed). With a
    broker, stored messages become Celery tasks; without one, this process runs the pipeline."""
    settings = settings_or_exit()
    configure_logging(settings)
    preflight.ensure_free(settings.hl7_host, settings.hl7_port, "WORKLIST_HL7_PORT")
    if not settings.uses_broker:  # this process then sends the reminders too
        preflight.warn_about_notifications(settings)
    private_dir(settings.data_dir)
    migrate.upgrade_for(settings)
    stop = stop_on_signals()
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    pipeline = start_pipeline(settings, sessions)
    listener = start_hl7_listener(settings, sessions, pipeline.on_stored)
    # Scripts and benchmarks wait for this line.
    print(f"HL7 listening on {settings.hl7_host}:{listener.port}", flush=True)
    try:
        stop.wait()
    finally:
        listener.shutdown()
        pipeline.stop()
