"""The port between the DICOM edge and whoever keeps what arrives.

The listener knows nothing of databases: it hands a ``ReceivedObject`` to an ``InboxSink`` and answers
the peer from the ``StoreOutcome``. ``worklist.inbox`` implements the sink with SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class SpooledFile:
    """Bytes written to a temporary name in the spool, fsynced, not yet under their final name."""

    temp_path: Path
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class Origin:
    """Who sent an object: the association's AE titles and the peer's address."""

    calling_ae: str
    called_ae: str = ""
    peer_address: str = ""


@dataclass(frozen=True)
class ReceivedObject:
    """A complete, checked object waiting in the spool for the sink to keep it."""

    spooled: SpooledFile
    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax_uid: str
    study_uid: str
    category: str
    """``report``, ``image``, ``document`` or ``other`` (the inbox's object categories)."""
    in_scope: bool
    scope_reason: str
    origin: Origin
    received_at: datetime


class StoreOutcome(StrEnum):
    STORED = "stored"
    """A new object, kept under its SOP Instance UID."""
    NEW_VERSION = "new-version"
    """A known SOP Instance UID with different content: kept as a new version, flagged."""
    DUPLICATE = "duplicate"
    """The same SOP Instance UID with the same content: acknowledged, not kept twice."""


@dataclass(frozen=True)
class StoreResult:
    outcome: StoreOutcome
    inbox_id: int


class SinkUnavailable(Exception):
    """The sink could not keep the object (database down, disk full). The peer should retry."""


class InboxSink(Protocol):
    def store(self, received: ReceivedObject) -> StoreResult:
        """Keep the object durably, then return; raise ``SinkUnavailable`` when it cannot.

        On return the object is committed (or was already there); on an exception nothing of it
        remains under a final name.
        """
        ...

    def reject_association(self, calling_ae: str, address: str, reason: str) -> None:
        """Record (audit) an association refused at negotiation."""
        ...


@dataclass(frozen=True)
class Limits:
    max_object_bytes: int
    max_report_bytes: int = 32 * 1024**2
    """Structured reports: size, content tree depth and content items (``dicom_io.structure``)."""
    max_report_depth: int = 32
    max_report_items: int = 20_000
