"""Recommended next steps, with the breast they are for and, for biopsy, the guidance asked for.

A sentence asks for steps when it has a recommendation cue ("recommend", "should", "will need") or
stands in an impression or plan without one. Each step named in it is asked for unless the words
around it say it was seen, done or is past ("no sonographic correlate", "MRI-guided", "biopsy-proven",
"the lumpectomy site"), a withdrawal takes it back ("is no longer needed", "rather than biopsy"), or
a more specific step says the same ("repeat stereotactic biopsy" is not also a biopsy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rules.anatomy import Laterality, Location
from rules.facts import Birads, FindingMention, FindingType, Guidance, Recommendation, RecommendationKind
from rules.lexicon import any_match, load_yaml, pattern_list, patterns
from rules.reader.context import BACKGROUND_SECTIONS, ReportText
from rules.reader.locations import clock_hits, nearest, number_word, side_hits
from rules.reader.withdrawals import Withdrawals, spans

K = RecommendationKind
# Which kinds a more specific kind makes redundant when the two are written together (overlapping,
# or side by side: "spot magnification views", "excisional biopsy"); written apart, both stand
# ("diagnostic mammogram with spot compression and magnification views").
_SUPPRESSES = {
    K.REPEAT_BIOPSY: {K.BIOPSY},
    K.SURGICAL_CONSULTATION: {K.BIOPSY},
    K.SURGICAL_EXCISION: {K.BIOPSY},
    K.MAGNIFICATION_VIEWS: {K.SPOT_COMPRESSION, K.ADDITIONAL_VIEWS},
    K.SPOT_COMPRESSION: {K.ADDITIONAL_VIEWS},
    K.SUPPLEMENTAL_ULTRASOUND: {K.ULTRASOUND},
    K.OUTSIDE_PRIORS: {K.ANNUAL_SCREENING, K.ADDITIONAL_VIEWS},
}
_SIDE_BY_SIDE = re.compile(r"[\s-]*(?:(?!(?:and|or|with|plus|then|but)\b)[a-z]+[\s-]+)?")
# Whole examinations: both breasts unless the step's own words name one (a breast MRI images both).
_BILATERAL_BY_DEFAULT = {K.ANNUAL_SCREENING, K.SUPPLEMENTAL_ULTRASOUND, K.MRI}
_FOLLOW_UP = {K.SHORT_INTERVAL_FOLLOW_UP, K.ANNUAL_SCREENING}
_IMAGING = {K.MAGNIFICATION_VIEWS, K.SPOT_COMPRESSION, K.ADDITIONAL_VIEWS, K.SUPPLEMENTAL_ULTRASOUND, K.MRI,
            K.ULTRASOUND}
_GUIDED = {K.BIOPSY, K.REPEAT_BIOPSY}
_INTERVAL = re.compile(r"\b(\d{1,2}|one|two|three|four|six|nine|twelve)[ -]?(month|year)")
# The bare word for a callback stands for the work-up only when no imaging step is named with it:
# "Call back: right magnification views" asks for the magnification views.
_RECALL_WORD = re.compile(r"call ?back|recall")
# A step named only as what a consultation will discuss is not asked for on its own:
# "surgical consultation to discuss excision versus imaging surveillance".
_CONSULTATION_TOPIC = re.compile(
    r"\b(?:to discuss|discussion of|discuss|for consideration of|consideration of|to consider|considering|"
    r"regarding|about|for possible|for potential|to review|options? (?:of|for|including))\s+"
    r"(?:(?:possible|potential|surgical|the|an?)\s+)*$"
)
# Where one step ends and the next begins in a chained plan ("6-month follow-up, then annual screening").
_CLAUSE = re.compile(r";|:|,?\s*\bthen\b|,?\s*\bthereafter\b|,?\s*\bfollowed by\b|\bbut\b|\bhowever\b")


# A short sentence without a verb states a plan in an addendum: "Annual mammogram."
_VERBLESS_PLAN = re.compile(
    r"(?!.*\b(?:is|are|was|were|has|have|had|shows?|showed|demonstrat\w*|reveal\w*|performed|obtained|seen|"
    r"noted|identified|yielded|measur\w*)\b)[^:]{0,60}"
)


@dataclass(frozen=True)
class _Step:
    kind: K
    start: int
    end: int


def is_recommendation(report: ReportText, i: int) -> bool:
    """The sentence asks for something: a recommendation cue outside a reference to an earlier
    recommendation ("the previously recommended biopsy"), or an impression or plan sentence that
    does not report something done."""
    sentence = report.sentences[i]
    if sentence.section in BACKGROUND_SECTIONS or re.search(r"\bago\b", sentence.text):
        return False
    if has_cue(sentence.text):
        return True
    if sentence.section == "addendum" and _VERBLESS_PLAN.fullmatch(sentence.text):
        return True  # "Annual mammogram."
    if sentence.section in ("impression", "recommendation"):
        # "Stereotactic biopsy not feasible." states what happened, it asks for nothing
        return not any_match(pattern_list("terms.yaml", "performed_cue"), sentence.text) \
            and not any_match(pattern_list("statements.yaml", "not_feasible"), sentence.text)
    return False


def has_cue(text: str) -> bool:
    """A recommendation cue that is not part of a reference to an earlier recommendation."""
    if not any_match(pattern_list("terms.yaml", "recommendation_cue"), text):
        return False  # most sentences
    quiet = spans("recommendation_earlier", text)
    return not quiet or any(not any(a <= x < b for a, b in quiet) for x, _ in spans("recommendation_cue", text))


# The categories that ask for each step: biopsy for suspicious findings, a 6-month check for
# probably benign ones; other finding-directed steps (views, ultrasound) follow any finding.
_ASKED_BY = {
    K.BIOPSY: frozenset({Birads.B4, Birads.B4A, Birads.B4B, Birads.B4C, Birads.B5}),
    K.SHORT_INTERVAL_FOLLOW_UP: frozenset({Birads.B3}),
}
_ABOUT_THE_EXAM = _BILATERAL_BY_DEFAULT | {K.OUTSIDE_PRIORS}


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


_Key = tuple[K, Laterality | None, Guidance | None]


def read_recommendations(report: ReportText, default_target: FindingType | None = None,
                         findings_of_report: tuple[FindingMention, ...] = (),
                         biopsy_performed: bool = False) -> list[Recommendation]:
    """``biopsy_performed``: the report documents a biopsy, so a sentence without a cue that names
    one describes it ("Stereotactic biopsy of left 3 o'clock calcifications.")."""
    out: dict[_Key, Recommendation] = {}
    for i, sentence in enumerate(report.sentences):
        asks = is_recommendation(report, i)
        if not asks and sentence.section != "addendum":
            continue
        text = sentence.text
        scope = Withdrawals(text)
        steps, withdrawn = _named_steps(text, scope)
        if withdrawn and sentence.section == "addendum":
            _cancel_earlier(out, report, i, withdrawn)
        if not asks:
            continue
        if biopsy_performed and not has_cue(text):
            steps = [s for s in steps if s.kind is not K.BIOPSY]
        findings = report.findings_in(i)
        guidance = _guidance_by_step(text, steps)
        for step in _asked(steps, text):
            for rec in _recommendations(report, i, step, guidance.get(step, [None]), findings,
                                        default_target, findings_of_report):
                _add(out, rec)
    return list(out.values())


def _add(out: dict[_Key, Recommendation], rec: Recommendation) -> None:
    """One entry per step, breast and guidance; a step first read without its guidance takes the
    guidance a later mention gives it."""
    if (rec.kind, rec.laterality, rec.guidance) in out:
        return
    if rec.guidance is None:
        if any(k[0] is rec.kind and k[1] is rec.laterality for k in out):
            return
    else:
        out.pop((rec.kind, rec.laterality, None), None)
    out[(rec.kind, rec.laterality, rec.guidance)] = rec


def _recommendations(report: ReportText, i: int, step: _Step, guidances: list[Guidance | None],
                     findings: list, default_target: FindingType | None,  # type: ignore[type-arg]
                     findings_of_report: tuple[FindingMention, ...]) -> list[Recommendation]:
    text = report.sentences[i].text
    kind = step.kind
    side = report.side_near(i, step.start)
    if kind in _BILATERAL_BY_DEFAULT and not _side_in_clause(text, step):
        side = Laterality.BOTH
    if kind is K.OUTSIDE_PRIORS:
        side = None  # earlier studies of the patient, not of one breast
    target = _nearest_finding(findings, step.start) or (default_target if kind is K.BIOPSY else None)
    if side is Laterality.BOTH and report.written_side_near(i, step.start) is None:
        side = _side_of_findings(kind, target, findings_of_report) or side
    clock = nearest(clock_hits(text), (step.start, step.end))
    clause = _clause_of(text, step)
    return [
        Recommendation(
            kind=kind,
            laterality=side,
            evidence=report.evidence(i),
            guidance=guidance if kind in _GUIDED else None,
            interval_months=_interval(clause, kind),
            target_type=target,
            target_location=Location(clock=clock.value) if clock else Location(),  # type: ignore[arg-type]
            modality=_follow_up_modality(text, clause) if kind in _FOLLOW_UP else None,
        )
        for guidance in guidances
    ]


def _named_steps(text: str, scope: Withdrawals) -> tuple[list[_Step], dict[K, re.Match[str]]]:
    """Every step the sentence names and does not describe, and the kinds named only in a withdrawal."""
    steps: list[_Step] = []
    withdrawn: dict[K, re.Match[str]] = {}
    for value, regexes in patterns("terms.yaml", "recommendation").items():
        kind = K(value)
        named = [m for r in regexes for m in r.finditer(text) if not _described(kind, text, m)]
        if kind is K.OUTSIDE_PRIORS:
            named = [m for m in named if _requests_priors(text, m)]
        asked = [m for m in named if not scope.withdraws(m)]
        if named and not asked and scope.cues:
            withdrawn[kind] = named[0]  # named, but every mention of it is taken back
        kept: list[re.Match[str]] = []
        for m in sorted(asked, key=lambda m: (m.start(), -m.end())):
            if not any(k.start() <= m.start() < k.end() for k in kept):
                kept.append(m)
        steps += [_Step(kind, m.start(), m.end()) for m in kept]
    return steps, withdrawn


def _asked(steps: list[_Step], text: str) -> list[_Step]:
    """The steps that remain once the more specific ones have spoken for their words."""
    kinds = {s.kind for s in steps}
    consultations = [s for s in steps if s.kind is K.SURGICAL_CONSULTATION]
    out: list[_Step] = []
    for s in steps:
        if any(s.kind in _SUPPRESSES.get(o.kind, ()) and _together(o, s, text) for o in steps):
            continue
        if s.kind is K.ADDITIONAL_VIEWS and _RECALL_WORD.fullmatch(text[s.start:s.end]) \
                and (kinds & (_IMAGING - {K.ADDITIONAL_VIEWS}) or any(o.kind is K.ADDITIONAL_VIEWS and o != s for o in steps)):
            continue
        if consultations and s.kind is not K.SURGICAL_CONSULTATION \
                and any(c.end <= s.start for c in consultations) \
                and _CONSULTATION_TOPIC.search(text[max(0, s.start - 60):s.start]):
            continue
        out.append(s)
    out = _follow_up_modalities_are_no_steps(out, text)
    return out


def _together(a: _Step, b: _Step, text: str) -> bool:
    if a.start < b.end and b.start < a.end:
        return True
    gap = text[a.end:b.start] if a.end <= b.start else text[b.end:a.start]
    return bool(_SIDE_BY_SIDE.fullmatch(gap))


def _follow_up_modalities_are_no_steps(steps: list[_Step], text: str) -> list[_Step]:
    """In "follow-up ultrasound in 6 months", "return in 6 months for bilateral diagnostic mammogram"
    or "annual MRI", the study named is how the follow-up is done, not a step of its own; "annual MRI
    alternating with annual mammography" keeps the MRI as the high-risk screening step it is."""
    follow_ups = [s for s in steps if s.kind in _FOLLOW_UP]
    if not follow_ups:
        return steps
    clauses = {_clause_of(text, s) for s in follow_ups}
    out = []
    for s in steps:
        in_follow_up = _clause_of(text, s) in clauses
        if in_follow_up and s.kind is K.ULTRASOUND:
            continue
        if in_follow_up and s.kind is K.SUPPLEMENTAL_ULTRASOUND and text[s.start:s.end].startswith("bilateral"):
            continue
        if in_follow_up and s.kind is K.ADDITIONAL_VIEWS and text[s.start:s.end].startswith("diagnostic"):
            continue
        if in_follow_up and s.kind is K.MRI and not re.search(r"mammogra", _clause_of(text, s)):
            continue
        out.append(s)
    return out


def _described(kind: K, text: str, m: re.Match[str]) -> bool:
    before, after = text[: m.start()], text[m.end():]
    groups = ["any"]
    if kind in _IMAGING:
        groups.append("imaging")
    if kind in _FOLLOW_UP:
        groups.append("follow-up")
    groups.append(kind.value)
    for group in groups:
        rules = _described_rules().get(group)
        if rules is None:
            continue
        before_rules, after_rules = rules
        if any(r.search(before) for r in before_rules) or any(r.match(after) for r in after_rules):
            return True
    return False


@cache
def _described_rules() -> dict[str, tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]]:
    table = load_yaml("terms.yaml")["recommendation_described"]
    return {str(group): (tuple(re.compile(p) for p in rules.get("before", ())),
                         tuple(re.compile(p) for p in rules.get("after", ())))
            for group, rules in table.items()}


def _requests_priors(text: str, m: re.Match[str]) -> bool:
    """Outside priors named in a clause that asks for them (not a comparison already made)."""
    clause = _clause_around(text, m.start(), m.end(), breaks=r";|\bbut\b|\bhowever\b")
    return any_match(pattern_list("terms.yaml", "outside_priors_request"), clause)


def _clause_around(text: str, start: int, end: int, breaks: str) -> str:
    left, right = 0, len(text)
    for b in re.finditer(breaks, text):
        if b.end() <= start:
            left = b.end()
        elif b.start() >= end:
            right = b.start()
            break
    return text[left:right]


def _clause_of(text: str, step: _Step) -> str:
    """The part of a chained plan the step belongs to: "6-month follow-up ultrasound" and "routine
    screening if stable" in "6-month follow-up ultrasound, then routine screening if stable"."""
    return _clause_around(text, step.start, step.end, _CLAUSE.pattern)


def _side_in_clause(text: str, step: _Step) -> bool:
    clause = _clause_of(text, step)
    return any(h.value is not Laterality.BOTH for h in side_hits(clause))


def _guidance_by_step(text: str, steps: list[_Step]) -> dict[_Step, list[Guidance | None]]:
    """Each guidance the sentence names for sampling, given to the biopsy step nearest to it:
    "stereotactic or tomosynthesis-guided biopsy" asks for two biopsies, one per guidance, and
    "US-guided biopsy of the mass; stereotactic biopsy of the calcifications" for one each."""
    guided = [s for s in steps if s.kind in _GUIDED]
    out: dict[_Step, list[Guidance | None]] = {}
    if not guided:
        return out
    found: list[tuple[int, Guidance]] = []
    for value, regexes in patterns("terms.yaml", "biopsy_guidance").items():
        for r in regexes:
            for m in r.finditer(text):
                clause = _clause_around(text, m.start(), m.end(), breaks=r";|,|\bbut\b")
                if any_match(pattern_list("statements.yaml", "not_feasible"), clause):
                    continue  # "stereotactic biopsy is not feasible; recommend surgical biopsy"
                found.append((m.start(), Guidance(value)))
    for position, guidance in sorted(found, key=lambda f: f[0]):
        step = min(guided, key=lambda s: abs(s.start - position))
        chosen = out.setdefault(step, [])
        if guidance not in chosen:
            chosen.append(guidance)
    return out


def _cancel_earlier(out: dict[_Key, Recommendation], report: ReportText, i: int,
                    withdrawn: dict[K, re.Match[str]]) -> None:
    """An addendum that withdraws a step cancels the same step read earlier in the report, unless
    the withdrawal is conditional or only the patient's ("if she declines biopsy")."""
    text = report.sentences[i].text
    if any_match(pattern_list("terms.yaml", "recommendation_hypothetical"), text):
        return
    strict = Withdrawals(text, declined=False)
    for kind, m in withdrawn.items():
        if strict.withdraws(m):
            side = report.written_side_near(i, m.start())
            for key in [k for k in out if k[0] is kind and (side is None or k[1] in (side, None))]:
                del out[key]


def _nearest_finding(findings: list, position: int) -> FindingType | None:  # type: ignore[type-arg]
    if not findings:
        return None
    best = min(findings, key=lambda m: abs(m.start - position))
    return FindingType(best.label)


def _interval(clause: str, kind: K) -> int | None:
    if kind is K.ANNUAL_SCREENING:
        return 12
    if kind is not K.SHORT_INTERVAL_FOLLOW_UP:
        return None
    m = _INTERVAL.search(clause)
    if not m:
        return 6
    n = number_word(m.group(1)) or 6
    return n * 12 if m.group(2) == "year" else n


def _follow_up_modality(text: str, clause: str) -> str | None:
    """The study a follow-up asks for, from its own part of a chained plan ("ultrasound in 6 months,
    then routine screening": the screening names none), else from the sentence; "annual MRI
    alternating with annual mammography" is screened by mammography."""
    chained = re.search(r"\bthen\b|\bthereafter\b|\bfollowed by\b", text)
    for part in (clause,) if chained else (clause, text):
        if re.search(r"ultrasound|sonograph|sonogram", part):
            return "ultrasound"
        mri = re.search(r"\bmri\b|\bmr\b|magnetic", part)
        mammography = re.search(r"mammogra|tomosynthesis|\bviews?\b", part)
        if mri and not mammography:
            return "MRI"
        if mammography:
            return "mammogram"
    return None
