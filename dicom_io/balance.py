"""One listening socket for several listener processes; the least busy one accepts.

pynetdicom serves every association on threads of one interpreter, so a process uses about one
core. Letting the kernel hash connections across processes (SO_REUSEPORT) split a push of eight
associations 61/39 to 77/23 in our runs, leaving part of a core idle while the other process was
saturated. Here the socket is bound once, before the processes fork; each counts its open
associations in shared memory, and a process only accepts when no sibling has fewer open. A
sibling that does not take a waiting connection within ``DEFER_LIMIT`` (stuck, or busy in a long
handler) loses its turn, so a connection never waits on it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import MutableSequence
from dataclasses import dataclass
from typing import Any

DEFER_STEP = 0.002
"""Seconds a busier process waits before looking again at a connection a sibling should take."""
DEFER_LIMIT = 0.05
"""Seconds after which a busier process accepts anyway."""


def listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """Bound and listening, non-blocking: a process that loses the race for a connection gets
    ``BlockingIOError`` from ``accept`` instead of hanging until the next one arrives."""
    sock = socket.create_server((host, port), backlog=backlog)
    sock.setblocking(False)
    return sock


@dataclass(frozen=True)
class SharedSocket:
    sock: socket.socket
    loads: MutableSequence[int]
    """Open associations per process (``multiprocessing.RawArray``); each process writes only
    its own slot."""
    index: int


class Turns:
    """This process's slot in ``SharedSocket.loads``: whether it is its turn to accept."""

    def __init__(self, shared: SharedSocket) -> None:
        self.shared = shared
        self._lock = threading.Lock()
        self._deferred_since: float | None = None

    def should_defer(self, now: float) -> bool:
        loads = self.shared.loads
        if loads[self.shared.index] <= min(loads):
            return False
        if self._deferred_since is None or now - self._deferred_since > 4 * DEFER_LIMIT:
            self._deferred_since = now  # a new wait (the last one ended with a sibling's accept)
        return now - self._deferred_since < DEFER_LIMIT

    def accepted(self) -> None:
        self._deferred_since = None
        self._add(1)

    def closed(self) -> None:
        """Once per accepted connection, when its association ends (or it is refused)."""
        self._add(-1)

    def _add(self, change: int) -> None:
        with self._lock:
            slot = self.shared.index
            self.shared.loads[slot] = max(0, self.shared.loads[slot] + change)


class LeastBusyAccept:
    """A ``socketserver`` mix-in: serve on the shared socket and accept only in turn. Whoever
    runs the associations calls ``turns.closed()`` as each ends."""

    socket: socket.socket
    server_address: Any

    def __init__(self, *args: Any, turns: Turns, **kwargs: Any) -> None:
        self.turns = turns
        super().__init__(*args, **kwargs)

    def server_bind(self) -> None:
        self.socket.close()  # the one socketserver made: the shared socket replaces it
        self.socket = self.turns.shared.sock
        self.server_address = self.socket.getsockname()

    def server_activate(self) -> None:
        """Already listening."""

    def get_request(self) -> tuple[socket.socket, Any]:
        if self.turns.should_defer(time.monotonic()):
            time.sleep(DEFER_STEP)
            raise BlockingIOError("a less busy listener process takes this connection")
        request = super().get_request()  # type: ignore[misc]
        self.turns.accepted()
        return request  # type: ignore[no-any-return]

    def shutdown_request(self, request: Any) -> None:
        # socketserver calls this only where no association ran: refused, or failed to start.
        self.turns.closed()
        super().shutdown_request(request)  # type: ignore[misc]
