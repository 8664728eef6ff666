"""BI-RADS assessment categories (per breast or per finding) and breast composition."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.anatomy import Laterality
from rules.facts import Assessment, Birads, Composition
from rules.lexicon import first_key, patterns
from rules.reader.context import ReportText
from rules.reader.locations import side_hits

_NEAR_AFTER = 16  # characters between a category and the breast it is written for

# "BI-RADS 4A", "BI-RADS: 4B", "BIRADS category 3", "BR4", "Category 4C", "ACR BI-RADS 2"
_BIRADS = re.compile(
    r"\b(?:bi-?rads|birads|br|(?:assessment|final assessment)(?: category)?|category|cat\.?)"
    r"(?:\s*(?:category|cat\.?|assessment|score))?\s*[:#=-]?\s*(?:category\s*)?"
    r"([0-6])\s*-?\s*([abc])?(?![\w.]*\s*(?:cm|mm|o'clock|months?|years?))(?=\b|[^\w])"
)
# A category written as an adjective of a finding, "concordant with a BI-RADS 4C irregular mass":
# in a procedure, pathology or correlation note it names the finding by its earlier assessment.
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the|this|that)\s+$")
_FINDING_AFTER = re.compile(
    r"\s+(?:[a-z-]+\s+){0,3}?(?:mass(?:es)?|calcifications?|asymmetry|asymmetries|distortion|lesions?|findings?|nodules?|area)\b"
)
_COMPOSITION_LETTER = re.compile(
    r"\b(?:composition|density|acr(?: density)?|breast density|bi-rads density)\s*(?:category|type|is|:|-|=)*\s*"
    r"(?:acr\s*)?\(?([a-d])(?=\)|[\s.,;:-]|$)"
)


@dataclass(frozen=True)
class StatedCategory:
    sentence: int
    position: int
    assessment: Assessment
    side_written: bool
    """The breast is written beside the category or in its heading, not inferred from the exam."""


def read_assessments(report: ReportText, one_breast_report: bool = False) -> list[StatedCategory]:
    """Every stated category with the sentence it was found in.

    ``one_breast_report``: the report is about one sampled site (procedure, pathology, correlation
    note), so an unsided category is for the breast the report names; an imaging examination
    without a side in its title is taken as bilateral."""
    out: list[StatedCategory] = []
    seen: set[tuple[Birads, Laterality | None]] = set()
    for i, sentence in enumerate(report.sentences):
        if sentence.section in ("history", "comparison"):
            continue
        for m in _BIRADS.finditer(sentence.text):
            if one_breast_report and _names_a_finding(sentence.text, m):
                continue
            value = m.group(1) + (m.group(2) or "").upper()
            if m.group(2) and m.group(1) != "4":
                value = m.group(1)
            category = Birads(value)
            side, written = _assessment_side(report, i, m.start(), one_breast_report)
            if (category, side) in seen:
                continue
            seen.add((category, side))
            out.append(StatedCategory(i, m.start(), Assessment(category, side, report.evidence(i)), written))
    return out


def _names_a_finding(text: str, m: re.Match[str]) -> bool:
    return bool(_ARTICLE_BEFORE.search(text[: m.start()]) and _FINDING_AFTER.match(text, m.end()))


def read_composition(report: ReportText) -> Composition | None:
    for sentence in report.sentences:
        m = _COMPOSITION_LETTER.search(sentence.text)
        if m:
            return Composition(m.group(1).upper())
    for sentence in report.sentences:
        value = first_key(patterns("terms.yaml", "composition"), sentence.text)
        if value:
            return Composition(value)
    return None


def _assessment_side(report: ReportText, i: int, position: int, one_breast_report: bool) -> tuple[Laterality, bool]:
    """A category is for the breast written beside it; unsaid, for the breast the title names,
    else for the examination as a whole (both breasts). The flag says whether it was written."""
    hits = side_hits(report.sentences[i].text)
    before = [h for h in hits if h.end <= position]
    if before:
        return before[-1].value, True  # type: ignore[return-value]
    # "BI-RADS 4 right breast"; but not "BI-RADS 0 - recall for left diagnostic imaging"
    close_after = [h for h in hits if h.start >= position and h.start - position <= _NEAR_AFTER]
    if close_after:
        return close_after[0].value, True  # type: ignore[return-value]
    if report.heading_sides[i]:
        return report.heading_sides[i], True  # type: ignore[return-value]
    # unsaid: the breast of the examination (the title's, else the one the report names), or both
    fallback = report.default_side if one_breast_report else None
    return report.title_side or fallback or Laterality.BOTH, False
