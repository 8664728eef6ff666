"""The one path every object takes, from the network or from disk: spool, check, read, keep.

Nothing here answers Success unless the sink returned, which means the object is committed. Every
other way out answers a failure status and leaves nothing under a final name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from io import BytesIO
from pathlib import Path

from dicom_io import sop_classes
from dicom_io.ports import InboxSink, Limits, Origin, ReceivedObject, SpooledFile, StoreOutcome
from dicom_io.readers.objects import ObjectKind, ReadResult, UnreadableObject, read_object
from dicom_io.object_writer import WrittenObject
from dicom_io.spool import Spool, is_valid_uid

log = logging.getLogger(__name__)


class Status(IntEnum):
    """C-STORE response statuses (PS3.4 Table GG.4-1 and B.2-1)."""

    SUCCESS = 0x0000
    OUT_OF_RESOURCES = 0xA700
    """Could not keep the object (spool or database unavailable): the peer should retry."""
    TOO_LARGE = 0xA701
    """Larger than the configured limit (also an out-of-resources refusal)."""
    DOES_NOT_MATCH_SOP_CLASS = 0xA900
    """The dataset's SOP class or instance differs from the one the request names."""
    CANNOT_UNDERSTAND = 0xC210
    """Truncated, undecodable, or without a usable SOP Instance UID."""
    MALFORMED_REPORT = 0xC212
    """A structured report whose content tree breaks the SR rules."""


_CATEGORIES = {
    ObjectKind.REPORT: "report",
    ObjectKind.IMAGE: "image",
    ObjectKind.DOCUMENT: "document",
    ObjectKind.REFERENCE: "other",
}


@dataclass(frozen=True)
class Expected:
    """What the C-STORE request announced, to compare with what the dataset says."""

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax_uid: str


@dataclass(frozen=True)
class IngestResult:
    status: Status
    reason: str
    outcome: StoreOutcome | None = None
    inbox_id: int | None = None
    in_scope: bool = True

    @property
    def success(self) -> bool:
        return self.status is Status.SUCCESS


def ingest(
    source: Path | bytes | WrittenObject,
    *,
    sink: InboxSink,
    spool: Spool,
    limits: Limits,
    origin: Origin,
    expected: Expected | None = None,
) -> IngestResult:
    """Spool ``source`` (a file, the received bytes, or what the listener already wrote into the
    spool as it arrived), check it, and hand it to the sink."""
    if isinstance(source, WrittenObject):
        written = source
    else:
        size = len(source) if isinstance(source, bytes) else source.stat().st_size
        if size > limits.max_object_bytes:
            return _too_large(size, limits)
        try:
            if isinstance(source, bytes):
                written = spool.write_stream(BytesIO(source), max_bytes=limits.max_object_bytes)
            else:
                with source.open("rb") as stream:
                    written = spool.write_stream(stream, max_bytes=limits.max_object_bytes)
        except OSError as error:
            log.error("cannot write to the spool: %s", type(error).__name__)
            return IngestResult(Status.OUT_OF_RESOURCES, "cannot write to the spool")
    try:
        return _settle(written, sink=sink, limits=limits, origin=origin, expected=expected)
    finally:
        # Once the sink placed the file this is a no-op; on every other path it removes the bytes.
        spool.discard(written.spooled)


def _settle(written: WrittenObject, *, sink: InboxSink, limits: Limits, origin: Origin,
            expected: Expected | None) -> IngestResult:
    if written.over_limit:
        return _too_large(written.spooled.size_bytes, limits)
    if written.write_error is not None:
        # A full disk, a quota, a file size limit: the sender should retry later.
        log.error("cannot write to the spool: %s", type(written.write_error).__name__)
        return IngestResult(Status.OUT_OF_RESOURCES, "cannot write to the spool")
    if written.complete is False:
        return IngestResult(Status.CANNOT_UNDERSTAND, "incomplete object: it ends inside an element")
    return _check_and_keep(written.spooled, sink=sink, origin=origin, expected=expected)


def _too_large(size: int, limits: Limits) -> IngestResult:
    return IngestResult(Status.TOO_LARGE,
                        f"{size} bytes: larger than the {limits.max_object_bytes}-byte limit")


def _check_and_keep(
    spooled: SpooledFile, *, sink: InboxSink, origin: Origin, expected: Expected | None
) -> IngestResult:
    try:
        read = read_object(spooled.temp_path)  # walks the kept file first: truncation is refused
    except UnreadableObject as error:
        status = Status.MALFORMED_REPORT if "structured report" in str(error) else Status.CANNOT_UNDERSTAND
        return IngestResult(status, str(error))
    refusal = _refusal(read, expected)
    if refusal is not None:
        return refusal
    received = ReceivedObject(
        spooled=spooled,
        sop_class_uid=read.sop_class_uid,
        sop_instance_uid=read.sop_instance_uid,
        transfer_syntax_uid=expected.transfer_syntax_uid if expected else read.transfer_syntax_uid,
        study_uid=read.study.study_uid if is_valid_uid(read.study.study_uid) else "",
        category=_CATEGORIES[read.kind],
        in_scope=read.in_scope,
        scope_reason=read.scope_reason,
        origin=origin,
        received_at=datetime.now(UTC),
    )
    try:
        stored = sink.store(received)
    except Exception as error:  # whatever went wrong, the object is not kept: the peer retries
        log.error("could not keep a received object: %s", type(error).__name__)
        return IngestResult(Status.OUT_OF_RESOURCES, "could not keep the object")
    return IngestResult(Status.SUCCESS, stored.outcome.value, stored.outcome, stored.inbox_id,
                        read.in_scope)


def _refusal(read: ReadResult, expected: Expected | None) -> IngestResult | None:
    if not is_valid_uid(read.sop_instance_uid):
        return IngestResult(Status.CANNOT_UNDERSTAND, "the SOP Instance UID is not a valid UID")
    if read.sop_class_uid not in sop_classes.STORAGE_CLASSES:
        return IngestResult(Status.DOES_NOT_MATCH_SOP_CLASS, "a SOP class we do not accept")
    if expected is not None:
        if read.sop_class_uid != expected.sop_class_uid:
            return IngestResult(Status.DOES_NOT_MATCH_SOP_CLASS,
                                "the dataset's SOP class differs from the request's")
        if read.sop_instance_uid != expected.sop_instance_uid:
            return IngestResult(Status.DOES_NOT_MATCH_SOP_CLASS,
                                "the dataset's SOP instance differs from the request's")
    return None
