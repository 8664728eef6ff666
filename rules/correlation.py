"""Which finding did each biopsy sample?

Order of authority (DESIGN.md, "Open items", unsampled-finding and correlation-review; clinical.md,
seed 1):

1. a person's documented decision;
2. an explicit statement in a report ('corresponds to', 'does not correspond to', 'separate from');
3. the features: laterality, lesion type, clock position (circular distance), quadrant, depth and
   distance from the nipple, with the limits in ``rules.thresholds``.

When the features cannot tell (no location to compare, or two findings fit equally well) the answer
is NEEDS_REVIEW, never a guess: a wrong match would close an unsampled finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from rules.case import AssembledCase, Biopsy, Finding
from rules.decisions import CorrelationDecision
from rules.facts import Evidence, FindingType, Guidance, Relation
from rules.geometry import compare_locations, same_family, type_family
from rules.thresholds import DEFAULT_THRESHOLDS, CorrelationThresholds


class Correlation(StrEnum):
    CORRESPONDS = "corresponds"
    DOES_NOT_CORRESPOND = "does-not-correspond"
    NEEDS_REVIEW = "needs-review"


@dataclass(frozen=True)
class Match:
    biopsy_key: str
    finding_key: str
    verdict: Correlation
    basis: str
    """``decision``, ``statement`` or ``features``."""
    reasons: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Correlations:
    matches: tuple[Match, ...]
    review_raised: frozenset[str] = frozenset()
    """Biopsies the reports alone could not place (before any person's decision)."""

    @cached_property
    def _by_biopsy(self) -> dict[str, tuple[Match, ...]]:
        out: dict[str, list[Match]] = {}
        for m in self.matches:
            out.setdefault(m.biopsy_key, []).append(m)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _by_finding(self) -> dict[str, tuple[Match, ...]]:
        out: dict[str, list[Match]] = {}
        for m in self.matches:
            out.setdefault(m.finding_key, []).append(m)
        return {k: tuple(v) for k, v in out.items()}

    def for_biopsy(self, biopsy_key: str) -> tuple[Match, ...]:
        return self._by_biopsy.get(biopsy_key, ())

    def for_finding(self, finding_key: str) -> tuple[Match, ...]:
        return self._by_finding.get(finding_key, ())

    def sampled_by(self, finding_key: str) -> tuple[Match, ...]:
        return tuple(
            m for m in self.for_finding(finding_key) if m.verdict is Correlation.CORRESPONDS
        )

    def targets_of(self, biopsy_key: str) -> tuple[str, ...]:
        return tuple(
            m.finding_key
            for m in self.for_biopsy(biopsy_key)
            if m.verdict is Correlation.CORRESPONDS
        )

    def unresolved(self, biopsy_key: str) -> tuple[Match, ...]:
        """Candidate findings the biopsy may have sampled, when it is matched to none."""
        matches = self.for_biopsy(biopsy_key)
        if any(m.verdict is Correlation.CORRESPONDS for m in matches):
            return ()
        return tuple(m for m in matches if m.verdict is Correlation.NEEDS_REVIEW)


@dataclass(frozen=True)
class _Fit:
    finding: Finding
    contradicted: bool
    type_known: bool
    support: float
    reasons: tuple[str, ...]


def _type_fits(target: FindingType, finding: Finding) -> bool:
    if any(same_family(target, t) for t in finding.types):
        return True
    if target is FindingType.CALCIFICATIONS and finding.ever("associated_calcifications"):
        return True
    return target is FindingType.ARCHITECTURAL_DISTORTION and finding.ever("associated_distortion")


_MAMMOGRAPHIC_GUIDANCE = frozenset({Guidance.STEREOTACTIC, Guidance.TOMOSYNTHESIS})


def _guidance_fits(guidance: Guidance | None, f: Finding) -> bool:
    """Ultrasound samples masses; stereotactic and DBT guidance sample what only mammography shows."""
    if guidance is Guidance.ULTRASOUND:
        return FindingType.MASS in f.types or any(m.value.sonographic_correlate for m in f.mentions)
    if guidance in _MAMMOGRAPHIC_GUIDANCE:
        return FindingType.MASS not in f.types
    return False


def _feature_fit(b: Biopsy, f: Finding, th: CorrelationThresholds) -> _Fit:
    reasons: list[str] = []
    contradicted = False
    type_known = False
    if b.target_type is not None:
        if _type_fits(b.target_type, f):
            type_known = True
            reasons.append(f"target {b.target_type.value} matches the finding's type")
        else:
            contradicted = True
            reasons.append(f"target {b.target_type.value} is not a {type_family(f.type)}")
    mammographic_only = FindingType.MASS not in f.types
    if (
        b.guidance is Guidance.ULTRASOUND
        and mammographic_only
        and any(m.value.sonographic_correlate is False for m in f.mentions)
    ):
        contradicted = True
        reasons.append("ultrasound-guided, but the finding has no sonographic correlate")
    elif b.target_type is None and _guidance_fits(b.guidance, f):
        # No target named: the guidance still tells what kind of lesion was sampled.
        type_known = True
        reasons.append(
            f"{b.guidance.value if b.guidance else ''}-guided sampling suits the finding"
        )
    agreement = compare_locations(b.target_location, f.location, b.laterality or f.laterality, th)
    reasons += agreement.agreements
    reasons += agreement.conflicts
    contradicted = contradicted or agreement.contradicts
    return _Fit(f, contradicted, type_known, agreement.support, tuple(reasons))


def _by_features(b: Biopsy, candidates: list[Finding], th: CorrelationThresholds) -> list[Match]:
    fits = [_feature_fit(b, f, th) for f in candidates]
    out = [
        Match(b.key, fit.finding.key, Correlation.DOES_NOT_CORRESPOND, "features", fit.reasons)
        for fit in fits
        if fit.contradicted
    ]
    eligible = [fit for fit in fits if not fit.contradicted]
    positive = [fit for fit in eligible if fit.type_known or fit.support > 0]
    chosen: list[_Fit] = []
    if len(eligible) == 1 and positive:
        chosen = positive
    elif positive:
        best = max(fit.support for fit in positive)
        top = [fit for fit in positive if fit.support == best]
        if best > 0 and len(top) == 1:
            chosen = top
    if chosen:
        for fit in eligible:
            verdict = Correlation.CORRESPONDS if fit in chosen else Correlation.DOES_NOT_CORRESPOND
            reasons = (
                fit.reasons if fit in chosen else fit.reasons + ("another finding fits better",)
            )
            out.append(Match(b.key, fit.finding.key, verdict, "features", reasons))
    else:
        for fit in eligible:
            out.append(
                Match(
                    b.key,
                    fit.finding.key,
                    Correlation.NEEDS_REVIEW,
                    "features",
                    fit.reasons + ("the reports do not say which finding was sampled",),
                )
            )
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
        verdict = (
            Correlation.CORRESPONDS
            if c.relation is Relation.CORRESPONDS
            else Correlation.DOES_NOT_CORRESPOND
        )
        if named_key is not None:
            named = [f for f in candidates if f.key == named_key]
        elif c.relation is Relation.DOES_NOT_CORRESPOND and b.target_type is not None:
            # 'does not correspond to the mammographic finding': the one finding of another kind.
            named = [f for f in candidates if not _type_fits(b.target_type, f)]
        else:
            named = candidates if c.relation is Relation.CORRESPONDS else []
        if len(named) == 1:
            out[named[0].key] = Match(b.key, named[0].key, verdict, "statement", (), (c.evidence,))
    return out


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
    for b in case.biopsies:
        candidates = [
            f
            for f in case.findings
            if b.laterality is None or f.laterality is None or f.laterality is b.laterality
        ]
        by_feature = {m.finding_key: m for m in _by_features(b, candidates, th)}
        stated = _by_statements(case, b, candidates)
        decided = _by_decisions(case, b)
        if any(m.verdict is Correlation.CORRESPONDS for m in stated.values()):
            # An explicit match settles what this biopsy sampled; undecided feature guesses drop out.
            by_feature = {
                k: (
                    m
                    if m.verdict is not Correlation.NEEDS_REVIEW
                    else Match(b.key, k, Correlation.DOES_NOT_CORRESPOND, "statement", m.reasons)
                )
                for k, m in by_feature.items()
            }
        from_reports = {**by_feature, **stated}
        verdicts = {m.verdict for m in from_reports.values()}
        if Correlation.CORRESPONDS not in verdicts and Correlation.NEEDS_REVIEW in verdicts:
            review_raised.add(b.key)
        merged = {**from_reports, **decided}
        matches.extend(merged[k] for k in sorted(merged))
    return Correlations(tuple(matches), frozenset(review_raised))
