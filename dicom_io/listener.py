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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pynetdicom import AE, _config, evt
from pynetdicom.association import Association
from pynetdicom.events import Event
from pynetdicom.transport import AssociationSocket, RequestHandler, ThreadedAssociationServer

from dicom_io import receipt, sop_classes
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


_FIRST_READ = 1024 * 1024


class _BulkReadSocket(AssociationSocket):
    """Reads a PDU with a few ``recv_into`` calls instead of pynetdicom's one ``recv`` per 4 KiB
    (a system call and a copy each; on large objects bulk reads took about a quarter off a bare
    pynetdicom listener's CPU). The buffer grows as data arrives, so a peer announcing a huge PDU
    gets no huge allocation."""

    def recv(self, nr_bytes: int) -> bytearray:
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
    def _create_association(self) -> Association:
        assoc = super()._create_association()
        # Same object, a subclass adding no state: only reading changes.
        assoc.dul.socket.__class__ = _BulkReadSocket
        return assoc


class _Server(ThreadedAssociationServer):
    """pynetdicom's threaded server with a listen backlog for bursts of associations (with the
    socketserver default of 5, a burst of connections waits for SYN retransmissions), reading
    PDUs in bulk."""

    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, request_handler=_RequestHandler, **kwargs)


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


def handle_rejected(event: Event, sink: InboxSink, allowed_aes: Sequence[str]) -> None:
    requestor = event.assoc.requestor
    calling = str(requestor.ae_title).strip()
    reason = "calling AE title not allowed" if calling not in allowed_aes else "association refused"
    log.warning("association from %s (%s) rejected: %s", calling, requestor.address, reason)
    try:
        sink.reject_association(calling, str(requestor.address), reason)
    except Exception as error:  # the rejection stands even if the audit cannot be written
        log.error("could not audit a rejected association: %s", type(error).__name__)


def build_ae(config: ListenerConfig) -> AE:
    ae = AE(ae_title=config.ae_title)
    ae.maximum_pdu_size = config.max_pdu
    ae.network_timeout = config.network_timeout
    ae.maximum_associations = 32
    if config.allowed_aes:
        ae.require_calling_aet = list(config.allowed_aes)
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
        (evt.EVT_REJECTED, handle_rejected, [sink, config.allowed_aes]),
    ]


def start(config: ListenerConfig, sink: InboxSink, spool: Spool) -> ThreadedAssociationServer:
    """Start listening in background threads; call ``shutdown()`` on the result to stop."""
    swept = spool.sweep_incoming()
    if swept:
        log.warning("removed %d partial file(s) left in the spool by a stopped process", swept)
    ae = build_ae(config)
    handlers = event_handlers(config, sink, spool)
    server_class: Callable[..., ThreadedAssociationServer] = _Server
    if config.shared is not None:
        turns = Turns(config.shared)
        handlers.append((evt.EVT_CONN_CLOSE, handle_connection_close, [turns]))
        server_class = functools.partial(_SharedSocketServer, turns=turns)
    server = cast(ThreadedAssociationServer, ae.make_server(
        (config.host, config.port),
        evt_handlers=handlers,  # type: ignore[arg-type]
        ssl_context=config.tls,
        server_class=server_class,  # type: ignore[arg-type]
    ))
    ae._servers.append(server)  # as start_server does: the server's shutdown() removes it
    threading.Thread(target=server.serve_forever, name="dicom-acceptor", daemon=True).start()
    if not config.allowed_aes:
        log.warning("no allowed AE titles configured: any calling AE may store")
    log.info("DICOM listener %s on %s:%d%s", config.ae_title, config.host, config.port,
             " (TLS)" if config.tls else "")
    return server
