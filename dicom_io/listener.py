"""The DICOM listener: Verification and Storage SCP, thin handlers, dependencies bound per handler.

Handlers are plain functions; the sink, spool and limits reach them through pynetdicom's handler
bindings, so a test can call them directly and nothing lives in a global.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from pynetdicom import AE, _config, evt
from pynetdicom.events import Event
from pynetdicom.transport import ThreadedAssociationServer

from dicom_io import sop_classes
from dicom_io.ingest import Expected, Status, ingest
from dicom_io.ports import InboxSink, Limits, Origin
from dicom_io.spool import Spool

log = logging.getLogger(__name__)

# Received datasets go straight to a temporary file as their fragments arrive, so a 1 GB object
# never sits in memory. pynetdicom reads this flag process-wide.
_config.STORE_RECV_CHUNKED_DATASET = True


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
    try:
        source = event.dataset_path
    except AttributeError:
        source = event.encoded_dataset()  # chunked receipt switched off: bytes in memory
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


def event_handlers(
    config: ListenerConfig, sink: InboxSink, spool: Spool
) -> list[tuple[evt.EventType, object] | tuple[evt.EventType, object, list[object]]]:
    return [
        (evt.EVT_CONN_OPEN, handle_connection_open),
        (evt.EVT_C_ECHO, handle_echo),
        (evt.EVT_C_STORE, handle_store, [sink, spool, config.limits]),
        (evt.EVT_REJECTED, handle_rejected, [sink, config.allowed_aes]),
    ]


def start(config: ListenerConfig, sink: InboxSink, spool: Spool) -> ThreadedAssociationServer:
    """Start listening in background threads; call ``shutdown()`` on the result to stop."""
    spool.ensure()
    ae = build_ae(config)
    server = ae.start_server(
        (config.host, config.port), block=False,
        evt_handlers=event_handlers(config, sink, spool),  # type: ignore[arg-type]
        ssl_context=config.tls,
    )
    if not config.allowed_aes:
        log.warning("no allowed AE titles configured: any calling AE may store")
    log.info("DICOM listener %s on %s:%d%s", config.ae_title, config.host, config.port,
             " (TLS)" if config.tls else "")
    return server  # type: ignore[return-value]
