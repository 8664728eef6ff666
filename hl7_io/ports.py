"""The port between the MLLP listener and whoever keeps messages: the listener knows nothing of
databases. It hands a checked ``ReceivedMessage`` to a ``MessageSink`` and answers AA only when
``store`` returned (``worklist.hl7.sink`` keeps it as a spool file and an inbox row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from hl7_io.header import Header
from hl7_io.records import Content


@dataclass(frozen=True)
class ReceivedMessage:
    raw: bytes = field(repr=False)
    """The message exactly as framed, without the MLLP start and end blocks."""
    header: Header
    content: Content = field(repr=False)
    peer_address: str
    received_at: datetime


class StoreOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    """The same control id from the same sender with the same content: acknowledged, kept once."""
    NEW_VERSION = "new-version"
    """A control id seen before with different content: kept too (a result is never dropped)."""


class SinkUnavailable(Exception):
    """The message could not be kept (database down, disk full): the sender gets AE and resends."""


class MessageSink(Protocol):
    def store(self, message: ReceivedMessage) -> StoreOutcome:
        """Keep the message durably (file fsynced, row committed), then return."""
        ...

    def refuse_sender(self, application: str, address: str, reason: str) -> None:
        """Record (audit) a message refused because of who sent it."""
        ...
