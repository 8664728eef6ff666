"""The DICOM listener: Verification and Storage SCP, thin handlers, dependencies bound per handler.

Handlers are plain functions; the sink, spool and limits reach them through pynetdicom's handler
bindings, so a test can call them directly and nothing lives in a global.
"""

from __future__ import annotations

import functools
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pynetdicom import AE, _config, evt
from pynetdicom.association import Association
from pynetdicom.events import Event
from pynetdicom.transport import AssociationSocket, RequestHandler, ThreadedAssociationServer

from dicom_io import gate, receipt, sop_classes
from dicom_io.balance import LeastBusyAccept, SharedSocket, Turns
from dicom_io.ingest import Expected, Status, ingest
from dicom_io.object_writer import WrittenObject
from dicom_io.ports import InboxSink, Limits, Origin
from dicom_io.spool import Spool

log = logging.getLogger(__name__)

# Received datasets go straight to a file as their fragments arrive, so a 1 GB object never sits
# in memory; ``receipt`` makes that file a spool writer. pynetdicom reads this flag process-wide.
_config.STORE_RECV_CHUNKED_DATASET = True
# pynetdicom's standard handlers format a log record for every PDU and DIMSE message (UIDs
# included) only for the logger to drop it: the commands keep pynetdicom at WARNING.
_config.LOG_HANDLER_LEVEL = "none"


@dataclass(frozen=True)
class ListenerConfig:
    ae_title: str
    host: str
    port: int
    limits: Limits
    allowed_aes: tuple[str, ...] = ()
    """Calling AE titles allowed to associate; empty accepts any."""
    max_pdu: int = 262_144
    tls: ssl.SSLContext | None = field(default=None, compare=False)
    network_timeout: float = 60.0
    shared: SharedSocket | None = field(default=None, compare=False)
    """A listening socket shared with other listener processes, so several processes use several
    cores; the least busy accepts each new association. None: bind ``host:port`` alone."""
    gate_rules: gate.GateRules = gate.GateRules()
    """What a connection must do before it becomes an association (ARTIM, per-peer limit)."""
    max_associations: int = 32
    check_called_ae: bool = True
    """Reject an A-ASSOCIATE-RQ whose called AE title is not ``ae_title`` (PS3.8 reason 7)."""


_FIRST_READ = 1024 * 1024
LARGEST_PDU = 16 * 1024 * 1024
"""The bound on a received PDU when ``max_pdu`` is 0 (which tells the peer "no limit")."""


class OversizedPdu(ConnectionAbortedError):
    """The peer announced a PDU longer than the maximum we negotiated."""


class _BulkReadSocket(AssociationSocket):
    """Reads a PDU with a few ``recv_into`` calls instead of pynetdicom's one ``recv`` per 4 KiB
    (a system call and a copy each; on large objects bulk reads took about a quarter off a bare
    pynetdicom listener's CPU). The buffer grows as data arrives.

    Two more duties: it first hands out the A-ASSOCIATE-RQ the gate already read (``pending``),
    and it refuses any PDU longer than the maximum length we told the peer (PS3.8 D.1): the
    peer gets an A-ABORT and the association ends, so memory never follows the peer's claim."""

    pending: bytes = b""
    largest_pdu: int = LARGEST_PDU

    @property
    def ready(self) -> bool:
        return bool(self.pending) or bool(AssociationSocket.ready.fget(self))  # type: ignore[attr-defined]

    def recv(self, nr_bytes: int) -> bytearray:
        if self.pending:
            served, self.pending = self.pending[:nr_bytes], self.pending[nr_bytes:]
            if len(served) == nr_bytes:
                return bytearray(served)
            return bytearray(served) + self._recv(nr_bytes - len(served))
        if nr_bytes > self.largest_pdu:
            self._abort_oversized(nr_bytes)
        return self._recv(nr_bytes)

    def _abort_oversized(self, nr_bytes: int) -> None:
        log.warning("peer announced a PDU of %d bytes, over the negotiated %d: aborting",
                    nr_bytes, self.largest_pdu)
        raw = self.socket
        if raw is not None:
            try:
                raw.sendall(gate.abort_pdu(gate.ABORT_INVALID_PARAMETER))
            except OSError:
                pass
        raise OversizedPdu(f"PDU of {nr_bytes} bytes over the negotiated maximum")

    def _recv(self, nr_bytes: int) -> bytearray:
        raw = cast(socket.socket, self.socket)
        buffer = bytearray(min(nr_bytes, _FIRST_READ))
        read = 0
        while read < nr_bytes:
            if read == len(buffer):
                buffer.extend(bytes(min(nr_bytes, 2 * len(buffer)) - len(buffer)))
            with memoryview(buffer) as view:
                received = raw.recv_into(view[read:])
            if not received:  # connection closed: pynetdicom checks the length it got
                break
            read += received
        del buffer[read:]
        return buffer


class _RequestHandler(RequestHandler):
    server: _Server

    def _create_association(self) -> Association:
        assoc = super()._create_association()
        # Same object, a subclass: reading changes, and it starts with the gate's request PDU.
        transport = assoc.dul.socket
        transport.__class__ = _BulkReadSocket
        transport = cast(_BulkReadSocket, transport)
        transport.pending = self.server.first_pdu()
        if self.ae.maximum_pdu_size:
            transport.largest_pdu = self.ae.maximum_pdu_size
        return assoc

    def handle(self) -> None:
        # pynetdicom's handle(), keeping the association so its connection's share is held
        # until it ends.
        assoc = self._create_association()
        evt.trigger(assoc, evt.EVT_CONN_OPEN, {"address": self.client_address})
        assoc.start()
        self.server.started(assoc)


class _Server(ThreadedAssociationServer):
    """pynetdicom's threaded server with a listen backlog for bursts of associations (with the
    socketserver default of 5, a burst of connections waits for SYN retransmissions), reading
    PDUs in bulk, and a gate in front (``dicom_io.gate``): a connection becomes an association
    only once its A-ASSOCIATE-RQ arrived whole, in time, within bounds, and its peer holds fewer
    than its share of connections. TLS handshakes happen there too, on the connection's own
    thread under the same deadline, not in the accept loop."""

    request_queue_size = 128
    daemon_threads = True  # a connection still at the gate does not hold up shutdown
    acceptor: threading.Thread | None = None

    def __init__(self, *args: Any, gate_rules: gate.GateRules = gate.GateRules(),
                 tls: ssl.SSLContext | None = None, **kwargs: Any) -> None:
        self.admissions = gate.Admissions(gate_rules)
        self.tls = tls
        self._current = threading.local()
        super().__init__(*args, request_handler=_RequestHandler, **kwargs)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """On the accept loop: count the connection in, or close it at once."""
        address = _peer(client_address)
        refusal = self.admissions.enter(address)
        if refusal is not None:
            self._note_refusal(address, refusal, logging.WARNING)
            return False
        return True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        address = _peer(client_address)
        try:
            try:
                admitted = gate.admit(request, self.admissions.rules, self.tls)
            except gate.Refused as refusal:
                self._note_refusal(address, str(refusal), logging.DEBUG)
                self.shutdown_request(request)
                return
            finally:
                self.admissions.done_waiting()
            self._current.first_pdu = admitted.first_pdu
            self._current.association = None
            super().process_request_thread(admitted.sock, client_address)
            association = self._current.association
            if association is not None:
                association.join()  # the peer's share is held until its association ends
        finally:
            self.admissions.leave(address)

    def first_pdu(self) -> bytes:
        return cast(bytes, getattr(self._current, "first_pdu", b""))

    def started(self, association: Association) -> None:
        self._current.association = association

    def _note_refusal(self, address: str, reason: str, level: int) -> None:
        if level >= logging.WARNING and not self.admissions.should_warn(address, time.monotonic()):
            level = logging.DEBUG
        log.log(level, "connection from %s closed before associating: %s", address, reason)


@dataclass(frozen=True)
class Occupancy:
    """What a running listener holds, read from the process itself (for ``/health``)."""

    serving: bool
    associations: int
    waiting: int
    max_associations: int


def occupancy(server: ThreadedAssociationServer) -> Occupancy:
    acceptor = getattr(server, "acceptor", None)
    admissions = getattr(server, "admissions", None)
    return Occupancy(
        serving=acceptor is not None and acceptor.is_alive(),
        associations=len(server.active_associations),
        waiting=admissions.waiting if admissions is not None else 0,
        max_associations=server.ae.maximum_associations,
    )


def _peer(client_address: Any) -> str:
    return str(client_address[0]) if isinstance(client_address, tuple) else str(client_address)


class _SharedSocketServer(LeastBusyAccept, _Server):
    """On the socket shared with the other listener processes, accepting in turn."""


def handle_echo(event: Event) -> int:
    return Status.SUCCESS


def handle_connection_open(event: Event) -> None:
    # Without TCP_NODELAY every small response waits ~40 ms for a delayed ACK.
    transport = event.assoc.dul.socket
    raw = getattr(transport, "socket", None)
    if raw is not None:
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def handle_store(event: Event, sink: InboxSink, spool: Spool, limits: Limits) -> int:
    """Spool what arrived, keep it through the sink, and only then answer Success."""
    request = event.request
    requestor = event.assoc.requestor
    origin = Origin(
        calling_ae=str(requestor.ae_title).strip(),
        called_ae=str(event.assoc.acceptor.ae_title).strip(),
        peer_address=str(requestor.address),
    )
    expected = Expected(
        sop_class_uid=str(request.AffectedSOPClassUID),
        sop_instance_uid=str(request.AffectedSOPInstanceUID),
        transfer_syntax_uid=str(event.context.transfer_syntax),
    )
    source = _received(event)
    if source is None:
        return Status.OUT_OF_RESOURCES  # the association ended and its file went with it
    try:
        result = ingest(source, sink=sink, spool=spool, limits=limits, origin=origin,
                        expected=expected)
    except Exception as error:  # never answer Success for something we did not keep
        log.error("C-STORE failed: %s", type(error).__name__)
        return Status.OUT_OF_RESOURCES
    if not result.success:
        log.warning("C-STORE from %s refused with 0x%04X: %s", origin.calling_ae,
                    result.status, result.reason)
    return result.status


def _received(event: Event) -> WrittenObject | Path | bytes | None:
    """The dataset as ``receipt`` wrote it into the spool (the usual case), else as pynetdicom
    kept it."""
    written = getattr(event.request, "_dataset_file", None)
    if isinstance(written, receipt.ReceivingFile):
        return written.take()
    try:
        return event.dataset_path
    except AttributeError:
        return event.encoded_dataset()  # chunked receipt switched off: bytes in memory


def handle_connection_close(event: Event, turns: Turns) -> None:
    turns.closed()


def rejection_reason(event: Event, allowed_aes: Sequence[str], check_called_ae: bool) -> str:
    """Why pynetdicom rejected the association (it checks these, in this order)."""
    calling = str(event.assoc.requestor.ae_title).strip()
    if allowed_aes and calling not in allowed_aes:
        return "calling AE title not allowed"
    request = event.assoc.requestor.primitive
    called = str(getattr(request, "called_ae_title", "")).strip()
    if check_called_ae and called != str(event.assoc.acceptor.ae_title).strip():
        return "called AE title is not ours"
    return "association limit reached"


def handle_rejected(event: Event, sink: InboxSink, allowed_aes: Sequence[str],
                    check_called_ae: bool = True) -> None:
    requestor = event.assoc.requestor
    calling = str(requestor.ae_title).strip()
    reason = rejection_reason(event, allowed_aes, check_called_ae)
    log.warning("association from %s (%s) rejected: %s", calling, requestor.address, reason)
    try:
        sink.reject_association(calling, str(requestor.address), reason)
    except Exception as error:  # the rejection stands even if the audit cannot be written
        log.error("could not audit a rejected association: %s", type(error).__name__)


def build_ae(config: ListenerConfig) -> AE:
    ae = AE(ae_title=config.ae_title)
    ae.maximum_pdu_size = config.max_pdu
    ae.network_timeout = config.network_timeout
    # pynetdicom's ARTIM timer (PS3.8 9.1.5) runs on this: a release or rejection the peer never
    # completes holds the connection this long at most. The gate applies the same bound before.
    ae.acse_timeout = config.gate_rules.artim_seconds
    ae.maximum_associations = config.max_associations
    if config.allowed_aes:
        ae.require_calling_aet = list(config.allowed_aes)
    ae.require_called_aet = config.check_called_ae
    ae.add_supported_context(sop_classes.VERIFICATION)
    for sop_class in sop_classes.STORAGE_CLASSES:
        ae.add_supported_context(sop_class, list(sop_classes.TRANSFER_SYNTAXES))
    return ae


Handlers = list[tuple[evt.EventType, object] | tuple[evt.EventType, object, list[object]]]


def event_handlers(config: ListenerConfig, sink: InboxSink, spool: Spool) -> Handlers:
    return [
        (evt.EVT_CONN_OPEN, handle_connection_open),
        (evt.EVT_C_ECHO, handle_echo),
        (evt.EVT_C_STORE, handle_store, [sink, spool, config.limits]),
        (evt.EVT_CONN_OPEN, receipt.handle_open, [spool, config.limits]),
        (evt.EVT_CONN_CLOSE, receipt.handle_close),
        (evt.EVT_REJECTED, handle_rejected, [sink, config.allowed_aes, config.check_called_ae]),
    ]


def start(config: ListenerConfig, sink: InboxSink, spool: Spool) -> ThreadedAssociationServer:
    """Start listening in background threads; call ``shutdown()`` on the result to stop."""
    swept = spool.sweep_incoming()
    if swept:
        log.warning("removed %d partial file(s) left in the spool by a stopped process", swept)
    ae = build_ae(config)
    handlers = event_handlers(config, sink, spool)
    server_class: Callable[..., ThreadedAssociationServer] = functools.partial(
        _Server, gate_rules=config.gate_rules, tls=config.tls)
    if config.shared is not None:
        turns = Turns(config.shared)
        handlers.append((evt.EVT_CONN_CLOSE, handle_connection_close, [turns]))
        server_class = functools.partial(_SharedSocketServer, turns=turns,
                                         gate_rules=config.gate_rules, tls=config.tls)
    server = cast(ThreadedAssociationServer, ae.make_server(
        (config.host, config.port),
        evt_handlers=handlers,  # type: ignore[arg-type]
        ssl_context=None,  # the gate does the TLS handshake, on the connection's thread
        server_class=server_class,  # type: ignore[arg-type]
    ))
    ae._servers.append(server)  # as start_server does: the server's shutdown() removes it
    acceptor = threading.Thread(target=server.serve_forever, name="dicom-acceptor", daemon=True)
    cast(_Server, server).acceptor = acceptor
    acceptor.start()
    if not config.allowed_aes:
        log.warning("no allowed AE titles configured: any calling AE may store")
    log.info("DICOM listener %s on %s:%d%s", config.ae_title, config.host, config.port,
             " (TLS)" if config.tls else "")
    return server
