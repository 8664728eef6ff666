"""MSH-18 character sets (HL7 table 0211) to Python codecs.

The header segment is ASCII, so it is read before the message is decoded; the rest is decoded
strictly with the declared character set. Bytes that are not valid in it refuse the message: a
wrong guess would store a misread report.
"""

from __future__ import annotations

from typing import Final

DEFAULT = "utf-8"
"""When MSH-18 is empty. HL7 says ASCII; senders that leave it out send UTF-8 or ASCII in practice,
and UTF-8 decodes ASCII unchanged (anything else still fails to decode and is refused)."""

CODECS: Final[dict[str, str]] = {
    "ASCII": "ascii",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
    "ISO IR192": "utf-8",
    "8859/1": "iso8859-1",
    "ISO IR100": "iso8859-1",
    "8859/2": "iso8859-2",
    "8859/3": "iso8859-3",
    "8859/4": "iso8859-4",
    "8859/5": "iso8859-5",
    "8859/6": "iso8859-6",
    "8859/7": "iso8859-7",
    "8859/8": "iso8859-8",
    "8859/9": "iso8859-9",
    "8859/15": "iso8859-15",
    "WINDOWS-1252": "cp1252",
}


def codec_of(declared: str) -> str | None:
    """The Python codec for an MSH-18 value; None when the character set is not supported."""
    name = " ".join(declared.upper().split())
    return DEFAULT if not name else CODECS.get(name)
