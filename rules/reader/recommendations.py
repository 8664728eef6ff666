"""Recommended next steps, with the breast they are for and, for biopsy, the guidance asked for."""

from __future__ import annotations

import re

from rules.anatomy import Laterality, Location
from rules.facts import FindingType, Guidance, Recommendation, RecommendationKind
from rules.lexicon import any_match, first_key, pattern_list, patterns
from rules.reader.context import BACKGROUND_SECTIONS, ReportText
from rules.reader.locations import clock_hits, nearest, number_word

K = RecommendationKind
_NOT_NEEDED = re.compile(
    r"\bno (?:further |additional |need for )?(?:\w+ ){0,3}(?:is |are )?(?:needed|necessary|required|indicated|warranted|recommended)"
    r"|\b(?:not|un)(?: be)? ?(?:needed|necessary|required|indicated|warranted)\b|\bno need\b|\bdeclined\b|\bnot recommended\b"
)
_GUIDED_ULTRASOUND = re.compile(r"(?:ultrasound|sonograph\w*|sonogram)[ -]?(?:guid|core|biops|sampl|vacuum|fna)|(?:under|with) (?:ultrasound|sonographic)")
# Which kinds a more specific kind in the same sentence makes redundant.
_SUPPRESSES = {
    K.REPEAT_BIOPSY: {K.BIOPSY},
    # "surgical consultation for excisional biopsy" is both a consultation and an excision
    K.SURGICAL_CONSULTATION: {K.BIOPSY},
    K.SURGICAL_EXCISION: {K.BIOPSY},
    K.MAGNIFICATION_VIEWS: {K.SPOT_COMPRESSION, K.ADDITIONAL_VIEWS},
    K.SPOT_COMPRESSION: {K.ADDITIONAL_VIEWS},
    K.SUPPLEMENTAL_ULTRASOUND: {K.ULTRASOUND},
    K.OUTSIDE_PRIORS: {K.ANNUAL_SCREENING, K.ADDITIONAL_VIEWS},
}
_BILATERAL_BY_DEFAULT = {K.ANNUAL_SCREENING, K.SUPPLEMENTAL_ULTRASOUND}
_INTERVAL = re.compile(r"\b(\d{1,2}|one|two|three|four|six|nine|twelve)[ -]?(month|year)")


def is_recommendation(report: ReportText, i: int) -> bool:
    sentence = report.sentences[i]
    if sentence.section in BACKGROUND_SECTIONS or re.search(r"\bago\b", sentence.text):
        return False
    if any_match(pattern_list("terms.yaml", "recommendation_cue"), sentence.text):
        return True
    if sentence.section in ("impression", "recommendation"):
        # "Stereotactic biopsy not feasible." states what happened, it asks for nothing
        return not any_match(pattern_list("terms.yaml", "performed_cue"), sentence.text) \
            and not any_match(pattern_list("statements.yaml", "not_feasible"), sentence.text)
    return False


def read_recommendations(report: ReportText, default_target: FindingType | None = None) -> list[Recommendation]:
    out: dict[tuple[K, Laterality | None], Recommendation] = {}
    for i, sentence in enumerate(report.sentences):
        if not is_recommendation(report, i):
            continue
        text = sentence.text
        found: dict[K, re.Match[str]] = {}
        for kind, regexes in patterns("terms.yaml", "recommendation").items():
            m = any_match(regexes, text)
            if m:
                found[K(kind)] = m
        for kind in list(found):
            for other in _SUPPRESSES.get(kind, ()):
                found.pop(other, None)
        if K.BIOPSY in found and _GUIDED_ULTRASOUND.search(text):
            found.pop(K.ULTRASOUND, None)
        if K.SHORT_INTERVAL_FOLLOW_UP in found or K.ANNUAL_SCREENING in found:
            modality = _modality(text)
            if modality == "ultrasound":
                found.pop(K.ULTRASOUND, None)
            if modality == "MRI":
                found.pop(K.MRI, None)
        if K.SHORT_INTERVAL_FOLLOW_UP in found and K.ANNUAL_SCREENING in found:
            if found[K.ANNUAL_SCREENING].start() < found[K.SHORT_INTERVAL_FOLLOW_UP].start():
                found.pop(K.ANNUAL_SCREENING)  # "12-month follow-up ... in 6 months" is one step
        if _NOT_NEEDED.search(text):
            continue
        findings = report.findings_in(i)
        for kind, m in found.items():
            side = report.side_near(i, m.start())
            if kind in _BILATERAL_BY_DEFAULT and not _explicit_side(text):
                side = Laterality.BOTH
            if kind is K.OUTSIDE_PRIORS:
                side = None  # earlier studies of the patient, not of one breast
            target = _nearest_finding(findings, m.start()) or (default_target if kind is K.BIOPSY else None)
            clock = nearest(clock_hits(text), (m.start(), m.end()))
            rec = Recommendation(
                kind=kind,
                laterality=side,
                evidence=report.evidence(i),
                guidance=_guidance(text) if kind in (K.BIOPSY, K.REPEAT_BIOPSY) else None,
                interval_months=_interval(text, kind),
                target_type=target,
                target_location=Location(clock=clock.value) if clock else Location(),  # type: ignore[arg-type]
                modality=_modality(text) if kind in (K.SHORT_INTERVAL_FOLLOW_UP, K.ANNUAL_SCREENING) else None,
            )
            key = (kind, side)
            if key in out:
                old = out[key]
                if old.guidance is None and rec.guidance is not None:
                    out[key] = rec
                continue
            out[key] = rec
    return list(out.values())


def _explicit_side(text: str) -> bool:
    return bool(re.search(r"\b(?:right|left)\b", text))


def _nearest_finding(findings: list, position: int) -> FindingType | None:  # type: ignore[type-arg]
    if not findings:
        return None
    best = min(findings, key=lambda m: abs(m.start - position))
    return FindingType(best.label)


def _guidance(text: str) -> Guidance | None:
    value = first_key(patterns("terms.yaml", "guidance"), text)
    return Guidance(value) if value else None


def _interval(text: str, kind: K) -> int | None:
    if kind is K.ANNUAL_SCREENING:
        return 12
    if kind is not K.SHORT_INTERVAL_FOLLOW_UP:
        return None
    m = _INTERVAL.search(text)
    if not m:
        return 6
    n = number_word(m.group(1)) or 6
    return n * 12 if m.group(2) == "year" else n


def _modality(text: str) -> str | None:
    if re.search(r"ultrasound|sonograph|sonogram", text):
        return "ultrasound"
    if re.search(r"\bmri\b|\bmr\b|magnetic", text):
        return "MRI"
    if re.search(r"mammogra|tomosynthesis|\bviews?\b", text):
        return "mammogram"
    return None
