"""The MLLP listener: python-hl7's asyncio MLLP streams, one coroutine per connection, the durable
store on a thread so one slow commit never holds the other senders.

Each message gets exactly one answer on its connection: AA once the sink has kept it (spool file
fsynced, inbox row committed), AE when it could not be kept or its content is wrong, AR when this
receiver never takes it. A connection is closed without an answer when no message can be framed:
bytes before the start block, a frame larger than the limit, a peer idle (or too slow to finish a
message) past the timeout, or a peer over its connection limit.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hl7.mllp import InvalidBlockError, start_hl7_server
from hl7.mllp.streams import CARRIAGE_RETURN, END_BLOCK, START_BLOCK, HL7StreamReader, HL7StreamWriter

from hl7_io import acks
from hl7_io.header import NOT_ALLOWED, Header, Policy, check, parse
from hl7_io.ports import MessageSink, ReceivedMessage, SinkUnavailable
from hl7_io.readers import read
from hl7_io.refusals import AckCode, ErrorCode, Refused, error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListenerConfig:
    host: str
    port: int
    application: str = "WORKLIST"
    """MSH-3 of our ACKs."""
    facility: str = ""
    policy: Policy = field(default_factory=Policy)
    max_message_bytes: int = 16 * 1024 * 1024
    idle_timeout: float = 60.0
    """Seconds a connection may wait for (or spend receiving) one message."""
    max_connections_per_peer: int = 8
    max_connections: int = 64
    store_threads: int = 8
    tls: ssl.SSLContext | None = field(default=None, compare=False)


class Hl7Listener:
    """Runs an asyncio loop on its own thread; ``shutdown()`` stops accepting and closes."""

    def __init__(self, config: ListenerConfig, sink: MessageSink) -> None:
        self.config = config
        self.sink = sink
        self._loop = asyncio.new_event_loop()
        self._store = ThreadPoolExecutor(max_workers=config.store_threads,
                                         thread_name_prefix="hl7-store")
        self._peers: Counter[str] = Counter()
        self._connections: set[asyncio.Task[None]] = set()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="hl7-listener",
                                        daemon=True)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def start(self) -> Hl7Listener:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        future.result(timeout=30)
        if not self.config.policy.allowed_senders:
            log.warning("no allowed HL7 senders configured: any sending application may send")
        log.info("HL7 listener on %s:%d%s", self.config.host, self.port,
                 " (TLS)" if self.config.tls else "")
        return self

    async def _open(self) -> None:
        self._server = await start_hl7_server(
            self._connected, self.config.host, self.config.port,
            limit=self.config.max_message_bytes, ssl=self.config.tls,
            reuse_address=True, backlog=128,
        )

    def shutdown(self, timeout: float = 10) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.sleep(0)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
        self._store.shutdown(wait=True)

    # --- one connection --------------------------------------------------------------------------

    async def _connected(self, reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if peer else ""
        self._connections.add(task)
        self._peers[address] += 1
        try:
            if self._peers[address] > self.config.max_connections_per_peer \
                    or len(self._connections) > self.config.max_connections:
                log.warning("HL7 connection from %s refused: too many connections", address)
                return
            raw = writer.get_extra_info("socket")
            if raw is not None:
                try:
                    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
            await self._serve(reader, writer, address)
        except asyncio.CancelledError:
            pass
        finally:
            self._peers[address] -= 1
            if self._peers[address] <= 0:
                del self._peers[address]
            self._connections.discard(task)
            writer.close()

    async def _serve(self, reader: HL7StreamReader, writer: HL7StreamWriter, address: str) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                block = await asyncio.wait_for(reader.readblock(), self.config.idle_timeout)
            except TimeoutError:
                log.info("HL7 connection from %s closed: idle", address)
                return
            except asyncio.IncompleteReadError as incomplete:
                if incomplete.partial.strip():
                    log.warning("HL7 connection from %s closed in the middle of a message", address)
                return
            except InvalidBlockError:
                log.warning("HL7 connection from %s closed: bytes before the start block", address)
                return
            except ValueError:  # the frame outgrew the limit: the stream cannot be resynchronised
                log.warning("HL7 connection from %s closed: message over %d bytes", address,
                            self.config.max_message_bytes)
                return
            except (ConnectionError, ssl.SSLError):
                return
            answer = await loop.run_in_executor(self._store, self.answer, bytes(block), address)
            writer.write(START_BLOCK + answer + END_BLOCK + CARRIAGE_RETURN)
            try:
                await writer.drain()
            except ConnectionError:
                return

    # --- one message (on a store thread) ---------------------------------------------------------

    def answer(self, block: bytes, address: str) -> bytes:
        """Check, keep and acknowledge one message; the ACK's bytes. Never raises."""
        received_at = datetime.now(UTC)
        header: Header | None = None
        try:
            parsed = parse(block)
            header = parsed.header
            check(header, self.config.policy)
            content = read(parsed)
        except Refused as refusal:
            self._refused(header, refusal, address)
            return self._ack(header, refusal.ack, refusal)
        except Exception as failure:  # a message the parser chokes on is the sender's to fix
            log.warning("HL7 message from %s could not be read: %s", address,
                        type(failure).__name__)
            refusal = error(ErrorCode.DATA_TYPE, "the message could not be read")
            return self._ack(header, AckCode.ERROR, refusal)
        try:
            outcome = self.sink.store(ReceivedMessage(block, header, content, address, received_at))
        except Exception as failure:  # never AA for what was not kept
            log.error("HL7 %s from %s not kept: %s", header.kind, address,
                      type(failure).__name__ if not isinstance(failure, SinkUnavailable)
                      else failure)
            refusal = error(ErrorCode.APPLICATION_INTERNAL_ERROR,
                            "the message could not be stored; send it again")
            return self._ack(header, AckCode.ERROR, refusal)
        log.info("HL7 %s from %s: %s", header.kind, header.sending_application[:20], outcome.value)
        return self._ack(header, AckCode.ACCEPT)

    def _ack(self, header: Header | None, code: AckCode, refusal: Refused | None = None) -> bytes:
        return acks.build(header, code, application=self.config.application,
                          facility=self.config.facility, refusal=refusal)

    def _refused(self, header: Header | None, refusal: Refused, address: str) -> None:
        kind = header.kind if header else "message"
        log.warning("HL7 %s from %s answered %s %d: %s", kind[:8], address, refusal.ack.value,
                    int(refusal.code), refusal.reason)
        if header is not None and refusal.reason == NOT_ALLOWED:
            try:
                self.sink.refuse_sender(header.sending_application, address, refusal.reason)
            except Exception as failure:  # the refusal stands even if the audit cannot be written
                log.error("could not audit a refused HL7 sender: %s", type(failure).__name__)
