"""Original-mode acknowledgements (HL7 v2 chapter 2.9.2): MSH, MSA and, for AE and AR, an ERR
segment with the error code (table 0357) and where the problem is.

The ACK is written with the standard delimiters whatever the message used; its MSA-2 echoes the
message's control id so the sender can pair them. Texts never carry patient data.
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime

from hl7_io.header import Header
from hl7_io.refusals import AckCode, Refused
from hl7_io.times import format_dtm

_DEFAULT_VERSION = "2.5.1"
_counter = itertools.count(1)
_PROCESS_TAG = f"{os.getpid() % 100000:05d}"


def escape(text: str) -> str:
    """Escape the standard delimiters (chapter 2.7.4): the escape character first."""
    return (text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
            .replace("&", "\\T\\").replace("~", "\\R\\").replace("\r", " ").replace("\n", " "))


def _control_id(now: datetime) -> str:
    return f"ACK{now:%Y%m%d%H%M%S}{_PROCESS_TAG}{next(_counter) % 1000000:06d}"


def build(header: Header | None, code: AckCode, *, application: str, facility: str = "",
          refusal: Refused | None = None, now: datetime | None = None) -> bytes:
    """The ACK for a message (``header`` None when not even MSH could be read) as ER7 bytes."""
    now = now or datetime.now(UTC)
    event = header.event if header else ""
    segments = ["|".join([
        "MSH", "^~\\&", escape(application), escape(facility),
        escape(header.sending_application if header else ""),
        escape(header.sending_facility if header else ""),
        format_dtm(now), "", f"ACK^{escape(event)}^ACK", _control_id(now),
        escape(header.processing_id if header and header.processing_id else "P"),
        escape(header.version if header and header.version else _DEFAULT_VERSION),
    ])]
    text = escape(refusal.reason) if refusal else ""
    segments.append("|".join(["MSA", code.value, escape(header.control_id if header else ""),
                              text]))
    if refusal is not None:
        where = refusal.location.split("^") if refusal.location else []
        location = "^".join(escape(part) for part in where)
        old_style = "^".join([*(escape(part) for part in where[:3]), *([""] * (3 - len(where[:3]))),
                              f"{int(refusal.code)}&{text}"])
        segments.append("|".join([
            "ERR", old_style, location, f"{int(refusal.code)}^{refusal.code.text}^HL70357", "E",
        ]))
    return ("\r".join(segments) + "\r").encode("ascii", errors="replace")
