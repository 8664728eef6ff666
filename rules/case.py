"""A patient's case: every report's facts, the image headers and people's decisions, assembled into
findings with a stable identity and biopsies linked to their pathology and statements.

The same asymmetry described on the screening mammogram, the diagnostic work-up and the procedure
report is one finding (DESIGN.md, "The problem", seed 1). Facts are put in a canonical order (time,
then document UID) before anything is merged, so the same facts in any arrival order give the same
findings, biopsies and keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from rules.anatomy import Laterality, Location
from rules.decisions import Decision
from rules.documents import ImageRecord
from rules.facts import (
    Assessment,
    Birads,
    Composition,
    ConcordanceStatement,
    Correspondence,
    Evidence,
    FindingMention,
    FindingType,
    Guidance,
    NotFeasible,
    PalpableComplaint,
    PathologySpecimen,
    ProcedureFacts,
    Recommendation,
    RecommendationKind,
    Relation,
    ReportFacts,
    ReportKind,
    SpecimenRadiograph,
)
from rules.geometry import (
    compare_locations,
    is_unplaced,
    merge_locations,
    same_family,
    sides_compatible,
    type_family,
)
from rules.thresholds import DEFAULT_THRESHOLDS, CorrelationThresholds
from rules.timeline import Stamped, digest, on_or_after, sort_time, utc

_FINDING_REPORTS = frozenset({ReportKind.RADIOLOGY, ReportKind.OTHER})
_FINAL_BENIGN = frozenset({Birads.B1, Birads.B2, Birads.B3})
_SUSPICIOUS = frozenset(b for b in Birads if b.suspicious)  # BI-RADS 4, 4A-4C, 5


@dataclass(frozen=True)
class Case:
    """Everything known about one patient, in any order."""

    reports: tuple[ReportFacts, ...] = ()
    images: tuple[ImageRecord, ...] = ()
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class SuspicionEvent:
    """A report's verdict on whether a finding needs tissue: ``flagged`` (biopsy recommended or
    BI-RADS 4/5) or cleared (a later final assessment of 1-3 without a biopsy recommendation)."""

    at: datetime | None
    flagged: bool
    evidence: tuple[Evidence, ...]
    birads: Birads | None = None


@dataclass(frozen=True)
class Finding:
    """One lesion across reports."""

    key: str
    laterality: Laterality | None
    type: FindingType
    types: frozenset[FindingType]
    """Every type it was described as, including a sonographic correlate a report tied to it."""
    location: Location
    first_seen: datetime | None
    mentions: tuple[Stamped[FindingMention], ...]
    assessments: tuple[Stamped[Assessment], ...]
    """Assessments of this finding or of its breast in a report that described it."""
    recommendations: tuple[Stamped[Recommendation], ...]
    suspicion: tuple[SuspicionEvent, ...]

    @property
    def flagged_for_biopsy(self) -> bool:
        return bool(self.suspicion) and self.suspicion[-1].flagged

    @property
    def latest_birads(self) -> Birads | None:
        return self.assessments[-1].value.category if self.assessments else None

    def ever(self, attribute: str) -> bool:
        return any(getattr(m.value, attribute) for m in self.mentions)

    @property
    def developing(self) -> bool:
        return FindingType.DEVELOPING_ASYMMETRY in self.types or (
            self.type.is_asymmetry and self.ever("new_or_increasing")
        )

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(m.value.evidence for m in self.mentions)


@dataclass(frozen=True)
class Biopsy:
    """One sampling procedure, with what later documents say about it."""

    key: str
    laterality: Laterality | None
    performed_at: datetime | None
    guidance: Guidance | None
    target_type: FindingType | None
    target_location: Location
    implied: bool
    """Known only from a pathology report: the procedure report has not arrived."""
    report_uids: frozenset[str]
    evidence: tuple[Evidence, ...]
    specimen_radiograph: SpecimenRadiograph | None
    pathology: tuple[Stamped[PathologySpecimen], ...]
    correspondences: tuple[Stamped[Correspondence], ...]
    concordance: tuple[Stamped[ConcordanceStatement], ...]
    recommendations: tuple[Stamped[Recommendation], ...]

    @property
    def pathology_at(self) -> datetime | None:
        return self.pathology[0].at if self.pathology else None


@dataclass(frozen=True)
class AssembledCase:
    reports: tuple[ReportFacts, ...]
    images: tuple[ImageRecord, ...]
    decisions: tuple[Decision, ...]
    findings: tuple[Finding, ...]
    biopsies: tuple[Biopsy, ...]
    recommendations: tuple[Stamped[Recommendation], ...]
    palpable: tuple[Stamped[PalpableComplaint], ...]
    not_feasible: tuple[Stamped[NotFeasible], ...]
    compositions: tuple[Stamped[Composition], ...]
    statement_targets: dict[tuple[str, int], str] = field(default_factory=dict, compare=False)
    """(document UID, correspondence index) -> the finding key the statement names, when it names one."""

    def finding(self, key: str | None) -> Finding | None:
        return self._findings_by_key.get(key) if key is not None else None

    def report(self, uid: str) -> ReportFacts | None:
        return self._reports_by_uid.get(uid)

    @cached_property
    def _findings_by_key(self) -> dict[str, Finding]:
        return {f.key: f for f in self.findings}

    @cached_property
    def _reports_by_uid(self) -> dict[str, ReportFacts]:
        return {r.source_uid: r for r in self.reports}


# --- drafts: mutable while assembling, frozen at the end ------------------------------------------


@dataclass(eq=False)  # identity semantics: two drafts are never 'equal'
class _FindingDraft:
    key: str
    order: int
    laterality: Laterality | None
    first_type: FindingType
    types: set[FindingType]
    location: Location
    first_seen: datetime | None
    mentions: list[Stamped[FindingMention]] = field(default_factory=list)
    assessments: list[Stamped[Assessment]] = field(default_factory=list)
    recommendations: list[Stamped[Recommendation]] = field(default_factory=list)
    suspicion: list[tuple[int, SuspicionEvent]] = field(default_factory=list)
    ever_suspicious: bool = False
    merged_into: _FindingDraft | None = None

    def root(self) -> _FindingDraft:
        return self if self.merged_into is None else self.merged_into.root()

    def freeze(self) -> Finding:
        primary = self.first_type
        if primary.is_asymmetry:
            if FindingType.DEVELOPING_ASYMMETRY in self.types or any(
                m.value.new_or_increasing for m in self.mentions
            ):
                primary = FindingType.DEVELOPING_ASYMMETRY
            elif FindingType.FOCAL_ASYMMETRY in self.types:
                primary = FindingType.FOCAL_ASYMMETRY
        order = sorted(self.suspicion, key=lambda e: (sort_time(e[1].at), e[0]))
        return Finding(
            key=self.key,
            laterality=self.laterality,
            type=primary,
            types=frozenset(self.types),
            location=self.location,
            first_seen=self.first_seen,
            mentions=tuple(sorted(self.mentions, key=_stamp_order)),
            assessments=tuple(sorted(self.assessments, key=_stamp_order)),
            recommendations=tuple(sorted(self.recommendations, key=_stamp_order)),
            suspicion=tuple(e for _, e in order),
        )


@dataclass(eq=False)
class _BiopsyDraft:
    key: str
    laterality: Laterality | None
    performed_at: datetime | None
    guidance: Guidance | None
    target_type: FindingType | None
    target_location: Location
    implied: bool
    report_uids: set[str]
    evidence: list[Evidence]
    specimen_radiograph: SpecimenRadiograph | None = None
    pathology: list[Stamped[PathologySpecimen]] = field(default_factory=list)
    correspondences: list[Stamped[Correspondence]] = field(default_factory=list)
    concordance: list[Stamped[ConcordanceStatement]] = field(default_factory=list)
    recommendations: list[Stamped[Recommendation]] = field(default_factory=list)

    def freeze(self) -> Biopsy:
        return Biopsy(
            key=self.key,
            laterality=self.laterality,
            performed_at=self.performed_at,
            guidance=self.guidance,
            target_type=self.target_type,
            target_location=self.target_location,
            implied=self.implied,
            report_uids=frozenset(self.report_uids),
            evidence=tuple(self.evidence),
            specimen_radiograph=self.specimen_radiograph,
            pathology=tuple(sorted(self.pathology, key=_stamp_order)),
            correspondences=tuple(sorted(self.correspondences, key=_stamp_order)),
            concordance=tuple(sorted(self.concordance, key=_stamp_order)),
            recommendations=tuple(sorted(self.recommendations, key=_stamp_order)),
        )


def _stamp_order(s: Stamped[Any]) -> tuple[datetime, str]:
    return (sort_time(s.at), s.source_uid)


def _canonical_reports(reports: tuple[ReportFacts, ...], now: datetime | None) -> list[ReportFacts]:
    by_uid: dict[str, ReportFacts] = {}
    for report in reports:
        at = utc(report.observed_at)
        if now is not None and at is not None and at > now:
            continue  # not yet written at the moment being evaluated
        report = replace(report, observed_at=at) if at is not report.observed_at else report
        seen = by_uid.get(report.source_uid)
        # A document received twice: keep one, chosen by content so arrival order cannot matter.
        if seen is None or repr(report) < repr(seen):
            by_uid[report.source_uid] = report
    filled = [_fill_sides(r) for r in by_uid.values()]
    return sorted(filled, key=lambda r: (sort_time(r.observed_at), r.source_uid))


_SIDED_PARTS = (
    "findings",
    "assessments",
    "recommendations",
    "procedures",
    "correspondences",
    "pathology",
    "concordance",
    "palpable",
)


def _fill_sides(report: ReportFacts) -> ReportFacts:
    """A report about one breast only: facts whose side the reader could not tell are about it."""
    sides: set[Laterality] = set()
    missing = False
    for part in _SIDED_PARTS:
        for fact in getattr(report, part):
            if fact.laterality is None:
                missing = True
            else:
                sides.update(fact.laterality.sides())
    if not missing or len(sides) != 1:
        return report
    (side,) = sides
    changes: dict[str, Any] = {
        part: tuple(
            replace(f, laterality=side) if f.laterality is None else f
            for f in getattr(report, part)
        )
        for part in _SIDED_PARTS
    }
    return replace(report, **changes)


def _canonical_images(
    images: tuple[ImageRecord, ...], now: datetime | None
) -> tuple[ImageRecord, ...]:
    by_uid: dict[str, ImageRecord] = {}
    for image in images:
        at = utc(image.acquired_at)
        if now is not None and at is not None and at > now:
            continue
        image = replace(image, acquired_at=at) if at is not image.acquired_at else image
        seen = by_uid.get(image.sop_instance_uid)
        if seen is None or repr(image) < repr(seen):
            by_uid[image.sop_instance_uid] = image
    return tuple(
        sorted(by_uid.values(), key=lambda i: (sort_time(i.acquired_at), i.sop_instance_uid))
    )


def _canonical_decisions(
    decisions: tuple[Decision, ...], now: datetime | None
) -> tuple[Decision, ...]:
    kept: list[Decision] = []
    for d in decisions:
        if d.decided_at.tzinfo is not UTC:
            d = replace(
                d,
                decided_at=d.decided_at.astimezone(UTC)
                if d.decided_at.tzinfo
                else d.decided_at.replace(tzinfo=UTC),
            )
        if now is None or d.decided_at <= now:
            kept.append(d)
    return tuple(sorted(set(kept), key=lambda d: (d.decided_at, repr(d))))


class _Assembler:
    def __init__(self, th: CorrelationThresholds) -> None:
        self.th = th
        self.findings: list[_FindingDraft] = []
        self.biopsies: list[_BiopsyDraft] = []
        self.recommendations: list[Stamped[Recommendation]] = []
        self.palpable: list[Stamped[PalpableComplaint]] = []
        self.not_feasible: list[Stamped[NotFeasible]] = []
        self.compositions: list[Stamped[Composition]] = []
        self.statement_targets: dict[tuple[str, int], str] = {}
        self._event_order = 0
        self._used_keys: set[str] = set()

    # --- keys -------------------------------------------------------------------------------------

    def _unique(self, key: str) -> str:
        candidate, n = key, 1
        while candidate in self._used_keys:
            n += 1
            candidate = f"{key}-{n}"
        self._used_keys.add(candidate)
        return candidate

    def _event(self, draft: _FindingDraft, event: SuspicionEvent) -> None:
        self._event_order += 1
        draft.root().suspicion.append((self._event_order, event))

    def live_findings(self) -> list[_FindingDraft]:
        return [f for f in self.findings if f.merged_into is None]

    # --- finding matching -------------------------------------------------------------------------

    def _match_score(
        self,
        draft: _FindingDraft,
        laterality: Laterality | None,
        ftype: FindingType | None,
        location: Location,
    ) -> float | None:
        """How well a description fits a finding, or None when it cannot be the same lesion."""
        if (
            laterality is not None
            and draft.laterality is not None
            and laterality is not draft.laterality
        ):
            return None
        if ftype is not None and not any(same_family(ftype, t) for t in draft.types):
            return None
        side = laterality or draft.laterality
        agreement = compare_locations(draft.location, location, side, self.th)
        if agreement.contradicts:
            return None
        return agreement.support

    def best_finding(
        self,
        laterality: Laterality | None,
        ftype: FindingType | None,
        location: Location,
        prefer: list[_FindingDraft] | None = None,
    ) -> _FindingDraft | None:
        for pool in (
            [d for d in prefer if d.merged_into is None] if prefer else [],
            self.live_findings(),
        ):
            scored = [
                (score, -d.order, d)
                for d in pool
                if (score := self._match_score(d, laterality, ftype, location)) is not None
            ]
            if scored:
                return max(scored, key=lambda s: (s[0], s[1]))[2]
        return None

    def _merge(self, keep: _FindingDraft, gone: _FindingDraft) -> None:
        if keep is gone:
            return
        if gone.order < keep.order:  # the older identity survives, so keys stay stable
            keep, gone = gone, keep
        keep.types |= gone.types
        keep.mentions += gone.mentions
        keep.assessments += gone.assessments
        keep.recommendations += gone.recommendations
        keep.suspicion += gone.suspicion
        keep.ever_suspicious |= gone.ever_suspicious
        keep.laterality = keep.laterality or gone.laterality
        keep.location = merge_locations(gone.location, keep.location)
        gone.merged_into = keep

    # --- pass A: radiology reports describe findings ----------------------------------------------

    def radiology(self, report: ReportFacts) -> None:
        at, uid = report.observed_at, report.source_uid
        stamp = lambda v: Stamped(v, at, uid, report.kind)  # noqa: E731
        mentioned: list[_FindingDraft] = []
        for mention in report.findings:
            draft = self.best_finding(
                mention.laterality, mention.type, mention.location, prefer=mentioned
            )
            if draft is None:
                family = type_family(mention.type)
                key = self._unique(
                    f"F-{(mention.laterality or 'U')}-{family}-{digest(uid, mention.evidence.text, mention.type)}"
                )
                draft = _FindingDraft(
                    key=key,
                    order=len(self.findings),
                    laterality=mention.laterality,
                    first_type=mention.type,
                    types={mention.type},
                    location=mention.location,
                    first_seen=at,
                )
                self.findings.append(draft)
            else:
                draft.types.add(mention.type)
                draft.laterality = draft.laterality or mention.laterality
                draft.location = merge_locations(draft.location, mention.location)
            draft.mentions.append(stamp(mention))
            if mention.birads is not None:
                draft.assessments.append(
                    stamp(
                        Assessment(
                            mention.birads, mention.laterality, mention.evidence, mention.type
                        )
                    )
                )
            if draft not in mentioned:
                mentioned.append(draft)
        self._tie_correlates(report, mentioned)
        mentioned = _unique_roots(mentioned)
        if report.composition is not None:
            self.compositions.append(stamp(report.composition))
        self._assess_and_flag(report, mentioned)

    def _tie_correlates(self, report: ReportFacts, mentioned: list[_FindingDraft]) -> None:
        """'The mass is the sonographic correlate of the asymmetry': one lesion, two descriptions."""
        for statement in report.correspondences:
            if statement.relation is not Relation.CORRESPONDS or statement.finding_type is None:
                continue
            named = self.best_finding(
                statement.laterality, statement.finding_type, statement.location, prefer=mentioned
            )
            if named is None:
                continue
            others = [
                d
                for d in _unique_roots(mentioned)
                if d is not named.root()
                and sides_compatible(d.laterality, named.laterality)
                and not any(same_family(statement.finding_type, t) for t in d.types)
            ]
            if len(others) == 1:
                self._merge(named.root(), others[0])
        for mention in report.findings:
            if not (mention.type.is_asymmetry and mention.sonographic_correlate):
                continue
            asym = self.best_finding(
                mention.laterality, mention.type, mention.location, prefer=mentioned
            )
            masses = [
                d
                for d in _unique_roots(mentioned)
                if FindingType.MASS in d.types
                and asym is not None
                and d is not asym.root()
                and self._match_score(d, asym.laterality, None, asym.location) is not None
            ]
            if asym is not None and len(masses) == 1:
                self._merge(asym.root(), masses[0])

    def _assess_and_flag(self, report: ReportFacts, mentioned: list[_FindingDraft]) -> None:
        at, uid = report.observed_at, report.source_uid
        stamp = lambda v: Stamped(v, at, uid, report.kind)  # noqa: E731
        own: dict[str, tuple[Birads, Evidence]] = {}
        breast: dict[Laterality | None, list[Assessment]] = {}
        for d in mentioned:
            for m in d.mentions:
                if m.source_uid == uid and m.value.birads is not None:
                    own[d.key] = (m.value.birads, m.value.evidence)
        for assessment in report.assessments:
            if assessment.finding_type is not None or not is_unplaced(assessment.location):
                assessed = self.best_finding(
                    assessment.laterality,
                    assessment.finding_type,
                    assessment.location,
                    prefer=mentioned,
                )
                if assessed is not None:
                    root = assessed.root()
                    root.assessments.append(stamp(assessment))
                    own[root.key] = (assessment.category, assessment.evidence)
                    if root not in mentioned:
                        mentioned.append(root)
                    continue
            breast.setdefault(assessment.laterality, []).append(assessment)

        targeted: dict[str, list[Evidence]] = {}
        untargeted_biopsy: list[Recommendation] = []
        for rec in report.recommendations:
            self.recommendations.append(stamp(rec))
            drafts = self._recommendation_targets(rec, mentioned)
            for d in drafts:
                d.recommendations.append(stamp(rec))
            if rec.kind is RecommendationKind.BIOPSY:
                if _is_targeted(rec):
                    for d in drafts:
                        targeted.setdefault(d.key, []).append(rec.evidence)
                else:
                    untargeted_biopsy.append(rec)

        by_key = {d.key: d for d in mentioned}
        for key in targeted:
            if key not in by_key:
                found = next(f for f in self.live_findings() if f.key == key)
                by_key[key] = found
        for d in mentioned:
            side_assessments = [
                a
                for side, items in breast.items()
                if side is None or side.covers(d.laterality or side)
                for a in items
            ]
            for a in side_assessments:
                d.assessments.append(stamp(a))
            if d.key in own or side_assessments:
                worst = own.get(d.key, (None, None))[0] or _worst(side_assessments)
                if worst in _SUSPICIOUS:
                    d.ever_suspicious = True

        sides = {d.laterality for d in mentioned} | {d.laterality for d in by_key.values()}
        for side in sides:
            on_side = [d for d in mentioned if d.laterality is side]
            side_assessments = [
                a
                for s, items in breast.items()
                if s is None or side is None or s.covers(side)
                for a in items
            ]
            breast_worst = _worst(side_assessments)
            own_suspicious = [d for d in on_side if d.key in own and own[d.key][0] in _SUSPICIOUS]
            targeted_here = [
                d for d in by_key.values() if d.laterality is side and d.key in targeted
            ]
            flagged: dict[str, tuple[Evidence, ...]] = {}
            for d in targeted_here:
                flagged[d.key] = tuple(targeted[d.key])
            for d in own_suspicious:
                flagged.setdefault(d.key, (own[d.key][1],))
            wants_tissue = breast_worst in _SUSPICIOUS or any(
                r.laterality is None or side is None or r.laterality.covers(side)
                for r in untargeted_biopsy
            )
            if wants_tissue and not targeted_here and not own_suspicious:
                # One finding in the breast: the breast's assessment is its assessment. Several and
                # no hint which: each one may be the one, so none is left out.
                reasons = tuple(
                    a.evidence for a in side_assessments if a.category in _SUSPICIOUS
                ) + tuple(r.evidence for r in untargeted_biopsy)
                for d in on_side:
                    flagged[d.key] = reasons
            for d in _unique_roots(on_side + targeted_here):
                if d.key in flagged:
                    birads = own.get(d.key, (breast_worst,))[0]
                    self._event(d, SuspicionEvent(at, True, flagged[d.key], birads))
                else:
                    final = own.get(d.key, (breast_worst,))[0]
                    if final in _FINAL_BENIGN:
                        evidence = (
                            own[d.key][1]
                            if d.key in own
                            else next(a.evidence for a in side_assessments if a.category is final)
                        )
                        self._event(d, SuspicionEvent(at, False, (evidence,), final))

    def _recommendation_targets(
        self, rec: Recommendation, mentioned: list[_FindingDraft]
    ) -> list[_FindingDraft]:
        if _is_targeted(rec):
            d = self.best_finding(
                rec.laterality, rec.target_type, rec.target_location, prefer=mentioned
            )
            return [d.root()] if d is not None else []
        return [
            d
            for d in _unique_roots(mentioned)
            if rec.laterality is None or d.laterality is None or rec.laterality.covers(d.laterality)
        ]

    # --- pass B: procedures -----------------------------------------------------------------------

    def procedure(self, report: ReportFacts, p: ProcedureFacts, original: bool) -> None:
        uid = report.source_uid
        linked = [
            b for b in self.biopsies if b.report_uids & ({uid} | set(report.predecessor_uids))
        ]
        pool = linked if original else linked + [b for b in self.biopsies if b not in linked]
        for b in pool:
            if original and uid not in b.report_uids:
                continue
            if self._biopsy_compatible(
                b, p.laterality, p.guidance, p.target_type, p.target_location
            ):
                if (
                    not original
                    and b not in linked
                    and not on_or_after(report.observed_at, b.performed_at)
                ):
                    continue
                self._fold_procedure(b, uid, p)
                return
        self.biopsies.append(
            _BiopsyDraft(
                key=self._unique(f"B-{p.laterality or 'U'}-{digest(uid, p.evidence.text)}"),
                laterality=p.laterality,
                performed_at=report.observed_at,
                guidance=p.guidance,
                target_type=p.target_type,
                target_location=p.target_location,
                implied=False,
                report_uids={uid},
                evidence=[p.evidence],
                specimen_radiograph=p.specimen_radiograph,
            )
        )

    def _biopsy_compatible(
        self,
        b: _BiopsyDraft,
        laterality: Laterality | None,
        guidance: Guidance | None,
        target_type: FindingType | None,
        location: Location,
    ) -> bool:
        if not sides_compatible(b.laterality, laterality):
            return False
        if b.guidance is not None and guidance is not None and b.guidance is not guidance:
            return False
        if (
            b.target_type is not None
            and target_type is not None
            and not same_family(b.target_type, target_type)
        ):
            return False
        return not compare_locations(
            b.target_location, location, laterality or b.laterality, self.th
        ).contradicts

    @staticmethod
    def _fold_procedure(b: _BiopsyDraft, uid: str, p: ProcedureFacts) -> None:
        b.report_uids.add(uid)
        b.evidence.append(p.evidence)
        b.laterality = b.laterality or p.laterality
        b.guidance = b.guidance or p.guidance
        b.target_type = b.target_type or p.target_type
        b.target_location = merge_locations(p.target_location, b.target_location)
        if p.specimen_radiograph is not None:
            b.specimen_radiograph = p.specimen_radiograph

    # --- pass C: pathology ------------------------------------------------------------------------

    def pathology(self, report: ReportFacts, s: PathologySpecimen) -> None:
        at, uid = report.observed_at, report.source_uid
        scored: list[tuple[float, datetime, str, _BiopsyDraft]] = []
        unordered: list[tuple[float, datetime, str, _BiopsyDraft]] = []
        for b in self.biopsies:
            if not self._biopsy_compatible(b, s.laterality, s.guidance, None, s.location):
                continue
            if b.implied and uid not in {p.source_uid for p in b.pathology}:
                continue
            support = compare_locations(
                b.target_location, s.location, s.laterality, self.th
            ).support
            if on_or_after(at, b.performed_at):
                scored.append((support, sort_time(b.performed_at), b.key, b))
            elif not b.pathology:
                # A procedure report signed after its pathology: still the biopsy this result is from.
                unordered.append((-support, sort_time(b.performed_at), b.key, b))
        if not scored and unordered:
            min(unordered, key=lambda x: (x[0], x[1], x[2]))[3].pathology.append(
                Stamped(s, at, uid, report.kind)
            )
            return
        stamped = Stamped(s, at, uid, report.kind)
        if scored:
            max(scored, key=lambda x: (x[0], x[1], x[2]))[3].pathology.append(stamped)
            return
        # Pathology before (or without) its procedure report: the biopsy happened all the same.
        self.biopsies.append(
            _BiopsyDraft(
                key=self._unique(
                    f"B-{s.laterality or 'U'}-{digest('pathology', uid, s.evidence.text)}"
                ),
                laterality=s.laterality,
                performed_at=None,
                guidance=s.guidance,
                target_type=None,
                target_location=s.location,
                implied=True,
                report_uids=set(),
                evidence=[s.evidence],
                pathology=[stamped],
            )
        )

    # --- pass D: statements in procedure, pathology and rad-path documents -------------------------

    def _statement_biopsy(
        self,
        report: ReportFacts,
        laterality: Laterality | None,
        location: Location,
        with_pathology: bool,
    ) -> _BiopsyDraft | None:
        uid = report.source_uid
        own = [b for b in self.biopsies if b.report_uids & ({uid} | set(report.predecessor_uids))]
        pool = [b for b in (own or self.biopsies) if sides_compatible(b.laterality, laterality)]
        pool = [b for b in pool if own or on_or_after(report.observed_at, b.performed_at)]
        if not is_unplaced(location) and len(pool) > 1:
            near = [
                b
                for b in pool
                if not compare_locations(
                    b.target_location, location, laterality or b.laterality, self.th
                ).contradicts
            ]
            pool = near or pool
        if with_pathology and len(pool) > 1:
            pool = [b for b in pool if b.pathology] or pool
        if not pool:
            return None
        chosen = max(pool, key=lambda b: (sort_time(b.performed_at), b.key))
        if report.predecessor_uids and chosen in own:
            chosen.report_uids.add(uid)
        return chosen

    def statements(self, report: ReportFacts) -> None:
        at, uid = report.observed_at, report.source_uid
        stamp = lambda v: Stamped(v, at, uid, report.kind)  # noqa: E731
        for mention in report.findings:
            d = self.best_finding(mention.laterality, mention.type, mention.location)
            if (
                d is not None
            ):  # a procedure note's 'the asymmetry' is an earlier finding, never a new one
                d.root().mentions.append(stamp(mention))
        not_corresponding: list[_FindingDraft] = []
        for index, c in enumerate(report.correspondences):
            b = self._statement_biopsy(report, c.laterality, Location(), with_pathology=False)
            if b is not None:
                b.correspondences.append(stamp(c))
            if c.finding_type is None and is_unplaced(c.location):
                continue
            named = self.best_finding(
                c.laterality or (b.laterality if b else None), c.finding_type, c.location
            )
            if named is None:
                continue
            named = named.root()
            self.statement_targets[(uid, index)] = named.key
            if c.relation is Relation.DOES_NOT_CORRESPOND:
                not_corresponding.append(named)
                if named.ever_suspicious:
                    # The breast was suspicious and the biopsy sampled something else: still unsampled.
                    self._event(named, SuspicionEvent(at, True, (c.evidence,), None))
        for statement in report.concordance:
            b = self._statement_biopsy(
                report, statement.laterality, statement.location, with_pathology=True
            )
            if b is not None:
                b.concordance.append(stamp(statement))
        for rec in report.recommendations:
            self.recommendations.append(stamp(rec))
            b = self._statement_biopsy(report, rec.laterality, Location(), with_pathology=False)
            if b is not None:
                b.recommendations.append(stamp(rec))
            if _is_targeted(rec):
                d = self.best_finding(rec.laterality, rec.target_type, rec.target_location)
                targets = [d.root()] if d is not None else []
            else:
                targets = [
                    d for d in not_corresponding if sides_compatible(rec.laterality, d.laterality)
                ]
            for d in _unique_roots(targets):
                d.recommendations.append(stamp(rec))
                if rec.kind is RecommendationKind.BIOPSY:
                    self._event(d, SuspicionEvent(at, True, (rec.evidence,), None))
        if report.composition is not None:
            self.compositions.append(stamp(report.composition))

    def context(self, report: ReportFacts) -> None:
        at, uid = report.observed_at, report.source_uid
        for complaint in report.palpable:
            self.palpable.append(Stamped(complaint, at, uid, report.kind))
        for nf in report.not_feasible:
            self.not_feasible.append(Stamped(nf, at, uid, report.kind))


def _unique_roots(drafts: list[_FindingDraft]) -> list[_FindingDraft]:
    out: list[_FindingDraft] = []
    for d in drafts:
        r = d.root()
        if r not in out:
            out.append(r)
    return out


def _is_targeted(rec: Recommendation) -> bool:
    return rec.target_type is not None or not is_unplaced(rec.target_location)


_SEVERITY = {
    b: i
    for i, b in enumerate(
        [
            Birads.B1,
            Birads.B2,
            Birads.B3,
            Birads.B0,
            Birads.B4,
            Birads.B4A,
            Birads.B4B,
            Birads.B4C,
            Birads.B5,
            Birads.B6,
        ]
    )
}


def _worst(assessments: list[Assessment]) -> Birads | None:
    if not assessments:
        return None
    return max((a.category for a in assessments), key=_SEVERITY.__getitem__)


def assemble(
    case: Case, now: datetime | None = None, thresholds: CorrelationThresholds = DEFAULT_THRESHOLDS
) -> AssembledCase:
    """Merge the case's facts into findings and biopsies. Facts dated after ``now`` are left out."""
    now = utc(now)
    reports = _canonical_reports(case.reports, now)
    a = _Assembler(thresholds)
    for r in reports:
        if r.kind in _FINDING_REPORTS:
            a.radiology(r)
    # Original procedure reports first, so an addendum, rad-path note or pathology report that
    # re-describes the procedure joins it whatever the arrival order.
    for original in (True, False):
        for r in reports:
            is_original = r.kind is ReportKind.PROCEDURE and not r.is_addendum
            if is_original is original:
                for p in r.procedures:
                    a.procedure(r, p, original)
    for r in reports:
        for s in r.pathology:
            a.pathology(r, s)
    for r in reports:
        if r.kind not in _FINDING_REPORTS:
            a.statements(r)
        a.context(r)
    return AssembledCase(
        reports=tuple(reports),
        images=_canonical_images(case.images, now),
        decisions=_canonical_decisions(case.decisions, now),
        findings=tuple(d.freeze() for d in a.live_findings()),
        biopsies=tuple(b.freeze() for b in a.biopsies),
        recommendations=tuple(sorted(a.recommendations, key=_stamp_order)),
        palpable=tuple(a.palpable),
        not_feasible=tuple(a.not_feasible),
        compositions=tuple(a.compositions),
        statement_targets=a.statement_targets,
    )
