"""The DICOM listener's own word that it is serving, for ``GET /health`` in whichever process asks.

``/health`` used to open a TCP connection to the DICOM port and close it: each call held one of the
listener's association slots until a timeout, so polling it filled every slot. Now each listener
process writes a small JSON file in ``<data dir>/run/`` every couple of seconds while its accept
loop runs (the compose layout shares the data directory between the listener and the web), and
``/health`` reads the freshest. Nothing touches the DICOM port.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 2.0
FRESH_SECONDS = 10.0
"""A heartbeat older than this means the listener is gone (or its accept loop stopped)."""


@dataclass(frozen=True)
class ListenerState:
    address: str
    port: int
    associations: int
    """Associations open (each held by a peer that sent a complete A-ASSOCIATE-RQ)."""
    waiting: int
    """Connections still at the gate, waiting for their A-ASSOCIATE-RQ."""
    max_associations: int
    written_at: float


def state_dir(data_dir: Path) -> Path:
    return data_dir / "run"


def _path(data_dir: Path, pid: int) -> Path:
    return state_dir(data_dir) / f"dicom-listener-{pid}.json"


def read_state(data_dir: Path, now: float | None = None) -> ListenerState | None:
    """The freshest heartbeat of any listener process, or None if none is fresh."""
    now = time.time() if now is None else now
    freshest: ListenerState | None = None
    for path in state_dir(data_dir).glob("dicom-listener-*.json"):
        try:
            state = ListenerState(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            continue
        if now - state.written_at <= FRESH_SECONDS and (
                freshest is None or state.written_at > freshest.written_at):
            freshest = state
    return freshest


class Heartbeat:
    """Writes this process's ``ListenerState`` every ``INTERVAL_SECONDS`` while ``alive()``."""

    def __init__(self, data_dir: Path, describe: Callable[[], ListenerState | None]) -> None:
        self._path = _path(data_dir, os.getpid())
        self._describe = describe
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="listener-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._write()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=INTERVAL_SECONDS * 2)
        self._path.unlink(missing_ok=True)

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL_SECONDS):
            self._write()

    def _write(self) -> None:
        state = self._describe()
        if state is None:  # the accept loop stopped: let the last heartbeat go stale
            return
        temporary = self._path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(asdict(state)))
            temporary.replace(self._path)
        except OSError as error:
            log.warning("cannot write the listener heartbeat: %s", type(error).__name__)
