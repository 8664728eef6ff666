"""A bare MLLP acknowledger on python-hl7's asyncio streams: it answers AA to every message and
keeps nothing. The benchmark's peer (what MLLP and the library cost with no durability at all) and
a stand-in receiver for tests of senders; never a way to receive results."""

from __future__ import annotations

import asyncio
import threading

from hl7.mllp import start_hl7_server
from hl7.mllp.streams import HL7StreamReader, HL7StreamWriter


class BareAcknowledger:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.requested_port = port
        self.received: list[str] = []
        """Control ids of the messages answered, in order."""
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="bare-mllp",
                                        daemon=True)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def _client(self, reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        try:
            while True:
                message = await reader.readmessage()
                self.received.append(str(message.segment("MSH")(10)))
                writer.writemessage(message.create_ack("AA"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _open(self) -> None:
        self._server = await start_hl7_server(self._client, self.host, self.requested_port,
                                              encoding="utf-8")

    def __enter__(self) -> BareAcknowledger:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_: object) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


__all__ = ["BareAcknowledger"]
