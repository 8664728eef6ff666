"""Where and how big: laterality, clock position, quadrant, depth, nipple distance, size.

All functions read a sentence's normalised lower-case text and return character positions too, so a
sentence with several findings can give each finding the location written nearest to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.anatomy import Depth, Laterality, Location, Quadrant
from rules.lexicon import patterns

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}

_SIDE = re.compile(
    r"\b(bilateral(?:ly)?|both breasts|both sides|each breast|right|left)\b"
)
_LEFT_AS_VERB = re.compile(r"(?:clip|marker|was|were|been|is|are|be|needle|wire)\s+$")
_LEFT_AS_VERB_AFTER = re.compile(r"\s+(?:at the (?:biopsy )?site|in place|in situ|within|behind|untreated|unsampled)\b")
_TAKEN_BACK_BEFORE = re.compile(
    r"(?:(?:dictated|stated|transcribed|reported|labell?ed) as|instead of|rather than|in place of|,\s*not)\s+(?:the\s+)?[\"']?$"
)
_TAKEN_BACK_AFTER = re.compile(r"[\"']?\s+(?:breast\s+)?(?:was|is)\s+(?:dictated\s+|written\s+|stated\s+)?(?:in error|incorrect)")
_CLOCK = re.compile(
    r"\b(1[0-2]|[1-9])(?:\s*(?:-|to|and)\s*(1[0-2]|[1-9]))?"
    r"(?:(?::|\.)(00|30|5)\b|\s*(?:and a half|1/2))?\s*(?:o'clock|o'c\b|h\b|position)"
    r"|\b(1[0-2]|[1-9]):(00|30)(?!\s*(?:am|pm|\d))"
    r"|\bbetween (1[0-2]|[1-9]) and (1[0-2]|[1-9]) o'clock"
)
_NIPPLE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(cm|mm)\s*(?:from|behind|posterior to|deep to|away from|to)\s*(?:the\s*)?nipple"
    r"|(?:\bn|nipple distance|from (?:the )?nipple)[:\s]*(\d+(?:\.\d+)?)\s*(cm|mm)"
)
_SIZE = re.compile(
    r"(\d+(?:\.\d+)?)(?:\s*(?:x|by)\s*(\d+(?:\.\d+)?))?(?:\s*(?:x|by)\s*(\d+(?:\.\d+)?))?\s*(cm|mm)\b"
    r"(?!\s*(?:from|behind|posterior to|deep to|away|medial|lateral|superior|inferior|anterior|above|below|to the|of the nipple|nipple))"
)
_EXTENT = re.compile(r"(?:spann\w*|extend\w*(?: over)?|extent of|over an? (?:area|extent) of|measur\w* up to)\s*(?:approximately |about )?(\d+(?:\.\d+)?)\s*(cm|mm)")


@dataclass(frozen=True)
class Hit:
    """A value found in a sentence, and where."""

    value: object
    start: int
    end: int


def side_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _SIDE.finditer(text):
        word = m.group(1)
        if word == "left" and _LEFT_AS_VERB.search(text[: m.start()]) or word == "left" and _LEFT_AS_VERB_AFTER.match(text[m.end():]):
            continue  # "a marker clip was left at the site"
        if _TAKEN_BACK_BEFORE.search(text[: m.start()]) or _TAKEN_BACK_AFTER.match(text[m.end():]):
            continue  # a side a correction takes back: "incorrectly dictated as the right breast"
        side = Laterality.RIGHT if word == "right" else Laterality.LEFT if word == "left" else Laterality.BOTH
        hits.append(Hit(side, m.start(), m.end()))
    return hits


def sides_in(text: str) -> set[Laterality]:
    return {h.value for h in side_hits(text)}  # type: ignore[misc]


def combine_sides(sides: set[Laterality]) -> Laterality | None:
    if not sides:
        return None
    if Laterality.BOTH in sides or sides == {Laterality.LEFT, Laterality.RIGHT}:
        return Laterality.BOTH
    return next(iter(sides))


def clock_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _CLOCK.finditer(text):
        if m.group(1):
            hour = float(m.group(1))
            if m.group(2):  # "1-2 o'clock": the half hour between
                other = float(m.group(2))
                hour = hour + 0.5 if (other - hour) % 12 == 1 else hour
            elif m.group(3) in ("30", "5") or "half" in m.group(0) or "1/2" in m.group(0):
                hour += 0.5
        elif m.group(4):
            hour = float(m.group(4)) + (0.5 if m.group(5) == "30" else 0.0)
        else:
            a, b = float(m.group(6)), float(m.group(7))
            hour = a + 0.5 if (b - a) % 12 == 1 else a
        hits.append(Hit(hour, m.start(), m.end()))
    return hits


def quadrant_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for value, regexes in patterns("terms.yaml", "quadrant").items():
        for r in regexes:
            for m in r.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                hits.append(Hit(Quadrant(value), m.start(), m.end()))
    return hits


def depth_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for value, regexes in patterns("terms.yaml", "depth").items():
        for r in regexes:
            for m in r.finditer(text):
                if not any(h.start <= m.start() < h.end for h in hits):
                    hits.append(Hit(Depth(value), m.start(), m.end()))
    return hits


def _mm(number: str, unit: str) -> float:
    value = float(number)
    return value * 10 if unit == "cm" else value


def nipple_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _NIPPLE.finditer(text):
        if m.group(1):
            hits.append(Hit(_mm(m.group(1), m.group(2)), m.start(), m.end()))
        else:
            hits.append(Hit(_mm(m.group(3), m.group(4)), m.start(), m.end()))
    return hits


def size_hits(text: str) -> list[Hit]:
    """Sizes (the largest dimension, in mm); distances from the nipple or between things excluded."""
    nipple = nipple_hits(text)
    hits: list[Hit] = []
    for m in _SIZE.finditer(text):
        if any(n.start <= m.start() < n.end for n in nipple):
            continue
        dims = [float(g) for g in m.groups()[:3] if g]
        unit = m.group(4)
        hits.append(Hit(_mm(str(max(dims)), unit), m.start(), m.end()))
    return hits


def extent_hits(text: str) -> list[Hit]:
    return [Hit(_mm(m.group(1), m.group(2)), m.start(), m.end()) for m in _EXTENT.finditer(text)]


def nearest(hits: list[Hit], anchor: tuple[int, int], others: list[tuple[int, int]] = ()) -> Hit | None:  # type: ignore[assignment]
    """The hit closest to ``anchor`` among those not closer to another anchor in ``others``."""
    best: Hit | None = None
    best_distance = 10**9
    for hit in hits:
        d = _distance(hit, anchor)
        if any(_distance(hit, o) < d for o in others if o != anchor):
            continue
        if d < best_distance:
            best, best_distance = hit, d
    return best


def _distance(hit: Hit, span: tuple[int, int]) -> int:
    if hit.end <= span[0]:
        return span[0] - hit.end
    if hit.start >= span[1]:
        return hit.start - span[1]
    return 0


def location_near(text: str, anchor: tuple[int, int], others: list[tuple[int, int]] = ()) -> Location:  # type: ignore[assignment]
    """The location parts written nearest to ``anchor`` (a finding mention) in one sentence."""
    clock = nearest(clock_hits(text), anchor, others)
    quadrant = nearest(quadrant_hits(text), anchor, others)
    depth = nearest(depth_hits(text), anchor, others)
    nipple = nearest(nipple_hits(text), anchor, others)
    return Location(
        clock=clock.value if clock else None,  # type: ignore[arg-type]
        quadrant=quadrant.value if quadrant else None,  # type: ignore[arg-type]
        depth=depth.value if depth else None,  # type: ignore[arg-type]
        nipple_distance_mm=nipple.value if nipple else None,  # type: ignore[arg-type]
    )


def number_word(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        return int(text)
    return _NUMBER_WORDS.get(text)
