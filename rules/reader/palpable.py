"""Palpable complaints from the history, and whether the report says which finding explains them."""

from __future__ import annotations

import re

from rules.anatomy import Location
from rules.facts import FindingMention, PalpableComplaint
from rules.lexicon import any_match, pattern_list
from rules.reader.context import ReportText
from rules.reader.locations import clock_hits

_EXPLAINED = re.compile(
    r"(?:correspond|correlat|account|explain)\w*\s+(?:for\s+|to\s+|with\s+)?(?:the\s+)?(?:patient's\s+)?(?:palpable|lump|area of (?:clinical )?concern|clinical finding)"
    r"|(?:is|represents) the (?:palpable|lump|clinical)|(?:beneath|under|at the site of) the (?:palpable|lump|marker)"
    # the lump as the subject: "the palpable abnormality corresponds to the cyst", "is explained by"
    r"|(?:palpable|lump)\w*(?: \w+){0,2} (?:corresponds? to|correlates? with|is explained by|is accounted for by)"
)
_UNEXPLAINED = re.compile(
    r"no (?:\w+ ){0,3}(?:correlate|abnormality|finding|lesion|mass)\w*[a-z ,]{0,40}(?:palpable|lump|area of (?:clinical )?concern|clinical)"
    r"|(?:palpable|lump|area of concern)[a-z ,]{0,40}(?:no (?:\w+ )?(?:correlate|abnormality)|unexplained|not explained)"
)
_NEGATED_COMPLAINT = re.compile(r"\bno (?:\w+ )?(?:palpable|lump)|denies|non-?palpable|not palpable")


def read_palpable(report: ReportText, findings: tuple[FindingMention, ...]) -> list[PalpableComplaint]:
    out: list[PalpableComplaint] = []
    for i, s in enumerate(report.sentences):
        if s.section != "history":
            continue
        text = s.text
        if not any_match(pattern_list("terms.yaml", "palpable"), text) or _NEGATED_COMPLAINT.search(text):
            continue
        side = report.sentence_side(i)
        clock = clock_hits(text)
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
        if any_match(pattern_list("terms.yaml", "palpable"), text) and _EXPLAINED.search(text) \
                and not _UNEXPLAINED.search(text) and not _NEGATED_COMPLAINT.search(text):
            clock = clock_hits(text)
            return [PalpableComplaint(
                report.sentence_side(i), report.evidence(i),
                Location(clock=clock[0].value) if clock else Location(),  # type: ignore[arg-type]
                True,
            )]
    return []


def _explained(report: ReportText, findings: tuple[FindingMention, ...], side) -> bool | None:  # type: ignore[no-untyped-def]
    for s in report.sentences:
        if s.section == "history":
            continue
        if _UNEXPLAINED.search(s.text):
            return False
    if any(f.palpable and (side is None or f.laterality is None or f.laterality.covers(side)) for f in findings):
        return True
    for s in report.sentences:
        if s.section != "history" and _EXPLAINED.search(s.text):
            return True
    return None
