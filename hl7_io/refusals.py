"""Why a message is not accepted, in HL7's own terms: the acknowledgement code (table 0008) and the
error code (table 0357) the ACK carries. Texts name the problem, never patient data."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class AckCode(StrEnum):
    """Original-mode acknowledgement codes (HL7 table 0008)."""

    ACCEPT = "AA"
    """Kept durably; the sender may forget the message."""
    ERROR = "AE"
    """Not kept: the content is wrong or the receiver failed. The sender should correct or retry."""
    REJECT = "AR"
    """Not kept: the receiver does not take this message at all (type, version, framing, sender)."""


class ErrorCode(IntEnum):
    """Message error condition codes (HL7 table 0357)."""

    SEGMENT_SEQUENCE = 100
    REQUIRED_FIELD_MISSING = 101
    DATA_TYPE = 102
    TABLE_VALUE_NOT_FOUND = 103
    UNSUPPORTED_MESSAGE_TYPE = 200
    UNSUPPORTED_EVENT = 201
    UNSUPPORTED_PROCESSING_ID = 202
    UNSUPPORTED_VERSION = 203
    APPLICATION_INTERNAL_ERROR = 207

    @property
    def text(self) -> str:
        return self.name.replace("_", " ").lower()


class Refused(Exception):
    """A message answered with AE or AR instead of AA; nothing of it was kept."""

    def __init__(self, ack: AckCode, code: ErrorCode, reason: str, location: str = "") -> None:
        super().__init__(reason)
        self.ack = ack
        self.code = code
        self.reason = reason
        self.location = location
        """Where the problem is, as ``SEG^sequence^field`` (ERR-2), or ''."""


def rejected(code: ErrorCode, reason: str, location: str = "") -> Refused:
    return Refused(AckCode.REJECT, code, reason, location)


def error(code: ErrorCode, reason: str, location: str = "") -> Refused:
    return Refused(AckCode.ERROR, code, reason, location)
