"""Which finding did each biopsy sample?

Order of authority (docs/items.md: unsampled-finding, correlation-review and seed 1):

1. a person's documented decision;
2. an explicit statement in a report ('corresponds to', 'does not correspond to', 'separate from');
3. the features: laterality, lesion type, clock position (circular distance), quadrant, depth and
   distance from the nipple, with the limits in ``rules.thresholds``.

When the features cannot tell (no location to compare, or two findings fit equally well) the answer
is NEEDS_REVIEW, never a guess: a wrong match would close an unsampled finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import NamedTuple

from mypy_extensions import mypyc_attr

from rules.case import AssembledCase, Biopsy, Finding
from rules.decisions import CorrelationDecision
from rules.facts import Evidence, FindingType, Guidance, Relation
from rules.geometry import compare_locations, type_family
from rules.memo import computed_once
from rules.thresholds import DEFAULT_THRESHOLDS, CorrelationThresholds


class Correlation(StrEnum):
    CORRESPONDS = "corresponds"
    DOES_NOT_CORRESPOND = "does-not-correspond"
    NEEDS_REVIEW = "needs-review"


class Match(NamedTuple):
    """The verdict on one biopsy and one finding (an immutable record; cheap to build)."""

    biopsy_key: str
    finding_key: str
    verdict: Correlation
    basis: str
    """``decision``, ``statement`` or ``features``."""
    reasons: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()


#: ``_new_match((biopsy_key, finding_key, verdict, basis, reasons, evidence))``: a Match built
#: from one tuple of every field, without the generated keyword-aware ``__new__``.
_new_match = partial(tuple.__new__, Match)


class _MatchIndex:
    # A plain class with slots, not a named tuple: its attributes are read on every question the
    # rules ask, and Python 3.11 reads slots much faster than named-tuple fields.
    __slots__ = ("by_biopsy", "by_finding", "sampled_by", "targets_of")

    def __init__(self) -> None:
        self.by_biopsy: dict[str, tuple[Match, ...]] = {}
        self.by_finding: dict[str, tuple[Match, ...]] = {}
        self.sampled_by: dict[str, tuple[Match, ...]] = {}
        """Finding key -> the matches of biopsies that sampled it."""
        self.targets_of: dict[str, tuple[str, ...]] = {}
        """Biopsy key -> the keys of the findings it sampled."""


# Compiled builds keep this an ordinary class: its computed_once caches live in the instance dict.
@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Correlations:
    matches: tuple[Match, ...]
    review_raised: frozenset[str] = frozenset()
    """Biopsies the reports alone could not place (before any person's decision)."""

    def for_biopsy(self, biopsy_key: str) -> tuple[Match, ...]:
        return self._index.by_biopsy.get(biopsy_key, ())

    def for_finding(self, finding_key: str) -> tuple[Match, ...]:
        return self._index.by_finding.get(finding_key, ())

    def sampled_by(self, finding_key: str) -> tuple[Match, ...]:
        """Matches of biopsies that sampled the finding."""
        return self._index.sampled_by.get(finding_key, ())

    def targets_of(self, biopsy_key: str) -> tuple[str, ...]:
        """Keys of the findings the biopsy sampled."""
        return self._index.targets_of.get(biopsy_key, ())

    @computed_once
    def _index(self) -> _MatchIndex:
        # One pass over the matches; the rules ask these questions many times per evaluation.
        index = _MatchIndex()
        by_biopsy, by_finding = index.by_biopsy, index.by_finding
        sampled_by, targets_of = index.sampled_by, index.targets_of
        for m in self.matches:
            biopsy_key, finding_key = m.biopsy_key, m.finding_key
            by_biopsy[biopsy_key] = by_biopsy.get(biopsy_key, ()) + (m,)
            by_finding[finding_key] = by_finding.get(finding_key, ()) + (m,)
            if m.verdict is _CORRESPONDS:
                sampled_by[finding_key] = sampled_by.get(finding_key, ()) + (m,)
                targets_of[biopsy_key] = targets_of.get(biopsy_key, ()) + (finding_key,)
        return index

    def unresolved(self, biopsy_key: str) -> tuple[Match, ...]:
        """Candidate findings the biopsy may have sampled, when it is matched to none."""
        matches = self.for_biopsy(biopsy_key)
        if any(m.verdict is Correlation.CORRESPONDS for m in matches):
            return ()
        return tuple(m for m in matches if m.verdict is Correlation.NEEDS_REVIEW)


class _Fit(NamedTuple):
    finding: Finding
    contradicted: bool
    type_known: bool
    support: float
    reasons: tuple[str, ...]


# Enum members read for every biopsy and finding: on Python 3.11 ``Enum.MEMBER`` goes through the
# enum metaclass's __getattr__ hook, several times the cost of a module-level name.
_MASS = FindingType.MASS
_CALCIFICATIONS = FindingType.CALCIFICATIONS
_DISTORTION = FindingType.ARCHITECTURAL_DISTORTION
_ULTRASOUND = Guidance.ULTRASOUND
_CORRESPONDS = Correlation.CORRESPONDS
_DOES_NOT_CORRESPOND = Correlation.DOES_NOT_CORRESPOND
_NEEDS_REVIEW = Correlation.NEEDS_REVIEW


def _type_fits(target: FindingType, finding: Finding) -> bool:
    family = type_family(target)
    for t in finding.types:
        if type_family(t) == family:
            return True
    if target is _CALCIFICATIONS and finding.ever("associated_calcifications"):
        return True
    return target is _DISTORTION and finding.ever("associated_distortion")


_MAMMOGRAPHIC_GUIDANCE = frozenset({Guidance.STEREOTACTIC, Guidance.TOMOSYNTHESIS})


def _guidance_fits(guidance: Guidance | None, f: Finding) -> bool:
    """Ultrasound samples masses; stereotactic and DBT guidance sample what only mammography shows."""
    if guidance is _ULTRASOUND:
        return _MASS in f.types or f.ever("sonographic_correlate")
    if guidance in _MAMMOGRAPHIC_GUIDANCE:
        return _MASS not in f.types
    return False


def _said_no_correlate(f: Finding) -> bool:
    """A report said the finding has no sonographic correlate."""
    for m in f.mentions:
        if m.value.sonographic_correlate is False:
            return True
    return False


def _feature_fit(b: Biopsy, f: Finding, th: CorrelationThresholds) -> _Fit:
    reasons: list[str] = []
    contradicted = False
    type_known = False
    target = b.target_type
    if target is not None:
        if _type_fits(target, f):
            type_known = True
            reasons.append(f"target {str(target)} matches the finding's type")
        else:
            contradicted = True
            reasons.append(f"target {str(target)} is not a {type_family(f.type)}")
    mammographic_only = _MASS not in f.types
    if b.guidance is _ULTRASOUND and mammographic_only and _said_no_correlate(f):
        contradicted = True
        reasons.append("ultrasound-guided, but the finding has no sonographic correlate")
    elif target is None and _guidance_fits(b.guidance, f):
        # No target named: the guidance still tells what kind of lesion was sampled.
        type_known = True
        reasons.append(f"{str(b.guidance) if b.guidance else ''}-guided sampling suits the finding")
    support, conflicts, agreements = compare_locations(
        b.target_location, f.location, b.laterality or f.laterality, th
    )
    reasons += agreements
    reasons += conflicts
    return _Fit(f, contradicted or bool(conflicts), type_known, support, tuple(reasons))


def _by_features(b: Biopsy, candidates: list[Finding], th: CorrelationThresholds) -> list[Match]:
    out: list[Match] = []
    eligible: list[_Fit] = []
    """Not contradicted by type, guidance or location."""
    positive: list[_Fit] = []
    """Eligible and with something for it: the type, the guidance or the location."""
    for f in candidates:
        fit = _feature_fit(b, f, th)
        if fit.contradicted:
            out.append(
                _new_match((b.key, f.key, _DOES_NOT_CORRESPOND, "features", fit.reasons, ()))
            )
        else:
            eligible.append(fit)
            if fit.type_known or fit.support > 0:
                positive.append(fit)
    chosen: _Fit | None = None
    if len(eligible) == 1 and positive:
        chosen = positive[0]
    elif positive:
        best = max([fit.support for fit in positive])
        top = [fit for fit in positive if fit.support == best]
        if best > 0 and len(top) == 1:
            chosen = top[0]
    for fit in eligible:
        if chosen is None:
            verdict = _NEEDS_REVIEW
            reasons = fit.reasons + ("the reports do not say which finding was sampled",)
        elif fit is chosen:
            verdict, reasons = _CORRESPONDS, fit.reasons
        else:
            verdict = _DOES_NOT_CORRESPOND
            reasons = fit.reasons + ("another finding fits better",)
        out.append(_new_match((b.key, fit.finding.key, verdict, "features", reasons, ())))
    return out


def _by_statements(case: AssembledCase, b: Biopsy, candidates: list[Finding]) -> dict[str, Match]:
    """Explicit statements of the biopsy's own documents; the latest about a finding wins."""
    out: dict[str, Match] = {}
    for stamped in b.correspondences:
        c = stamped.value
        report = case.report(stamped.source_uid)
        index = (
            report.correspondences.index(c)
            if report is not None and c in report.correspondences
            else -1
        )
        named_key = case.statement_targets.get((stamped.source_uid, index))
        verdict = _STATED[c.relation]
        if named_key is not None:
            named = [f for f in candidates if f.key == named_key]
        elif c.relation is Relation.DOES_NOT_CORRESPOND and b.target_type is not None:
            # 'does not correspond to the mammographic finding': the one finding of another kind.
            named = [f for f in candidates if not _type_fits(b.target_type, f)]
        else:
            named = candidates if c.relation is not Relation.DOES_NOT_CORRESPOND else []
        if c.relation is Relation.UNCERTAIN:
            # 'indeterminate whether the lesion is the mammographic finding': every finding it may
            # be about needs review; the features' opinion does not settle it.
            for f in named:
                out[f.key] = Match(b.key, f.key, verdict, "statement", (), (c.evidence,))
        elif len(named) == 1:
            out[named[0].key] = Match(b.key, named[0].key, verdict, "statement", (), (c.evidence,))
    return out


_STATED = {
    Relation.CORRESPONDS: Correlation.CORRESPONDS,
    Relation.DOES_NOT_CORRESPOND: Correlation.DOES_NOT_CORRESPOND,
    Relation.UNCERTAIN: Correlation.NEEDS_REVIEW,
}


def _by_decisions(case: AssembledCase, b: Biopsy) -> dict[str, Match]:
    out: dict[str, Match] = {}
    for d in case.decisions:  # time order: the latest decision wins
        if isinstance(d, CorrelationDecision) and d.biopsy_key == b.key:
            verdict = Correlation.CORRESPONDS if d.corresponds else Correlation.DOES_NOT_CORRESPOND
            out[d.finding_key] = Match(
                b.key, d.finding_key, verdict, "decision", (d.note,) if d.note else ()
            )
    return out


def correlate(case: AssembledCase, th: CorrelationThresholds = DEFAULT_THRESHOLDS) -> Correlations:
    matches: list[Match] = []
    review_raised: set[str] = set()
    findings, decisions = case.findings, case.decisions
    for b in case.biopsies:
        side = b.laterality
        candidates: list[Finding] = []
        for f in findings:
            if side is None or f.laterality is None or f.laterality is side:
                candidates.append(f)
        by_feature: dict[str, Match] = {}
        for m in _by_features(b, candidates, th):
            by_feature[m.finding_key] = m
        stated: dict[str, Match] = {}
        if b.correspondences:
            stated = _by_statements(case, b, candidates)
            if _any_verdict(stated.values(), _CORRESPONDS):
                # An explicit match settles what this biopsy sampled; undecided feature guesses
                # drop out.
                for k, m in by_feature.items():
                    if m.verdict is _NEEDS_REVIEW:
                        by_feature[k] = _new_match(
                            (b.key, k, _DOES_NOT_CORRESPOND, "statement", m.reasons, ())
                        )
            from_reports = {**by_feature, **stated}
        else:
            from_reports = by_feature
        if not _any_verdict(from_reports.values(), _CORRESPONDS) and _any_verdict(
            from_reports.values(), _NEEDS_REVIEW
        ):
            review_raised.add(b.key)
        elif b.correspondences and _any_verdict(stated.values(), _NEEDS_REVIEW):
            # The report doubts outright whether the sampled lesion accounts for a finding ("unclear
            # whether the biopsied mass accounts for the asymmetry"): a person decides, even when
            # the biopsy plainly sampled another one.
            review_raised.add(b.key)
        merged = {**from_reports, **_by_decisions(case, b)} if decisions else from_reports
        for k in sorted(merged):
            matches.append(merged[k])
    return Correlations(tuple(matches), frozenset(review_raised))


def _any_verdict(matches: Iterable[Match], verdict: Correlation) -> bool:
    for m in matches:
        if m.verdict is verdict:
            return True
    return False
