"""The first look at a message: decode it, parse it, read its header (MSH), and decide whether this
receiver takes it at all. Anything wrong here is an AR: the message will never be processable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import hl7

from hl7_io import charsets
from hl7_io.fields import raw, value
from hl7_io.refusals import ErrorCode, rejected
from hl7_io.times import parse_dtm

SUPPORTED: Final = frozenset({("ORU", "R01"), ("ADT", "A08"), ("ADT", "A40")})
VERSIONS: Final = frozenset({"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8",
                             "2.8.1", "2.8.2", "2.9"})
_MSH_PREFIX: Final = b"MSH"
NOT_ALLOWED: Final = "the sending application is not allowed"


@dataclass(frozen=True)
class Header:
    """MSH: who sent the message, what it is, and how to read it."""

    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    sent_at: datetime | None
    message_type: str
    event: str
    control_id: str
    processing_id: str
    version: str
    charset: str

    @property
    def kind(self) -> str:
        """``ORU^R01``, ``ADT^A40``..."""
        return f"{self.message_type}^{self.event}"


@dataclass(frozen=True)
class Parsed:
    message: hl7.Message = field(repr=False)
    header: Header
    text: str = field(repr=False)


@dataclass(frozen=True)
class Policy:
    """What this receiver takes besides the supported messages (settings decide)."""

    allowed_senders: frozenset[str] = frozenset()
    """MSH-3 sending applications allowed; empty allows any."""
    processing_ids: frozenset[str] = frozenset({"P"})


def normalise(raw_bytes: bytes) -> bytes:
    """Segments end in CR; senders that use CR LF or LF get the same message."""
    return raw_bytes.strip(b"\r\n \t").replace(b"\r\n", b"\r").replace(b"\n", b"\r")


def _declared_charset(data: bytes) -> str:
    """MSH-18's first repetition, read from the bytes before the message can be decoded (MSH is
    ASCII): MSH-1 is the field separator, MSH-2 the other delimiters."""
    first_segment = data.split(b"\r", 1)[0].decode("ascii", errors="replace")
    separator, delimiters = first_segment[3], first_segment[4:8]
    fields = first_segment.split(separator)
    if len(fields) < 18:
        return ""
    component, repetition = delimiters[:1] or "^", delimiters[1:2] or "~"
    return fields[17].split(repetition)[0].split(component)[0].strip()


def parse(raw_bytes: bytes) -> Parsed:
    """Decode (MSH-18), parse and read the header; ``Refused`` (AR) when that is impossible."""
    data = normalise(raw_bytes)
    if not data.startswith(_MSH_PREFIX) or len(data) < 8:
        raise rejected(ErrorCode.SEGMENT_SEQUENCE, "the message does not start with MSH", "MSH")
    declared = _declared_charset(data)
    codec = charsets.codec_of(declared)
    if codec is None:
        raise rejected(ErrorCode.TABLE_VALUE_NOT_FOUND,
                       f"character set {declared[:20]!r} is not supported", "MSH^1^18")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise rejected(ErrorCode.DATA_TYPE,
                       f"the message is not valid {declared or 'UTF-8'}", "MSH^1^18") from None
    try:
        message = hl7.parse(text)
    except Exception:
        raise rejected(ErrorCode.DATA_TYPE, "the message cannot be parsed") from None
    msh = message[0]
    header = Header(
        sending_application=value(message, msh, 3),
        sending_facility=value(message, msh, 4),
        receiving_application=value(message, msh, 5),
        receiving_facility=value(message, msh, 6),
        sent_at=parse_dtm(raw(msh, 7)),
        message_type=value(message, msh, 9).upper(),
        event=value(message, msh, 9, 2).upper(),
        control_id=value(message, msh, 10),
        processing_id=value(message, msh, 11).upper(),
        version=value(message, msh, 12),
        charset=declared,
    )
    return Parsed(message, header, text)


def check(header: Header, policy: Policy) -> None:
    """Refuse (AR) what this receiver never takes: unknown senders, types, versions, processing."""
    if policy.allowed_senders and header.sending_application not in policy.allowed_senders:
        raise rejected(ErrorCode.APPLICATION_INTERNAL_ERROR, NOT_ALLOWED, "MSH^1^3")
    if not header.control_id:
        raise rejected(ErrorCode.REQUIRED_FIELD_MISSING, "no message control id", "MSH^1^10")
    if header.version not in VERSIONS:
        raise rejected(ErrorCode.UNSUPPORTED_VERSION,
                       f"version {header.version[:10]!r} is not supported", "MSH^1^12")
    if header.processing_id not in policy.processing_ids:
        raise rejected(ErrorCode.UNSUPPORTED_PROCESSING_ID,
                       f"processing id {header.processing_id[:3]!r} is not accepted", "MSH^1^11")
    if header.message_type not in {kind for kind, _ in SUPPORTED}:
        raise rejected(ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
                       f"message type {header.message_type[:3]!r} is not supported", "MSH^1^9")
    if (header.message_type, header.event) not in SUPPORTED:
        raise rejected(ErrorCode.UNSUPPORTED_EVENT,
                       f"event {header.kind[:8]!r} is not supported", "MSH^1^9")
