"""Pathology results, one per specimen (breast and site): diagnoses, category, grade, calcifications.

A specimen starts at a sentence naming a breast or site ('Right breast, 4 o'clock, needle core') or
a part label ('B.'); the diagnoses that follow belong to it. The category is the worst named:
malignant > high-risk > benign (a specimen with ADH and DCIS is malignant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rules.anatomy import Laterality, Location
from rules.facts import Guidance, Lesion, PathologyCategory, PathologySpecimen
from rules.lexicon import first_key, load_yaml, patterns
from rules.reader.context import ReportText
from rules.reader.findings import compatible_location
from rules.reader.locations import clock_hits, quadrant_hits, side_hits

_SEVERITY = {PathologyCategory.NON_DIAGNOSTIC: 0, PathologyCategory.BENIGN: 1,
             PathologyCategory.HIGH_RISK: 2, PathologyCategory.MALIGNANT: 3}
_PART = re.compile(r"^\s*(?:part\s+)?(?:[a-h]|\d{1,2})\s*[.):]\s|^\s*\(?[a-h]\)\s|^\s*specimen\s+[a-h1-9]\b")
_NON_DIAGNOSTIC = re.compile(r"non-?diagnostic|insufficient|inadequate|no (?:breast )?tissue|scant|acellular")
_GRADE = re.compile(r"grade\s*(?::\s*)?(1|2|3|i{1,3})\b|\b(?:nottingham|histologic|nuclear) grade\s*(1|2|3|i{1,3})")
_CALCS_ABSENT = re.compile(r"no (?:\w+ )?calcifications|calcifications (?:are |were )?(?:not identified|absent|not seen)|without calcifications")
_CALCS_PRESENT = re.compile(r"calcifications|calcified|microcalcifications")
_ROMAN = {"i": 1, "ii": 2, "iii": 3}
_GENERIC = {Lesion.OTHER_MALIGNANT}
# "(prior core: ADH)", "(history of DCIS)": an earlier diagnosis quoted in the specimen line
_EARLIER = re.compile(r"\((?:prior|previous|preceding|earlier|recent|known|core|history|hx|s/p|status post)\b[^)]*\)")


@dataclass
class _Specimen:
    sentence: int
    laterality: Laterality | None = None
    location: Location = Location()
    lesions: list[Lesion] = field(default_factory=list)
    categories: list[PathologyCategory] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    grade: int | None = None
    calcifications: bool | None = None
    guidance: Guidance | None = None
    evidence_sentence: int | None = None


def _categories() -> dict[str, PathologyCategory]:
    return {k: PathologyCategory(v["category"]) for k, v in load_yaml("pathology.yaml").items()}


def read_pathology(report: ReportText, correlation_note: bool = False) -> list[PathologySpecimen]:
    """``correlation_note``: the report is a rad-path correlation, whose correlation section states
    the result (in a pathology report that section only discusses it)."""
    categories = _categories()
    specimens: list[_Specimen] = []
    current: _Specimen | None = None
    skipped = {"history", "comparison", "technique", "recommendation"} | (set() if correlation_note else {"correlation"})
    for i, s in enumerate(report.sentences):
        if s.section in skipped:
            continue
        text = s.text
        sides = side_hits(text)
        clocks = clock_hits(text)
        starts = bool(_PART.match(text)) or bool(sides)
        if current is None or (starts and (current.lesions or current.categories or _differs(current, text))):
            current = _Specimen(sentence=i)
            specimens.append(current)
        if sides and current.laterality is None:
            current.laterality = sides[0].value  # type: ignore[assignment]
        if clocks and current.location.clock is None:
            quadrants = quadrant_hits(text)
            current.location = Location(clock=clocks[0].value, quadrant=quadrants[0].value if quadrants else None)  # type: ignore[arg-type]
        guidance = first_key(patterns("terms.yaml", "guidance"), text)
        if guidance and current.guidance is None:
            current.guidance = Guidance(guidance)
        earlier = [(e.start(), e.end()) for e in _EARLIER.finditer(text)]
        for m in report.mentions[i]:
            # a diagnosis that 'cannot be excluded' or is only suspected is not a diagnosis
            if not m.label.startswith("lesion:") or m.negated or m.hypothetical or m.uncertain or m.historical:
                continue
            if any(a <= m.start and m.end <= b for a, b in earlier):
                continue
            if m.text == "benign":  # the category only: "a benign result", "Benign."
                current.categories.append(PathologyCategory.BENIGN)
                current.evidence_sentence = current.evidence_sentence if current.evidence_sentence is not None else i
                continue
            lesion = Lesion(m.label.split(":", 1)[1])
            if lesion not in current.lesions:
                current.lesions.append(lesion)
                current.categories.append(categories[lesion.value])
                current.diagnosis.append(m.text)
                current.evidence_sentence = current.evidence_sentence if current.evidence_sentence is not None else i
        if _NON_DIAGNOSTIC.search(text):
            current.categories.append(PathologyCategory.NON_DIAGNOSTIC)
            current.evidence_sentence = current.evidence_sentence if current.evidence_sentence is not None else i
        g = _GRADE.search(text)
        if g:
            raw = g.group(1) or g.group(2)
            current.grade = _ROMAN.get(raw) or int(raw)
        if _CALCS_ABSENT.search(text):
            current.calcifications = False
        elif _CALCS_PRESENT.search(text):
            current.calcifications = True
    return _finish(_merge(specimens), report)


def _differs(current: _Specimen, text: str) -> bool:
    sides = side_hits(text)
    clocks = clock_hits(text)
    if sides and current.laterality is not None and sides[0].value is not current.laterality:
        return True
    return bool(clocks and current.location.clock is not None and clocks[0].value != current.location.clock)


def _merge(specimens: list[_Specimen]) -> list[_Specimen]:
    """A site named in 'Specimen' and again in 'Final Diagnosis' is one specimen."""
    out: list[_Specimen] = []
    for sp in specimens:
        twin = next(
            (o for o in out
             if (o.laterality is None or sp.laterality is None or o.laterality is sp.laterality)
             and compatible_location(o.location, sp.location)
             and (not o.categories or not sp.categories)),
            None,
        )
        if twin is None:
            out.append(sp)
            continue
        twin.laterality = twin.laterality or sp.laterality
        if twin.location.is_empty:
            twin.location = sp.location
        twin.lesions += [x for x in sp.lesions if x not in twin.lesions]
        twin.categories += sp.categories
        twin.diagnosis += sp.diagnosis
        twin.grade = twin.grade or sp.grade
        twin.calcifications = twin.calcifications if twin.calcifications is not None else sp.calcifications
        twin.guidance = twin.guidance or sp.guidance
        if twin.evidence_sentence is None:
            twin.evidence_sentence = sp.evidence_sentence
    return out


def _finish(specimens: list[_Specimen], report: ReportText) -> list[PathologySpecimen]:
    out: list[PathologySpecimen] = []
    for sp in specimens:
        if not sp.categories:
            continue
        category = max(sp.categories, key=_SEVERITY.__getitem__)
        # generic words ('benign breast tissue', 'carcinoma') only when nothing more specific is named
        lesions = [x for x in sp.lesions if x not in _GENERIC] or sp.lesions
        i = sp.evidence_sentence if sp.evidence_sentence is not None else sp.sentence
        out.append(
            PathologySpecimen(
                category=category,
                laterality=sp.laterality or report.default_side,
                evidence=report.evidence(i),
                location=sp.location,
                diagnosis="; ".join(sp.diagnosis),
                lesions=tuple(lesions),
                grade=sp.grade,
                calcifications=sp.calcifications,
                guidance=sp.guidance,
            )
        )
    return out
