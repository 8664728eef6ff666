"""HL7 messages to records: ``read`` takes a parsed message and returns its ``Content``, or raises
``Refused`` (AE) naming the segment or field that is missing or wrong."""

from __future__ import annotations

from hl7_io.header import Parsed
from hl7_io.readers.adt import read_merge, read_update
from hl7_io.readers.oru import read_results
from hl7_io.records import Content
from hl7_io.refusals import ErrorCode, rejected


def read(parsed: Parsed) -> Content:
    header = parsed.header
    if header.message_type == "ORU":
        return read_results(parsed)
    if header.kind == "ADT^A08":
        return read_update(parsed)
    if header.kind == "ADT^A40":
        return read_merge(parsed)
    raise rejected(ErrorCode.UNSUPPORTED_MESSAGE_TYPE, f"{header.kind[:8]!r} is not read here")
