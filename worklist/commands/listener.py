"""``worklist listener``: the DICOM listener alone, in one process or several sharing the port."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

import typer
from pynetdicom.transport import ThreadedAssociationServer
from sqlalchemy.orm import Session, sessionmaker

from dicom_io import listener as dicom_listener
from dicom_io.balance import SharedSocket
from dicom_io.ports import Limits
from dicom_io.spool import Spool
from dicom_io.tls import server_context
from tasks.wiring import start_pipeline
from worklist.commands import preflight
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.files import private_dir
from worklist.inbox.group_commit import GroupCommitSink
from worklist.inbox.handoff import OnStored, wait_as_pending
from worklist.inbox.sink import SqlInboxSink
from worklist.metrics.dicom import count_store_answers
from worklist.settings import Settings

log = logging.getLogger("worklist.listener")


def listener_config(settings: Settings,
                    shared: SharedSocket | None = None) -> dicom_listener.ListenerConfig:
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
        shared=shared,
    )


@dataclass
class RunningListener:
    """The association server and its committer; ``shutdown()`` stops both."""

    server: ThreadedAssociationServer
    sink: GroupCommitSink

    def shutdown(self) -> None:
        self.server.shutdown()
        self.sink.close()


def start_listener(
    settings: Settings, sessions: sessionmaker[Session], on_stored: OnStored = wait_as_pending,
    shared: SharedSocket | None = None,
) -> RunningListener:
    """Start the listener in background threads (``worklist serve`` runs it beside the web);
    ``shutdown()`` on the result stops it. ``on_stored`` runs after each commit. Objects arriving
    together on several associations are committed together (``GroupCommitSink``)."""
    spool = Spool(settings.spool_dir)
    sink = GroupCommitSink(SqlInboxSink(sessions, spool, on_stored=on_stored))
    server = dicom_listener.start(listener_config(settings, shared), sink, spool)
    count_store_answers(server)
    return RunningListener(server, sink)


def receive_into_spool(settings: Settings) -> None:
    """Received datasets are written into the spool's folder for this process as they arrive
    (``dicom_io.receipt``); ``dicom_io.listener.start`` first removes what a killed process left."""
    Spool(settings.spool_dir).ensure()


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def serve_listener(settings: Settings, *, shared: SharedSocket | None = None,
                   on_stored: OnStored | None = None,
                   ready: Callable[[], object] | None = None) -> None:
    """Run one listener process until SIGTERM or SIGINT: its own engine, committer and, unless
    ``on_stored`` is given, its own pipeline hand-off. ``ready`` runs once it accepts."""
    stop = stop_on_signals()
    receive_into_spool(settings)
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    pipeline = None
    if on_stored is None:
        pipeline = start_pipeline(settings, sessions)
        on_stored = pipeline.on_stored
    try:
        running = start_listener(settings, sessions, on_stored, shared=shared)
    except OSError as error:
        if pipeline is not None:
            pipeline.stop()
        raise preflight.fail_on_port(settings.dicom_host, settings.dicom_port,
                                     "WORKLIST_DICOM_PORT", error) from None
    try:
        if ready is not None:
            ready()
        stop.wait()
    finally:
        running.shutdown()
        if pipeline is not None:
            pipeline.stop()


def announce(settings: Settings, processes: int = 1) -> None:
    # Scripts and benchmarks wait for this line.
    print(f"listening on {settings.dicom_host}:{settings.dicom_port} as {settings.ae_title}"
          + (f" ({processes} processes)" if processes > 1 else ""), flush=True)


def listener(
    processes: int = typer.Option(
        1, "--processes", min=1, max=64,
        help="Listener processes sharing the DICOM port (the least busy accepts); one per core.",
    ),
) -> None:
    """Run the DICOM listener (C-ECHO, C-STORE) on WORKLIST_DICOM_PORT.

    With a broker, stored objects become Celery tasks; without one, this process also runs the
    pipeline in-process (with --processes, the supervising process runs it for all of them)."""
    settings = settings_or_exit()
    configure_logging(settings)
    preflight.ensure_free(settings.dicom_host, settings.dicom_port, "WORKLIST_DICOM_PORT")
    if not settings.uses_broker:  # this process then sends the reminders too
        preflight.warn_about_notifications(settings)
    private_dir(settings.data_dir)
    migrate.upgrade_for(settings)
    if processes == 1:
        preflight.start_metrics(settings)
        serve_listener(settings, ready=lambda: announce(settings))
        return
    from worklist.commands.listener_pool import run_pool

    preflight.start_metrics(settings, forked_children=True)

    code = run_pool(settings, processes)
    if code:
        raise typer.Exit(code=code)
