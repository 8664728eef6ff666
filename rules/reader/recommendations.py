"""Recommended next steps, with the breast they are for and, for biopsy, the guidance asked for."""

from __future__ import annotations

import re

from rules.anatomy import Laterality, Location
from rules.facts import Birads, FindingMention, FindingType, Guidance, Recommendation, RecommendationKind
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


# The categories that ask for each step: biopsy for suspicious findings, a 6-month check for
# probably benign ones; other finding-directed steps (views, ultrasound) follow any finding.
_ASKED_BY = {
    K.BIOPSY: frozenset({Birads.B4, Birads.B4A, Birads.B4B, Birads.B4C, Birads.B5}),
    K.SHORT_INTERVAL_FOLLOW_UP: frozenset({Birads.B3}),
}
_ABOUT_THE_EXAM = _BILATERAL_BY_DEFAULT | {K.OUTSIDE_PRIORS, K.MRI}


def _side_of_findings(kind: K, target: FindingType | None, findings: tuple[FindingMention, ...]) -> Laterality | None:
    """The one breast a finding-directed step can be about, when the sentence names none:
    "Ultrasound-guided biopsy recommended." after a left 4B mass and right benign calcifications."""
    if kind in _ABOUT_THE_EXAM:
        return None
    candidates = [f for f in findings if f.laterality in (Laterality.LEFT, Laterality.RIGHT)
                  and (target is None or f.type is target or f.type.is_asymmetry and target.is_asymmetry)]
    asked = _ASKED_BY.get(kind)
    if asked is not None:
        candidates = [f for f in candidates if f.birads in asked]
    sides = {f.laterality for f in candidates}
    return sides.pop() if len(sides) == 1 else None


def read_recommendations(report: ReportText, default_target: FindingType | None = None,
                         findings_of_report: tuple[FindingMention, ...] = ()) -> list[Recommendation]:
    out: dict[tuple[K, Laterality | None], Recommendation] = {}
    for i, sentence in enumerate(report.sentences):
        if not is_recommendation(report, i):
            continue
        text = sentence.text
        found: dict[K, re.Match[str]] = {}
        for kind, regexes in patterns("terms.yaml", "recommendation").items():
            m = _first_step(regexes, text) if K(kind) in _MODALITY_STEPS else any_match(regexes, text)
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
            if side is Laterality.BOTH and report.written_side_near(i, m.start()) is None:
                side = _side_of_findings(kind, target, findings_of_report) or side
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


# "no sonographic correlate", "seen on MRI", "occult at ultrasound": a modality named as where a
# finding was (not) seen describes the examination; it does not ask for one.
_DESCRIBES_AFTER = re.compile(r"\s*(?:correlat|findings?\b|features?\b|appearance|evaluation (?:was|is|showed|demonstrat))")
_DESCRIBES_BEFORE = re.compile(r"\b(?:on|at|by|without|no)\s+(?:the\s+|a\s+|an\s+)?(?:targeted\s+|prior\s+|current\s+|today's\s+)?$")


_MODALITY_STEPS = frozenset({K.ULTRASOUND, K.MRI})


def _first_step(regexes: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    """The first phrase that names a step to take, skipping a modality named as a place of seeing."""
    for regex in regexes:
        for m in regex.finditer(text):
            if not (_DESCRIBES_AFTER.match(text, m.end()) or _DESCRIBES_BEFORE.search(text[: m.start()])):
                return m
    return None


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
