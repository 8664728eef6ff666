"""Audited examinations: one per radiology report with a final assessment.

ACR BI-RADS Atlas 5th ed., follow-up and outcome monitoring:

- An examination is *screening* or *diagnostic*. The report's title and the study description say
  which ("Mammography Screening Report", "SCREEN MAMMO BIL"); a site may list its own words.
  Without a screening word an examination counts as diagnostic, as the Atlas counts every
  examination that is not a screen.
- Each breast has one final assessment: the most abnormal one the report gives that breast
  (hierarchy 1 < 2 < 3 < 6 < 0 < 4 < 5, the Atlas's rule for combining assessments). An addendum
  that gives an assessment replaces the earlier one for that breast (BI-RADS 0 awaiting outside
  priors, then the final assessment).
- Category 6 (known cancer) is left out of the audit: a breast assessed 6 is not audited, and an
  examination with only such breasts is excluded.
- Positive: screening 0, 3, 4 or 5; diagnostic 4 or 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rules.anatomy import Laterality
from rules.facts import Birads

LEFT, RIGHT = Laterality.LEFT, Laterality.RIGHT
SIDES = (LEFT, RIGHT)


class Purpose(StrEnum):
    SCREENING = "screening"
    DIAGNOSTIC = "diagnostic"


# Combining assessments (Atlas): the more abnormal wins; 4 subdivisions rank with 4.
_RANK: dict[Birads, int] = {
    Birads.B1: 0, Birads.B2: 1, Birads.B3: 2, Birads.B6: 3, Birads.B0: 4,
    Birads.B4: 5, Birads.B4A: 5, Birads.B4B: 6, Birads.B4C: 7, Birads.B5: 8,
}
_POSITIVE = {
    Purpose.SCREENING: frozenset({Birads.B0, Birads.B3, Birads.B4, Birads.B4A, Birads.B4B,
                                  Birads.B4C, Birads.B5}),
    Purpose.DIAGNOSTIC: frozenset({Birads.B4, Birads.B4A, Birads.B4B, Birads.B4C, Birads.B5}),
}


_TISSUE = frozenset(c for c in Birads if c.suspicious)


def more_abnormal(a: Birads, b: Birads) -> Birads:
    return a if _RANK[a] >= _RANK[b] else b


def recommends_tissue(category: Birads) -> bool:
    """BI-RADS 4 or 5: tissue diagnosis is recommended (the PPV2 denominator)."""
    return category.suspicious


@dataclass(frozen=True)
class PurposeWords:
    """How a site tells screening from diagnostic, and what it leaves out of the audit (words
    matched, case-insensitively, in the report title and the study description)."""

    screening: tuple[str, ...] = ("screening", "screen")
    diagnostic: tuple[str, ...] = ("diagnostic", "diag")
    excluded: tuple[str, ...] = ("mri", "magnetic resonance")


@dataclass(slots=True)
class RadiologyReport:
    """What the audit needs of one radiology report (the product reads it from the stored facts)."""

    uid: str
    patient_pk: int
    patient_id: str
    performed_at: datetime
    title: str
    study_description: str
    reader: str
    """The interpreting physician: the report's verifying observer, else its author."""
    assessments: tuple[tuple[Laterality | None, Birads], ...]
    amends: tuple[str, ...] = ()
    """Earlier reports this one is an addendum to."""


@dataclass(slots=True)
class Exam:
    uid: str
    patient_pk: int
    patient_id: str
    performed_at: datetime
    purpose: Purpose
    reader: str
    breasts: tuple[tuple[Laterality, Birads], ...]
    """Each audited breast with its final assessment (category 6 breasts left out)."""
    # Worked out once from the above (``exam``): the audit asks them of every examination often.
    assessment: Birads
    """The examination's overall assessment: its most abnormal breast."""
    sides: tuple[Laterality, ...]
    positive_sides: frozenset[Laterality]
    positive: bool
    recommends_tissue: bool
    """BI-RADS 4 or 5 on a breast."""

    def category(self, side: Laterality) -> Birads | None:
        return next((c for s, c in self.breasts if s is side), None)

    def positive_breast(self, side: Laterality) -> bool:
        return side in self.positive_sides


def exam(uid: str, patient_pk: int, patient_id: str, performed_at: datetime, purpose: Purpose,
         reader: str, breasts: tuple[tuple[Laterality, Birads], ...]) -> Exam:
    # Written out: this runs for every examination of the period and the year after it.
    positive_set = _POSITIVE[purpose]
    overall = breasts[0][1]
    sides = []
    positive = []
    tissue = False
    for side, category in breasts:
        sides.append(side)
        if _RANK[category] > _RANK[overall]:
            overall = category
        if category in positive_set:
            positive.append(side)
        if category in _TISSUE:
            tissue = True
    return Exam(uid, patient_pk, patient_id, performed_at, purpose, reader, breasts, overall,
                tuple(sides), frozenset(positive), bool(positive), tissue)


def purpose_of(title: str, study_description: str, words: PurposeWords) -> Purpose | None:
    """Screening or diagnostic; None when the site leaves this kind of examination out."""
    text = f"{title} {study_description}".lower()
    tokens = set(text.replace("-", " ").replace("_", " ").split())

    def says(options: Iterable[str]) -> bool:
        return any((o in tokens) if " " not in o else (o in text) for o in options)

    if says(words.excluded):
        return None
    if says(words.screening) and not says(words.diagnostic):
        return Purpose.SCREENING
    return Purpose.DIAGNOSTIC


def breast_assessments(
    assessments: Iterable[tuple[Laterality | None, Birads]],
) -> dict[Laterality, Birads]:
    """Each breast's most abnormal assessment; one without a side (or bilateral) covers both."""
    final: dict[Laterality, Birads] = {}
    for laterality, category in assessments:
        for side in (SIDES if laterality in (None, Laterality.BOTH) else (laterality,)):
            final[side] = more_abnormal(final[side], category) if side in final else category
    return final


_B6 = Birads.B6


def _sorted_sides(final: dict[Laterality, Birads]) -> list[tuple[Laterality, Birads]]:
    """Left before right, whatever order the report gave them in."""
    items = list(final.items())
    if len(items) == 2 and items[0][0] is RIGHT:
        items.reverse()
    return items


def build_exams(reports: Sequence[RadiologyReport], words: PurposeWords = PurposeWords()
                ) -> tuple[list[Exam], list[RadiologyReport]]:
    """The audited examinations, and the reports left out (no final assessment, category 6
    only, or a kind of examination the site excludes). Addenda fold into what they amend."""
    by_uid = {r.uid: r for r in reports}
    amended: dict[str, dict[Laterality, Birads]] = {}
    for report in sorted(reports, key=lambda r: r.performed_at):
        if not report.amends or not report.assessments:
            continue
        original = next((u for u in report.amends if u in by_uid), None)
        if original is not None:
            base = amended.get(original) or breast_assessments(by_uid[original].assessments)
            amended[original] = base | breast_assessments(report.assessments)
    exams: list[Exam] = []
    left_out: list[RadiologyReport] = []
    purposes: dict[tuple[str, str], Purpose | None] = {}  # a site has few titles
    for report in reports:
        if report.amends and any(u in by_uid for u in report.amends):
            continue  # counted with the examination it amends
        key = (report.title, report.study_description)
        if key not in purposes:
            purposes[key] = purpose_of(report.title, report.study_description, words)
        purpose = purposes[key]
        final = amended.get(report.uid) or breast_assessments(report.assessments)
        breasts = tuple(item for item in _sorted_sides(final) if item[1] is not _B6)
        if purpose is None or not breasts:
            left_out.append(report)
            continue
        exams.append(exam(report.uid, report.patient_pk, report.patient_id, report.performed_at,
                          purpose, report.reader, breasts))
    exams.sort(key=lambda e: (e.performed_at, e.uid))
    return exams, left_out
