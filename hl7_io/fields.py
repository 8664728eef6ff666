"""Reading values out of a parsed message: missing parts read as empty, escapes decoded.

python-hl7 parses a message into nested lists (field, repetition, component, subcomponent); a part
the sender left out is simply absent. These helpers walk that tree 1-based, as HL7 numbers
positions, and decode escape sequences (HL7 v2 chapter 2.7) with the library's ``unescape``.
"""

from __future__ import annotations

from typing import Any, Final

import hl7

# Highlighting (\H\ ... \N\) carries no meaning for the reader: dropped rather than underlined.
_APP_MAP: Final = {"H": "", "N": ""}


def _child(node: Any, position: int) -> Any:
    if isinstance(node, str):
        return node if position == 1 else ""
    return node[position - 1] if 0 < position <= len(node) else ""


def _leaf(node: Any) -> str:
    while not isinstance(node, str):
        if not node:
            return ""
        node = node[0]
    return node


def raw(segment: hl7.Segment, field: int, component: int = 1, repetition: int = 1,
        subcomponent: int = 1) -> str:
    """The escaped value at that position, '' when absent. For MSH, ``field`` counts MSH-1 as the
    field separator, as the standard does."""
    if field >= len(segment):
        return ""
    node = _child(_child(_child(segment[field], repetition), component), subcomponent)
    return _leaf(node)


def value(message: hl7.Message, segment: hl7.Segment, field: int, component: int = 1,
          repetition: int = 1, subcomponent: int = 1) -> str:
    """The decoded value at that position, stripped; '' when absent."""
    escaped = raw(segment, field, component, repetition, subcomponent)
    return unescape(message, escaped).strip()


def unescape(message: hl7.Message, escaped: str) -> str:
    """Decode HL7 escape sequences; formatting commands (\\.br\\, \\.sp\\) become line breaks."""
    return str(message.unescape(escaped, app_map=_APP_MAP)) if escaped else ""


def repetitions(segment: hl7.Segment, field: int) -> int:
    """How many repetitions the field has (0 when absent or empty)."""
    if field >= len(segment):
        return 0
    node = segment[field]
    if isinstance(node, str):
        return 1 if node else 0
    return sum(1 for repetition in node if _leaf(repetition) or not isinstance(repetition, str))


def segments(message: hl7.Message, name: str) -> list[hl7.Segment]:
    return [segment for segment in message if _leaf(segment[0]) == name]


def first(message: hl7.Message, name: str) -> hl7.Segment | None:
    found = segments(message, name)
    return found[0] if found else None
