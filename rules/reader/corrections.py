"""Corrections an addendum makes to the report it amends: the side ('the laterality should read
left', 'replace right with left', 'was incorrectly dictated as the right breast'), the site ('at 11
o'clock, not 1 o'clock', 'posterior depth, not anterior') or the finding ('should read focal
asymmetry rather than mass').

A correction replaces what it corrects: the rules apply it to the amended report's facts
(``rules.addenda.corrected``), so a side dictated wrongly does not leave both breasts open.
"""

from __future__ import annotations

import re
from collections import Counter

from rules.anatomy import Depth, Laterality, Location
from rules.facts import Correction, CorrectionKind, FindingType
from rules.reader.context import ReportText
from rules.reader.locations import clock_hits, depth_hits

# A sentence that corrects something the report said.
_CUE = re.compile(
    r"\b(?:correct(?:ion|ed)?|should (?:read|be|say|state)|(?:laterality|side|clock|depth|site|location|"
    r"position|transcription|dictation) error|errors?\b|in error|incorrect(?:ly)?|erroneous(?:ly)?|wrong(?:ly)?|"
    r"mis-?dictated|mis-?stated|(?:dictated|stated|reported|transcribed) as|"
    r"replace[sd]?|transposed|typo|pls read|please read|(?:should|to) be read|laterality|"
    r"on (?:further |second |closer )?review)\b"
)
# The correction is about the side when it says so or names the sides it swaps.
_SIDE_CUE = re.compile(r"\b(?:laterality|side|wrong breast|other breast|contralateral)\b")
# A site correction that names only the value meant says what it corrects: "the clock position was
# dictated incorrectly. The mass is at 8 o'clock."
_SITE_CUE = re.compile(r"\b(?:(?<!o')clock|position|site|location|depth)\b")
# A value the correction takes back: "not right", "dictated as the right breast", "replace right".
_WRONG_BEFORE = re.compile(
    r"(?:\bnot|rather than|instead of|(?:dictated|stated|reported|transcribed|labell?ed|described) as|"
    r"replace[sd]?|references to|\bfor|in place of|as opposed to|from)\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,1}$"
)
_WRONG_AFTER = re.compile(
    r"^[\"'\s]*(?:breast\s+)?(?:in the (?:findings|impression|report|text|above)\s+)?(?:was|is|were)\s+(?:\w+\s+){0,2}"
    r"(?:incorrect|wrong|in error|an? (?:\w+ )?error|erroneous|mistaken)"
    r"|^[\"'\s]*as (?:previously )?(?:stated|dictated)"
)
# "R breast", "L breast", "rt", "lt": sides as shorthand dictation writes them
_SIDE_WORD = re.compile(r"\b(?:(right|rt)|(left|lt)|(r)(?= breast)|(l)(?= breast))\b")


def _sides(text: str) -> list[tuple[Laterality, int, int]]:
    out: list[tuple[Laterality, int, int]] = []
    for m in _SIDE_WORD.finditer(text):
        side = Laterality.RIGHT if (m.group(1) or m.group(3)) else Laterality.LEFT
        out.append((side, m.start(), m.end()))
    return out


def _wrong(text: str, start: int, end: int) -> bool:
    return bool(_WRONG_BEFORE.search(text[max(0, start - 40):start]) or _WRONG_AFTER.match(text[end:end + 30]))


def _opposite(side: Laterality) -> Laterality:
    return Laterality.LEFT if side is Laterality.RIGHT else Laterality.RIGHT


def _meant_and_wrong(text: str, hits: list[tuple[object, int, int]]) -> tuple[object | None, object | None]:
    """Of the values a correction names, the one meant and the one taken back."""
    wrong = [v for v, s, e in hits if _wrong(text, s, e)]
    meant = [v for v, s, e in hits if not _wrong(text, s, e)]
    meant = [v for v in meant if v not in wrong] or meant
    # the value said most often is the one meant ("should read left. The mass is in the LEFT breast")
    chosen = Counter(meant).most_common(1)[0][0] if meant else None
    taken_back = [v for v in wrong if v != chosen]
    return chosen, (taken_back[0] if taken_back else None)


def read_corrections(report: ReportText) -> list[Correction]:
    out: list[Correction] = []
    sentences = report.sentences
    for i, s in enumerate(sentences):
        if not _CUE.search(s.text):
            continue
        # the cue may stand alone ("Laterality error in the original dictation.") with the values in
        # the next sentence of the same section
        group = ([i - 1] if i > 0 and sentences[i - 1].heading == s.heading and not _CUE.search(sentences[i - 1].text) else []) \
            + [i] + ([i + 1] if i + 1 < len(sentences) and sentences[i + 1].heading == s.heading else [])
        text = " ".join(sentences[j].text for j in group)
        evidence = report.evidence(i)
        findings = [m for j in group for m in report.findings_in(j, include_negated=True)]
        own = [m for m in report.findings_in(i, include_negated=True)]
        subject = FindingType(own[0].label) if own else (FindingType(findings[0].label) if findings else None)
        correction = (_side_correction(text, s.text, evidence, subject)
                      or _finding_correction(report, i, evidence)
                      or _site_correction(s.text if len(clock_hits(s.text)) > 1 or len(depth_hits(s.text)) > 1 else text,
                                          evidence, subject))
        if correction is not None and all(c.kind is not correction.kind for c in out):
            out.append(correction)
    return out


def _side_correction(text: str, cue_text: str, evidence, subject: FindingType | None) -> Correction | None:  # type: ignore[no-untyped-def]
    hits = _sides(text)
    if not hits:
        return None
    named = {side for side, _, _ in hits}
    if len(named) < 2 and not _SIDE_CUE.search(text) and not re.search(r"should read (?:the )?(?:right|left)\b", text):
        return None  # a site or finding correction that mentions its breast
    meant, wrong = _meant_and_wrong(text, hits)  # type: ignore[arg-type]
    if meant is None and wrong is None:
        return None
    meant_side = meant if isinstance(meant, Laterality) else _opposite(wrong)  # type: ignore[arg-type]
    wrong_side = wrong if isinstance(wrong, Laterality) and wrong is not meant_side else _opposite(meant_side)
    return Correction(CorrectionKind.LATERALITY, evidence, laterality=meant_side,
                      was_laterality=wrong_side, subject=subject)


def _site_correction(text: str, evidence, subject: FindingType | None) -> Correction | None:  # type: ignore[no-untyped-def]
    clocks = [(h.value, h.start, h.end) for h in clock_hits(text)]
    if clocks:
        meant, wrong = _meant_and_wrong(text, clocks)
        if meant is not None and (wrong is not None or _SITE_CUE.search(text)) and meant != wrong:
            return Correction(CorrectionKind.LOCATION, evidence,
                              location=Location(clock=float(meant)),  # type: ignore[arg-type]
                              was_location=Location(clock=float(wrong)) if wrong is not None else Location(),  # type: ignore[arg-type]
                              subject=subject)
    depths = [(h.value, h.start, h.end) for h in depth_hits(text)]
    # "posterior depth, not anterior": a bare "anterior" after "not" is a depth too
    for m in re.finditer(r"\bnot (anterior|middle|mid|posterior)\b", text):
        if all(s != m.start(1) for _, s, _ in depths):
            depths.append((Depth("middle" if m.group(1) == "mid" else m.group(1)), m.start(1), m.end(1)))
    if depths:
        meant, wrong = _meant_and_wrong(text, depths)
        if isinstance(meant, Depth) and meant != wrong:
            return Correction(CorrectionKind.LOCATION, evidence, location=Location(depth=meant),
                              was_location=Location(depth=wrong) if isinstance(wrong, Depth) else Location(),
                              subject=subject)
    return None


def _finding_correction(report: ReportText, i: int, evidence) -> Correction | None:  # type: ignore[no-untyped-def]
    text = report.sentences[i].text
    mentions = report.findings_in(i, include_negated=True)
    types = [(FindingType(m.label), m.start, m.end) for m in mentions]
    if len({t for t, _, _ in types}) < 2:
        return None
    meant, wrong = _meant_and_wrong(text, types)  # type: ignore[arg-type]
    if not isinstance(meant, FindingType) or not isinstance(wrong, FindingType) or meant is wrong:
        return None
    return Correction(CorrectionKind.FINDING_TYPE, evidence, finding_type=meant, was_finding_type=wrong)
