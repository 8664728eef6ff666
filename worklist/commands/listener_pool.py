"""``worklist listener --processes N``: N listener processes sharing one port, one supervisor.

pynetdicom runs every association on threads of one interpreter, so one process uses about one
core. The supervisor binds the port once and the children inherit the socket; the least busy child
accepts each new association (``dicom_io.balance``). Each has its own engine and group
committer. With a broker each child publishes its own
rows; without one, the children pass row ids to the supervisor, which runs the one in-process
pipeline (so periodic jobs run once). If a child dies the supervisor stops them all and exits
non-zero: the service manager restarts the whole listener.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.context import ForkProcess
from multiprocessing.queues import SimpleQueue
from multiprocessing.synchronize import Event as ProcessEvent

from sqlalchemy.orm import Session, sessionmaker

from dicom_io.balance import SharedSocket, listening_socket
from tasks.wiring import Pipeline, start_pipeline
from worklist.commands.preflight import port_problem
from worklist.commands.listener import announce, serve_listener, stop_on_signals
from worklist.db.engine import make_engine, make_session_factory
from worklist.settings import Settings

log = logging.getLogger("worklist.listener")

START_SECONDS = 120.0
STOP_SECONDS = 30.0


def run_pool(settings: Settings, processes: int) -> int:
    """Run ``processes`` listeners until SIGTERM or SIGINT; the exit code."""
    # fork: the children start at once with everything imported, and inherit the socket. Nothing
    # has started a thread or opened a connection yet (the migrations dispose of theirs).
    context = multiprocessing.get_context("fork")
    try:
        sock = listening_socket(settings.dicom_host, settings.dicom_port)
    except OSError as error:
        log.error("%s", port_problem(settings.dicom_host, settings.dicom_port,
                                     "WORKLIST_DICOM_PORT", error))
        return 2
    loads = context.RawArray("i", processes)
    handoff: SimpleQueue[int | None] | None = (
        None if settings.uses_broker else context.SimpleQueue())
    ready = [context.Event() for _ in range(processes)]
    children = [
        context.Process(target=_child, args=(settings, SharedSocket(sock, loads, i), ready[i],
                                              handoff), name=f"listener-{i}")
        for i in range(processes)
    ]
    for child in children:
        child.start()
    sock.close()  # the children hold it: no connection waits in a supervisor that never accepts
    stop = stop_on_signals()
    pipeline = _forward(settings, handoff) if handoff is not None else None
    code = 0
    try:
        if not _wait_ready(children, ready, stop):
            code = 1
        else:
            announce(settings, processes)
            while not stop.wait(0.5):
                if any(not child.is_alive() for child in children):
                    log.error("a listener process exited; stopping the others")
                    code = 1
                    break
    finally:
        _stop_all(children)
        if pipeline is not None and handoff is not None:
            handoff.put(None)
            pipeline.stop()
    return code


def _child(settings: Settings, shared: SharedSocket, ready: ProcessEvent,
           handoff: SimpleQueue[int | None] | None) -> None:
    parent = os.getppid()
    on_stored = handoff.put if handoff is not None else None

    def orphaned() -> None:
        # Without its supervisor a child would hold the port forever.
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=orphaned, name="supervisor-watch", daemon=True).start()
    serve_listener(settings, shared=shared, on_stored=on_stored, ready=ready.set)


def _forward(settings: Settings, handoff: SimpleQueue[int | None]) -> Pipeline:
    """The supervisor's in-process pipeline, fed with the ids the children committed."""
    sessions: sessionmaker[Session] = make_session_factory(
        make_engine(settings.effective_database_url))
    pipeline = start_pipeline(settings, sessions)

    def loop() -> None:
        while (inbox_id := handoff.get()) is not None:
            pipeline.on_stored(inbox_id)

    threading.Thread(target=loop, name="handoff", daemon=True).start()
    return pipeline


def _wait_ready(children: list[ForkProcess], ready: list[ProcessEvent],
                stop: threading.Event) -> bool:
    deadline = time.monotonic() + START_SECONDS
    while not all(event.is_set() for event in ready):
        if stop.is_set() or time.monotonic() > deadline:
            return False
        if any(not child.is_alive() for child in children):
            log.error("a listener process failed to start")
            return False
        time.sleep(0.05)
    return True


def _stop_all(children: list[ForkProcess]) -> None:
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: each commits what it holds and closes
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.kill()
            child.join()
