"""Each audited examination's outcome, from the tissue diagnoses on file.

ACR BI-RADS Atlas 5th ed., follow-up and outcome monitoring:

- Cancer: invasive carcinoma or ductal carcinoma in situ on tissue diagnosis (LCIS and other
  high-risk lesions are not cancers). A malignant result that names no type still counts, its type
  shown as not stated.
- A tissue diagnosis belongs to the examination that led to it: for screening and for diagnostic
  examinations separately, the latest examination of that purpose of the same breast on or before
  the diagnosis and at most 365 days before it. A positive screen worked up by a diagnostic
  examination and a biopsy gives the cancer to both audits.
- The outcome is decided per breast and summed up per examination, in this order: a cancer in a
  positive breast (true positive); a cancer in a breast assessed negative (false negative, even
  when the other breast was positive); a positive examination without cancer (false positive); a
  negative one without cancer (true negative). Until 365 days have passed the outcome is pending.
- Lost to follow-up: a positive examination whose positive breast had neither a tissue diagnosis
  nor a later examination within its year (or a person marked it so).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from rules.anatomy import Laterality
from rules.audit.characteristics import INVASIVE_LESIONS, Characteristics, characteristics
from rules.audit.exams import Exam, Purpose
from rules.facts import Lesion, PathologyCategory

WINDOW = timedelta(days=365)
CANCER_LESIONS = INVASIVE_LESIONS | {Lesion.DCIS}


class Outcome(StrEnum):
    TRUE_POSITIVE = "TP"
    FALSE_POSITIVE = "FP"
    TRUE_NEGATIVE = "TN"
    FALSE_NEGATIVE = "FN"
    PENDING = "outcome pending"


@dataclass(slots=True)
class TissueResult:
    """One specimen's pathology, dated by its biopsy (or the report when the biopsy is unknown)."""

    uid: str
    patient_pk: int
    side: Laterality | None
    diagnosed_at: datetime
    category: PathologyCategory
    lesions: tuple[Lesion, ...]
    text: str = ""

    @property
    def cancer(self) -> bool:
        if self.category is not PathologyCategory.MALIGNANT:
            return False
        return bool(set(self.lesions) & CANCER_LESIONS) or not self.lesions


@dataclass(slots=True)
class ExamOutcome:
    exam: Exam
    outcome: Outcome
    window_closed: bool
    tissue: list[TissueResult] = field(default_factory=list)
    """Tissue diagnoses this examination led to (any result, on any of its breasts)."""
    cancer_sides: tuple[Laterality, ...] = ()
    biopsied: bool = False
    """A positive breast had a tissue diagnosis within the year (the PPV3 denominator)."""
    tissue_recommended: bool = False
    """BI-RADS 4 or 5 on this examination, or for a screen on the work-up that followed it."""
    lost_to_follow_up: bool = False
    cancer: Characteristics | None = None

    @property
    def has_cancer(self) -> bool:
        return bool(self.cancer_sides)


def _latest_before(exams: Sequence[Exam], times: Sequence[datetime], moment: datetime,
                   side: Laterality | None) -> Exam | None:
    """The latest examination on or before ``moment`` covering ``side``, at most a year before."""
    index = bisect_right(times, moment)
    while index > 0:
        index -= 1
        exam = exams[index]
        if moment - exam.performed_at > WINDOW:
            return None
        if side is None or side in exam.sides:
            return exam
    return None


def outcomes(exams: Sequence[Exam], tissue: Iterable[TissueResult], as_of: datetime,
             marked_lost: Collection[str] = frozenset()) -> list[ExamOutcome]:
    """The outcome of every examination; ``marked_lost`` holds the uids of examinations a person
    marked lost to follow-up."""
    by_patient: dict[tuple[int, Purpose], list[Exam]] = defaultdict(list)
    every_exam: dict[int, list[Exam]] = defaultdict(list)
    for exam in sorted(exams, key=lambda e: (e.performed_at, e.uid)):
        by_patient[(exam.patient_pk, exam.purpose)].append(exam)
        every_exam[exam.patient_pk].append(exam)
    times = {key: [e.performed_at for e in group] for key, group in by_patient.items()}
    led_to: dict[str, list[TissueResult]] = defaultdict(list)
    for result in tissue:
        for purpose in Purpose:
            key = (result.patient_pk, purpose)
            if key in by_patient:
                exam = _latest_before(by_patient[key], times[key], result.diagnosed_at, result.side)
                if exam is not None:
                    led_to[exam.uid].append(result)
    return [_outcome(exam, led_to.get(exam.uid, []), every_exam[exam.patient_pk], as_of,
                     exam.uid in marked_lost) for exam in exams]


def _sides_of(result: TissueResult, exam: Exam) -> tuple[Laterality, ...]:
    """The breasts a result speaks of; a result without a side goes to the positive breasts (or
    every breast of a negative examination)."""
    if result.side in exam.sides:
        return (result.side,)  # type: ignore[return-value]
    positive = tuple(s for s in exam.sides if s in exam.positive_sides)
    return positive or exam.sides


def _outcome(exam: Exam, results: list[TissueResult], patients_exams: list[Exam],
             as_of: datetime, marked_lost: bool) -> ExamOutcome:
    closed = as_of - exam.performed_at >= WINDOW
    if not results and not exam.positive:  # most examinations: nothing more to look at
        return ExamOutcome(exam, Outcome.TRUE_NEGATIVE if closed else Outcome.PENDING, closed)
    cancers = [r for r in results if r.cancer]
    cancer_sides = tuple(sorted({s for r in cancers for s in _sides_of(r, exam)}))
    positive_sides = exam.positive_sides
    biopsied = any(positive_sides.intersection(_sides_of(r, exam)) for r in results)
    if positive_sides.intersection(cancer_sides):
        outcome = Outcome.TRUE_POSITIVE
    elif not closed:
        outcome = Outcome.PENDING
    elif cancer_sides:
        outcome = Outcome.FALSE_NEGATIVE
    else:
        outcome = Outcome.FALSE_POSITIVE if exam.positive else Outcome.TRUE_NEGATIVE
    result = ExamOutcome(exam, outcome, closed, results, cancer_sides, biopsied,
                         exam.recommends_tissue or _work_up_recommends(exam, patients_exams))
    if cancers:
        lesions = [lesion for r in cancers for lesion in r.lesions]
        result.cancer = characteristics(lesions, [r.text for r in cancers])
    if exam.positive and not results:
        followed = any(later.performed_at > exam.performed_at
                       and later.performed_at - exam.performed_at <= WINDOW
                       and positive_sides.intersection(later.sides) for later in patients_exams)
        result.lost_to_follow_up = marked_lost or (closed and not followed)
    return result


def _work_up_recommends(exam: Exam, patients_exams: list[Exam]) -> bool:
    """A positive screen's work-up: diagnostic examinations of a positive breast within the year,
    before the next screen, recommending tissue diagnosis."""
    if exam.purpose is not Purpose.SCREENING or not exam.positive:
        return False
    positive_sides = [s for s in exam.sides if exam.positive_breast(s)]
    for later in patients_exams:  # in time order
        if later.performed_at <= exam.performed_at:
            continue
        if later.performed_at - exam.performed_at > WINDOW or later.purpose is Purpose.SCREENING:
            return False
        if any(c is not None and c.suspicious for c in map(later.category, positive_sides)):
            return True
    return False
