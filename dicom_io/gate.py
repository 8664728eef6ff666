"""What a connection must do before it may become an association, and how many one peer may hold.

pynetdicom turns every accepted TCP connection into an association thread at once, and counts it
against ``maximum_associations`` while it waits (up to its ACSE timeout) for an A-ASSOCIATE-RQ that
may never come: a health check that connects and closes, idle sockets or a port scan filled every
slot, and real senders were rejected with "local limit exceeded". It also reads a PDU of whatever
length the header announces.

This gate runs on the connection's own thread, before pynetdicom sees the connection:

- **ARTIM** (PS3.8 9.1.5): the TLS handshake (if any) and a complete A-ASSOCIATE-RQ PDU must
  arrive within ``artim_seconds`` of the connection; otherwise the connection is closed (PS3.8
  state Sta2, event Evt18: close the transport, send nothing).
- **A bounded request**: the first PDU must be an A-ASSOCIATE-RQ of at most ``max_request_bytes``
  (real ones are a few KiB); anything else gets an A-ABORT and is closed without reading further.
- **Per-peer limit**: one address may hold at most ``max_per_peer`` connections (waiting or
  associated), so one host cannot take every association; more are closed at once.
- **Waiting limit**: at most ``max_waiting`` connections may be waiting for their request at once.

Only a connection that passed becomes an association; its request PDU is handed on unread
(``AdmittedConnection.first_pdu``).
"""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass

log = logging.getLogger(__name__)

A_ASSOCIATE_RQ = 0x01
A_ABORT = 0x07
_HEADER = struct.Struct(">BBL")
# A-ABORT PDU (PS3.8 9.3.8): source 2 (service provider), with the given reason.
_ABORT_SOURCE_PROVIDER = 0x02
ABORT_UNEXPECTED_PDU = 0x02
ABORT_INVALID_PARAMETER = 0x06


def abort_pdu(reason: int) -> bytes:
    return _HEADER.pack(A_ABORT, 0, 4) + bytes((0, 0, _ABORT_SOURCE_PROVIDER, reason))


@dataclass(frozen=True)
class GateRules:
    artim_seconds: float = 5.0
    """Seconds from connection to a complete A-ASSOCIATE-RQ (TLS handshake included)."""
    max_request_bytes: int = 65_536
    """Largest A-ASSOCIATE-RQ PDU (header included) read."""
    max_per_peer: int = 16
    """Connections one peer address may hold at once, waiting or associated."""
    max_waiting: int = 64
    """Connections that may be waiting for their A-ASSOCIATE-RQ at once, from all peers."""


class Refused(Exception):
    """The connection did not pass the gate; the message says why (no peer data beyond that)."""


@dataclass(frozen=True)
class AdmittedConnection:
    sock: socket.socket
    first_pdu: bytes
    """The whole A-ASSOCIATE-RQ PDU, header included, for pynetdicom to read first."""


class Admissions:
    """Counts connections per peer address and connections still waiting for their request."""

    def __init__(self, rules: GateRules) -> None:
        self.rules = rules
        self._lock = threading.Lock()
        self._per_peer: Counter[str] = Counter()
        self._waiting = 0
        self._last_warning: dict[str, float] = {}

    def enter(self, address: str) -> str | None:
        """Count a new connection in; the reason it may not enter (and is not counted), if any."""
        with self._lock:
            if self._per_peer[address] >= self.rules.max_per_peer:
                return f"more than {self.rules.max_per_peer} connections from one address"
            if self._waiting >= self.rules.max_waiting:
                return f"more than {self.rules.max_waiting} connections waiting to associate"
            self._per_peer[address] += 1
            self._waiting += 1
            return None

    def done_waiting(self) -> None:
        with self._lock:
            self._waiting = max(0, self._waiting - 1)

    def leave(self, address: str) -> None:
        with self._lock:
            self._per_peer[address] -= 1
            if self._per_peer[address] <= 0:
                del self._per_peer[address]

    def held(self, address: str) -> int:
        with self._lock:
            return self._per_peer[address]

    @property
    def waiting(self) -> int:
        with self._lock:
            return self._waiting

    def should_warn(self, address: str, now: float, every: float = 60.0) -> bool:
        """At most one warning a minute per address: a flood must not flood the log too."""
        with self._lock:
            last = self._last_warning.get(address)
            if last is not None and now - last < every:
                return False
            if len(self._last_warning) > 1024:
                self._last_warning.clear()
            self._last_warning[address] = now
            return True


def admit(sock: socket.socket, rules: GateRules,
          tls: ssl.SSLContext | None = None) -> AdmittedConnection:
    """Read the A-ASSOCIATE-RQ within the ARTIM deadline, or close the connection and raise
    ``Refused``. On success the socket is back in blocking mode (pynetdicom sets its timeouts)."""
    deadline = time.monotonic() + rules.artim_seconds
    connection = sock
    try:
        if tls is not None:
            connection = tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            connection.settimeout(_remaining(deadline))
            connection.do_handshake()
        first_pdu = _read_request(connection, rules, deadline)
    except Refused:
        connection.close()
        raise
    except TimeoutError:
        connection.close()
        raise Refused(f"no complete A-ASSOCIATE-RQ within {rules.artim_seconds:g} s") from None
    except ssl.SSLError as error:
        connection.close()
        raise Refused(f"TLS handshake failed: {error.reason or type(error).__name__}") from None
    except OSError as error:
        connection.close()
        raise Refused(f"connection lost before associating: {type(error).__name__}") from None
    connection.settimeout(None)
    return AdmittedConnection(connection, first_pdu)


def _read_request(sock: socket.socket, rules: GateRules, deadline: float) -> bytes:
    header = _read_exactly(sock, _HEADER.size, deadline)
    pdu_type, _, length = _HEADER.unpack(header)
    if pdu_type != A_ASSOCIATE_RQ:
        _send_quietly(sock, abort_pdu(ABORT_UNEXPECTED_PDU))
        raise Refused(f"first PDU is type 0x{pdu_type:02X}, not an A-ASSOCIATE-RQ")
    if _HEADER.size + length > rules.max_request_bytes:
        _send_quietly(sock, abort_pdu(ABORT_INVALID_PARAMETER))
        raise Refused(f"A-ASSOCIATE-RQ of {length} bytes is over the "
                      f"{rules.max_request_bytes}-byte bound")
    return header + _read_exactly(sock, length, deadline)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _read_exactly(sock: socket.socket, count: int, deadline: float) -> bytes:
    chunks = bytearray()
    while len(chunks) < count:
        sock.settimeout(_remaining(deadline))
        data = sock.recv(min(count - len(chunks), 65_536))
        if not data:
            raise ConnectionResetError("closed by the peer")
        chunks += data
    return bytes(chunks)


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.settimeout(1.0)
        sock.sendall(data)
    except OSError:
        pass
