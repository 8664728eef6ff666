"""A report being read: its sentences, their lexicon mentions, and which breast each is about."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rules.anatomy import Laterality
from rules.facts import Evidence, FindingType
from rules.reader.locations import Hit, combine_sides, side_hits, sides_in
from rules.reader.pipeline import Mention
from rules.reader.text import Sentence

FINDING_LABELS = frozenset(t.value for t in FindingType)
# Sections that describe why the study was done or what it was compared with, not its findings.
BACKGROUND_SECTIONS = frozenset({"history", "comparison", "technique"})


@dataclass
class ReportText:
    uid: str
    sentences: list[Sentence]
    mentions: list[tuple[Mention, ...]]
    default_side: Laterality | None = None
    title_side: Laterality | None = None
    context_sides: list[Laterality | None] = field(default_factory=list)
    """Per sentence, the breast its section is about so far, else the report's default side."""
    running_sides: list[Laterality | None] = field(default_factory=list)
    """Per sentence, the breast its section has named so far, without the report's default."""
    heading_sides: list[Laterality | None] = field(default_factory=list)
    """Per sentence, the breast its heading names ("Left breast:"), if any."""

    def __post_init__(self) -> None:
        running: Laterality | None = None
        section = None
        for s in self.sentences:
            if s.heading != section:
                # a "Left breast:" heading or "RIGHT:" label says which breast its sentences describe
                section, running = s.heading, combine_sides(sides_in(s.heading.lower()))
            sides = sides_in(s.text)
            if sides:
                running = combine_sides(sides) if len(sides) == 1 else running
            self.heading_sides.append(combine_sides(sides_in(s.heading.lower())))
            self.running_sides.append(running)
            self.context_sides.append(running or self.default_side)

    def evidence(self, i: int) -> Evidence:
        return Evidence(self.uid, self.sentences[i].original)

    def findings_in(self, i: int, include_negated: bool = False) -> list[Mention]:
        return [
            m for m in self.mentions[i]
            if m.label in FINDING_LABELS and (include_negated or not m.negated)
        ]

    def side_near(self, i: int, position: int) -> Laterality | None:
        """The breast nearest to ``position`` in sentence ``i``: a side written before it in the
        sentence wins, then one written after it, then the side the context is about."""
        return self.written_side_near(i, position) or self.context_sides[i]

    def written_side_near(self, i: int, position: int) -> Laterality | None:
        """As :meth:`side_near`, but only a side the text writes (never the report's default)."""
        hits = side_hits(self.sentences[i].text)
        before = [h for h in hits if h.end <= position]
        if before:
            return _side(before[-1])
        after = [h for h in hits if h.start >= position]
        if after:
            return _side(after[0])
        return self.running_sides[i]

    def sentence_side(self, i: int) -> Laterality | None:
        return self.written_sentence_side(i) or self.context_sides[i]

    def written_sentence_side(self, i: int) -> Laterality | None:
        return combine_sides(sides_in(self.sentences[i].text)) or self.running_sides[i]


def _side(hit: Hit) -> Laterality:
    return hit.value  # type: ignore[return-value]


def title_side(title: str) -> Laterality | None:
    title_text = title.lower()
    sides = sides_in(re.sub(r"\brt\b|\br\b", "right", re.sub(r"\blt\b|\bl\b", "left", title_text)))
    if re.search(r"\bbil(?:at|ateral)?\b", title_text):
        sides.add(Laterality.BOTH)
    return combine_sides(sides)


def report_default_side(title: str, sentences: list[Sentence]) -> Laterality | None:
    """The breast a report is about when a sentence does not say: the title's side, else the one
    side the report's own sentences name (background sections left out)."""
    if title_side(title):
        return title_side(title)
    sides: set[Laterality] = set()
    for s in sentences:
        if s.section not in BACKGROUND_SECTIONS:
            sides |= sides_in(s.text)
    return combine_sides(sides) if sides else None
