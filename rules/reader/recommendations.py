"""Recommended next steps, with the breast they are for and, for biopsy, the guidance asked for."""

from __future__ import annotations

import re

from rules.anatomy import Laterality, Location
from rules.facts import Birads, FindingMention, FindingType, Guidance, Recommendation, RecommendationKind
from rules.lexicon import any_match, first_key, pattern_list, patterns
from rules.reader.context import BACKGROUND_SECTIONS, ReportText
from rules.reader.locations import clock_hits, nearest, number_word

K = RecommendationKind
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
        asks = is_recommendation(report, i)
        if not asks and sentence.section != "addendum":
            continue
        text = sentence.text
        scope = _Withdrawals(text)
        found: dict[K, re.Match[str]] = {}
        withdrawn: dict[K, re.Match[str]] = {}
        for kind, regexes in patterns("terms.yaml", "recommendation").items():
            m = _first_step(regexes, text, scope, modality=K(kind) in _MODALITY_STEPS)
            if m:
                found[K(kind)] = m
            elif scope.cues and (w := _first_step(regexes, text, None, modality=K(kind) in _MODALITY_STEPS)):
                withdrawn[K(kind)] = w  # named, but every mention of it is taken back
        if withdrawn and sentence.section == "addendum":
            _cancel_earlier(out, report, i, withdrawn)
        if not asks:
            continue
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


def _cancel_earlier(out: dict[tuple[K, Laterality | None], Recommendation], report: ReportText, i: int,
                   withdrawn: dict[K, re.Match[str]]) -> None:
    """An addendum that withdraws a step cancels the same step read earlier in the report, unless
    the withdrawal is conditional or only the patient's ("if she declines biopsy")."""
    text = report.sentences[i].text
    if any_match(pattern_list("terms.yaml", "recommendation_hypothetical"), text):
        return
    strict = _Withdrawals(text, declined=False)
    for kind, m in withdrawn.items():
        if strict.withdraws(m):
            side = report.written_side_near(i, m.start())
            for key in [k for k in out if k[0] is kind and (side is None or k[1] in (side, None))]:
                del out[key]


# "no sonographic correlate", "seen on MRI", "occult at ultrasound": a modality named as where a
# finding was (not) seen describes the examination; it does not ask for one.
_DESCRIBES_AFTER = re.compile(r"\s*(?:correlat|findings?\b|features?\b|appearance|evaluation (?:was|is|showed|demonstrat))")
_DESCRIBES_BEFORE = re.compile(r"\b(?:on|at|by|without|no)\s+(?:the\s+|a\s+|an\s+)?(?:targeted\s+|prior\s+|current\s+|today's\s+)?$")


_MODALITY_STEPS = frozenset({K.ULTRASOUND, K.MRI})


def _first_step(regexes: tuple[re.Pattern[str], ...], text: str, scope: _Withdrawals | None,
                modality: bool) -> re.Match[str] | None:
    """The first phrase that names a step to take: not withdrawn (when ``scope`` is given) and, for a
    modality, not named as a place of seeing."""
    for regex in regexes:
        for m in regex.finditer(text):
            if modality and (_DESCRIBES_AFTER.match(text, m.end()) or _DESCRIBES_BEFORE.search(text[: m.start()])):
                continue
            if scope is None or not scope.withdraws(m):
                return m
    return None


def _spans(key: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for r in pattern_list("terms.yaml", key) for m in r.finditer(text)]


class _Withdrawals:
    """ConText-like scopes for one sentence: which named steps a withdrawal ("is withdrawn",
    "no longer needed", "rather than") takes back, against the cues that ask for them."""

    def __init__(self, text: str, declined: bool = True) -> None:
        keys = ("recommendation_withdrawn", "recommendation_declined") if declined else ("recommendation_withdrawn",)
        self.cues = [(direction, m.start(), m.end()) for key in keys
                     for direction, regexes in patterns("terms.yaml", key).items()
                     for r in regexes for m in r.finditer(text)]
        self.breaks = [a for a, _ in _spans("recommendation_clause_break", text)]
        self.commas = [m.start() for m in re.finditer(",", text)]
        self.asking: list[tuple[int, int]] = []
        if self.cues:  # the asking cues matter only against a withdrawal
            # words inside a withdrawal or naming an earlier recommendation ask for nothing
            quiet = [(a, b) for _, a, b in self.cues] + _spans("recommendation_reference", text)
            self.asking = [(x, y) for x, y in _spans("recommendation_cue", text)
                           if not any(a <= x < b for a, b in quiet)]

    def withdraws(self, step: re.Match[str]) -> bool:
        start, end = step.span()
        gaps = []
        for direction, a, b in self.cues:
            if direction == "within" and a <= start and end <= b:
                gaps.append((0, 0))
            elif direction == "forward" and start >= a and not self._between(b, start):
                gaps.append(self._gap(b, start))
            elif direction == "backward" and end <= b and not self._between(end, a):
                gaps.append(self._gap(end, a))
        if not gaps:
            return False
        # the nearer cue wins, commas counted first: "rather than biopsy, follow-up is recommended"
        asked = [self._gap(min(y, end), max(x, start)) for x, y in self.asking
                 if not (x < end and start < y) and not self._broken(min(y, end), max(x, start))]
        return not asked or min(gaps) <= min(asked)

    def _gap(self, a: int, b: int) -> tuple[int, int]:
        return sum(a <= x < b for x in self.commas), max(b - a, 0)

    def _broken(self, a: int, b: int) -> bool:
        return any(a <= x < b for x in self.breaks)

    def _between(self, a: int, b: int) -> bool:
        """A clause break or a request between a withdrawal and a step keeps the step asked for."""
        return self._broken(a, b) or any(a <= x and y <= b for x, y in self.asking)


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
