"""Palpable complaints from the history, and whether the report says which finding explains them."""

from __future__ import annotations

import re

from rules.anatomy import Laterality, Location
from rules.facts import FindingMention, PalpableComplaint
from rules.lexicon import any_match, pattern_list
from rules.reader.context import ReportText
from rules.reader.locations import clock_hits

_EXPLAINED = re.compile(
    r"(?:correspond|correlat|account|explain)\w*\s+(?:for\s+|to\s+|with\s+)?(?:the\s+)?(?:patient's\s+)?(?:palpable|lump|area of (?:clinical )?concern|clinical finding)"
    r"|(?:is|represents) the (?:palpable|lump|clinical)|(?:beneath|under|at the site of) the (?:palpable|lump|marker)"
    # the lump as the subject: "the palpable abnormality corresponds to the cyst", "is explained by"
    r"|(?:palpable|lump)\w*(?: \w+){0,2} (?:corresponds? to|correlates? with|is explained by|is accounted for by)"
    # the patient shows the lump on the table: "palpable lump confirmed", "points to the lump: it is the mass"
    r"|(?:palpable|lump)\w*(?: \w+){0,2} (?:was |is )?confirmed|points? to the (?:lump|palpable)[^.;]{0,20}(?:it is|is|was) the"
)
# Doubt about which finding the lump is leaves the question open: "it is unclear which of them is the
# palpable abnormality", "may account for the palpable finding, but the relationship is uncertain",
# "?corresponds to palp area".
_DOUBT = re.compile(
    r"\b(?:unclear|uncertain|indeterminate|equivocal|not (?:clear|certain|sure)|unsure|"
    r"cannot (?:be )?(?:determined?|tell|say|established?)|whether|which of|may|might|could|possibl[ey]|"
    r"questionabl[ey]|probabl[ey]|likely)\b|\?"
)


def _answers(text: str) -> bool:
    """A sentence that says which finding the lump is, without doubting it."""
    return bool(_EXPLAINED.search(text)) and not _DOUBT.search(text)
_UNEXPLAINED = re.compile(
    r"no (?:\w+ ){0,3}(?:correlate|abnormality|finding|lesion|mass)\w*[a-z ,]{0,40}(?:palpable|lump|area of (?:clinical )?concern|clinical)"
    r"|(?:palpable|lump|area of concern)[a-z ,]{0,40}(?:no (?:\w+ )?(?:correlate|abnormality)|unexplained|not explained)"
)
_NEGATED_COMPLAINT = re.compile(r"\bno (?:\w+ )?(?:palpable|lump)|denies|non-?palpable|not palpable")


_SIDE_WORD = re.compile(r"\b(?:right|left|rt|lt)\b")


def _per_side(text: str, side: Laterality | None) -> list[tuple[Laterality | None, str]]:
    """'Palpable areas: right breast 9 o'clock and left breast 3 o'clock', 'bilateral lumps': one
    complaint per breast, each with the words that follow its side, so that explaining one lump
    never answers the other."""
    if side is not Laterality.BOTH:
        return [(side, text)]
    words = list(_SIDE_WORD.finditer(text))
    parts: list[tuple[Laterality | None, str]] = []
    for k, w in enumerate(words):
        end = words[k + 1].start() if k + 1 < len(words) else len(text)
        breast = Laterality.RIGHT if w.group(0) in ("right", "rt") else Laterality.LEFT
        if all(p[0] is not breast for p in parts):
            parts.append((breast, text[w.start():end]))
    if len(parts) < 2:
        return [(Laterality.RIGHT, text), (Laterality.LEFT, text)]
    return parts


def read_palpable(report: ReportText, findings: tuple[FindingMention, ...]) -> list[PalpableComplaint]:
    out: list[PalpableComplaint] = []
    for i, s in enumerate(report.sentences):
        if s.section != "history":
            continue
        text = s.text
        if not any_match(pattern_list("terms.yaml", "palpable"), text) or _NEGATED_COMPLAINT.search(text):
            continue
        for side, words in _per_side(text, report.sentence_side(i)):
            clock = clock_hits(words)
            explained = _explained(report, findings, side)
            complaint = PalpableComplaint(
                side, report.evidence(i),
                Location(clock=clock[0].value) if clock else Location(),  # type: ignore[arg-type]
                explained,
            )
            if any(c.laterality is side and c.location == complaint.location for c in out):
                continue
            out.append(complaint)
    if not out:
        out += _explained_elsewhere(report)
    return out


def _explained_elsewhere(report: ReportText) -> list[PalpableComplaint]:
    """A follow-up report with no history that says what explains the lump ("the palpable
    abnormality corresponds to the cyst at 10 o'clock") still answers the complaint."""
    for i, s in enumerate(report.sentences):
        text = s.text
        if any_match(pattern_list("terms.yaml", "palpable"), text) and _answers(text) \
                and not _UNEXPLAINED.search(text) and not _NEGATED_COMPLAINT.search(text):
            clock = clock_hits(text)
            return [PalpableComplaint(
                report.sentence_side(i), report.evidence(i),
                Location(clock=clock[0].value) if clock else Location(),  # type: ignore[arg-type]
                True,
            )]
    return []


def _explained(report: ReportText, findings: tuple[FindingMention, ...], side: Laterality | None) -> bool | None:
    """Whether the report says what explains the lump of ``side``: sentences about the other breast
    do not answer it."""
    def about(i: int) -> bool:
        said = report.sentence_side(i)
        return side is None or said is None or said is Laterality.BOTH or said is side or side is Laterality.BOTH

    for i, s in enumerate(report.sentences):
        if s.section == "history" or not about(i):
            continue
        if _UNEXPLAINED.search(s.text):
            return False
    if any(f.palpable and (side is None or f.laterality is None or f.laterality.covers(side)) for f in findings):
        return True
    for i, s in enumerate(report.sentences):
        if s.section != "history" and about(i) and _answers(s.text):
            return True
    return None
