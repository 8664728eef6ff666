"""OBX observations to report sections.

Consecutive OBX segments with the same observation identifier (OBX-3) and sub-id (OBX-4) are one
block of text: a TX or ST value per line, or FT with its formatting commands (``\\.br\\``) already
decoded to line breaks. A block whose OBX-3 names a report section ("Final Diagnosis", LOINC
22637-3) becomes that section; a block that is the whole report ("Pathology report", "GDT") is
split at the section headings written in its text, as plain-text reports are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import hl7

from hl7_io.fields import raw, segments, unescape, value
from rules.documents import Section
from rules.reader.sections import split_plain_text
from rules.reader.text import section_category

TEXT_TYPES: Final = frozenset({"TX", "FT", "ST", "CE", "CWE", "CF"})
"""Value types that carry words; NM, ED, RP and the like carry none the reader can use."""
CODED_TYPES: Final = frozenset({"CE", "CWE", "CF"})
WITHDRAWN: Final = frozenset({"D", "W", "X"})
"""OBX-11 statuses of an observation deleted, wrong or not obtained: its text does not count."""

# LOINC section codes laboratories and reporting systems put in OBX-3 without a text.
LOINC_HEADINGS: Final = {
    "22637-3": "Final Diagnosis",
    "22633-2": "Specimen",
    "22634-0": "Gross Description",
    "22635-7": "Microscopic",
    "22636-5": "Clinical History",
    "22638-1": "Comment",
    "59776-5": "Findings",
    "19005-8": "Impression",
    "18783-1": "Recommendation",
    "18834-2": "Comparison",
    "55107-7": "Addendum",
}


@dataclass(frozen=True)
class _Block:
    identifier: tuple[str, str]
    heading: str
    lines: list[str]


def _heading(message: hl7.Message, obx: hl7.Segment) -> str:
    text = value(message, obx, 3, 2)
    return text or LOINC_HEADINGS.get(value(message, obx, 3, 1), "")


def _text(message: hl7.Message, obx: hl7.Segment, value_type: str) -> str:
    if value_type in CODED_TYPES:
        return value(message, obx, 5, 2) or value(message, obx, 5, 1)
    # Every repetition of OBX-5 is a line; the escaped value keeps components together.
    lines = []
    repetition = 1
    while True:
        escaped = _whole_repetition(obx, repetition)
        if escaped is None:
            break
        lines.append(unescape(message, escaped))
        repetition += 1
    return "\n".join(lines)


def _whole_repetition(obx: hl7.Segment, repetition: int) -> str | None:
    """The repetition's escaped text with its component separators kept (a ``^`` inside text)."""
    if len(obx) <= 5:
        return None if repetition > 1 else ""
    field = obx[5]
    if isinstance(field, str):
        return field if repetition == 1 else None
    if repetition > len(field):
        return None
    return str(field[repetition - 1])


def sections(message: hl7.Message) -> list[Section]:
    blocks: list[_Block] = []
    for obx in segments(message, "OBX"):
        value_type = value(message, obx, 2).upper()
        if value_type not in TEXT_TYPES or raw(obx, 11).upper() in WITHDRAWN:
            continue
        text = _text(message, obx, value_type).replace("\r\n", "\n").replace("\r", "\n")
        identifier = (value(message, obx, 3, 1), value(message, obx, 4))
        if blocks and blocks[-1].identifier == identifier:
            blocks[-1].lines.append(text)
        else:
            blocks.append(_Block(identifier, _heading(message, obx), [text]))
    found: list[Section] = []
    for block in blocks:
        text = "\n".join(block.lines).strip()
        if not text:
            continue
        known = block.heading if section_category(block.heading) != "other" else ""
        parts = split_plain_text(text)
        if any(part.heading for part in parts):  # the text names its own sections
            found.extend(Section(part.heading or known, part.text) for part in parts)
        else:
            found.append(Section(known, text))
    return found
