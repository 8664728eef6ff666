"""A patient's case: every report's facts, the image headers and people's decisions, assembled into
findings with a stable identity and biopsies linked to their pathology and statements.

The same asymmetry described on the screening mammogram, the diagnostic work-up and the procedure
report is one finding (docs/items.md, seed 1). Facts are put in a canonical order (time,
then document UID) before anything is merged, so the same facts in any arrival order give the same
findings, biopsies and keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, TypeVar

from mypy_extensions import mypyc_attr

from rules.addenda import corrected
from rules.anatomy import Laterality, Location
from rules.decisions import Decision
from rules.documents import ImageRecord
from rules.facts import (
    Assessment,
    Birads,
    CompletedStep,
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
    is_unplaced,
    location_fit,
    merge_locations,
    same_family,
    sides_compatible,
    type_family,
)
from rules.memo import computed_once
from rules.thresholds import DEFAULT_THRESHOLDS, CorrelationThresholds
from rules.timeline import UNDATED, Stamped, digest, on_or_after, sort_time, stamp, utc

_FINDING_REPORTS = frozenset({ReportKind.RADIOLOGY, ReportKind.OTHER})
_FINAL_BENIGN = frozenset({Birads.B1, Birads.B2, Birads.B3})
_SUSPICIOUS = frozenset(b for b in Birads if b.suspicious)  # BI-RADS 4, 4A-4C, 5
_NOWHERE = Location()
# Enum members read in loops: on Python 3.11 ``Enum.MEMBER`` goes through the enum metaclass's
# __getattr__ hook, several times the cost of a module-level name.
_BOTH = Laterality.BOTH
_BIOPSY = RecommendationKind.BIOPSY
_DEVELOPING = FindingType.DEVELOPING_ASYMMETRY
_FOCAL = FindingType.FOCAL_ASYMMETRY
_PROCEDURE = ReportKind.PROCEDURE
_VALUE = attrgetter("value")
_MENTION_EVIDENCE = attrgetter("value.evidence")
_RANKING = itemgetter(0, 1, 2)  # (support, time, key) of a candidate biopsy: never the draft itself
_NEAREST_FIRST = itemgetter(1, 0, 2)  # (time, support, key)
_TIME_AND_UID = attrgetter("observed_at", "source_uid")
_IMAGE_TIME_AND_UID = attrgetter("acquired_at", "sop_instance_uid")
T = TypeVar("T")


def _replaced(record: T, **changes: Any) -> T:
    """``dataclasses.replace`` for the frozen fact records, without running their ``__init__``
    again field by field (the fields are already valid; several times cheaper)."""
    new = object.__new__(type(record))
    state = new.__dict__
    state.update(record.__dict__)
    state.update(changes)
    return new


@dataclass(frozen=True)
class Case:
    """Everything known about one patient, in any order."""

    reports: tuple[ReportFacts, ...] = ()
    images: tuple[ImageRecord, ...] = ()
    decisions: tuple[Decision, ...] = ()


class SuspicionEvent(NamedTuple):
    """A report's verdict on whether a finding needs tissue: ``flagged`` (biopsy recommended or
    BI-RADS 4/5) or cleared (a later final assessment of 1-3 without a biopsy recommendation)."""

    at: datetime | None
    flagged: bool
    evidence: tuple[Evidence, ...]
    birads: Birads | None = None


class Finding(NamedTuple):
    """One lesion across reports (immutable; a named tuple, cheap to build)."""

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
        """Some report said so of this finding (``attribute`` is a FindingMention flag)."""
        # any(getattr(m.value, attribute) for m in self.mentions), without a Python-level loop:
        # the rules ask this several times per finding.
        return any(map(attrgetter(attribute), map(_VALUE, self.mentions)))

    @property
    def developing(self) -> bool:
        return _DEVELOPING in self.types or (
            self.type.is_asymmetry and self.ever("new_or_increasing")
        )

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(map(_MENTION_EVIDENCE, self.mentions))


class Biopsy(NamedTuple):
    """One sampling procedure, with what later documents say about it (immutable)."""

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


# Compiled builds keep this an ordinary class: its computed_once caches live in the instance dict.
@mypyc_attr(native_class=False)
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
    completed_steps: tuple[Stamped[CompletedStep], ...] = ()
    """Steps the reports record as taken (a referral made, a surgical consultation held)."""

    def finding(self, key: str | None) -> Finding | None:
        return self._findings_by_key.get(key) if key is not None else None

    def report(self, uid: str) -> ReportFacts | None:
        return self._reports_by_uid.get(uid)

    @computed_once
    def _findings_by_key(self) -> dict[str, Finding]:
        return {f.key: f for f in self.findings}

    @computed_once
    def _reports_by_uid(self) -> dict[str, ReportFacts]:
        return {r.source_uid: r for r in self.reports}


# --- drafts: mutable while assembling, frozen at the end ------------------------------------------


@dataclass(eq=False, slots=True)  # identity semantics: two drafts are never 'equal'
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
            if _DEVELOPING in self.types or self._ever_new_or_increasing():
                primary = _DEVELOPING
            elif _FOCAL in self.types:
                primary = _FOCAL
        order = self.suspicion
        if len(order) > 1:
            order = sorted(order, key=_event_order)
        suspicion: list[SuspicionEvent] = []
        for _, event in order:
            suspicion.append(event)
        # Positional, in Finding's field order.
        return _new_finding(
            (
                self.key,
                self.laterality,
                primary,  # type
                frozenset(self.types),
                self.location,
                self.first_seen,
                _by_time(self.mentions),
                _by_time(self.assessments),
                _by_time(self.recommendations),
                tuple(suspicion),
            )
        )

    def _ever_new_or_increasing(self) -> bool:
        for m in self.mentions:
            if m.value.new_or_increasing:
                return True
        return False


@dataclass(eq=False, slots=True)
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
        # Positional, in Biopsy's field order.
        return _new_biopsy(
            (
                self.key,
                self.laterality,
                self.performed_at,
                self.guidance,
                self.target_type,
                self.target_location,
                self.implied,
                frozenset(self.report_uids),
                tuple(self.evidence),
                self.specimen_radiograph,
                _by_time(self.pathology),
                _by_time(self.correspondences),
                _by_time(self.concordance),
                _by_time(self.recommendations),
            )
        )


# Named tuples built from one tuple of every field, skipping the generated keyword-aware __new__.
_new_finding = partial(tuple.__new__, Finding)
_new_biopsy = partial(tuple.__new__, Biopsy)
_new_event = partial(tuple.__new__, SuspicionEvent)


def _stamp_order(s: Stamped[Any]) -> tuple[datetime, str]:
    at = s.at
    return (UNDATED if at is None else at, s.source_uid)


def _by_time(stamped: list[Stamped[T]]) -> tuple[Stamped[T], ...]:
    """In document order (time, then document UID); a stable sort keeps one document's order."""
    if len(stamped) < 2:
        return tuple(stamped)
    return tuple(sorted(stamped, key=_stamp_order))


def _event_order(event: tuple[int, SuspicionEvent]) -> tuple[datetime, int]:
    at = event[1].at
    return (UNDATED if at is None else at, event[0])


def _canonical_reports(reports: tuple[ReportFacts, ...], now: datetime | None) -> list[ReportFacts]:
    by_uid: dict[str, ReportFacts] = {}
    undated = False
    for report in reports:
        at = report.observed_at
        if at is None:
            undated = True
        else:
            if at.tzinfo is not UTC:
                report = _replaced(report, observed_at=utc(at))
                at = report.observed_at
            if now is not None and at is not None and at > now:
                continue  # not yet written at the moment being evaluated
        uid = report.source_uid
        seen = by_uid.get(uid)
        # A document received twice: keep one, chosen by content so arrival order cannot matter.
        if seen is None or repr(report) < repr(seen):
            by_uid[uid] = report
    filled: list[ReportFacts] = []
    # An addendum's corrections (side, site, finding) replace what they correct in the reports it
    # amends, from the moment it is written.
    for r in corrected(list(by_uid.values())):
        filled.append(_fill_sides(r))
    # Every report dated (the usual case): the same order from a key computed without Python calls.
    filled.sort(key=_report_order if undated else _TIME_AND_UID)
    return filled


def _report_order(report: ReportFacts) -> tuple[datetime, str]:
    return (sort_time(report.observed_at), report.source_uid)


def _sided_facts(report: ReportFacts) -> tuple[tuple[Any, ...], ...]:
    """The parts of a report whose facts each name a breast (or leave it unsaid)."""
    return (
        report.findings,
        report.assessments,
        report.recommendations,
        report.procedures,
        report.correspondences,
        report.pathology,
        report.concordance,
        report.palpable,
        report.completed_steps,
    )


_SIDED_PARTS = (
    "findings",
    "assessments",
    "recommendations",
    "procedures",
    "correspondences",
    "pathology",
    "concordance",
    "palpable",
    "completed_steps",
)


def _fill_sides(report: ReportFacts) -> ReportFacts:
    """A report about one breast only: facts whose side the reader could not tell are about it."""
    named: Laterality | None = None  # the one breast the sided facts name so far
    unsided = False
    fact: Any  # findings, assessments, procedures...: every sided fact has a laterality
    for fact in (  # _sided_facts(report) in one tuple: one loop, and this runs for every report
        *report.findings,
        *report.assessments,
        *report.recommendations,
        *report.procedures,
        *report.correspondences,
        *report.pathology,
        *report.concordance,
        *report.palpable,
        *report.completed_steps,
    ):
        side = fact.laterality
        if side is None:
            unsided = True
        elif named is None:
            named = side
        elif side is not named:
            return report  # both breasts are named
    if not unsided or named is None or named is _BOTH:
        return report
    changes: dict[str, Any] = {}
    for part, facts in zip(_SIDED_PARTS, _sided_facts(report), strict=True):
        filled: list[Any] = []
        unsided = False
        for f in facts:
            if f.laterality is None:
                unsided = True
                f = _replaced(f, laterality=named)
            filled.append(f)
        if unsided:
            changes[part] = tuple(filled)
    return _replaced(report, **changes)


def _canonical_images(
    images: tuple[ImageRecord, ...], now: datetime | None
) -> tuple[ImageRecord, ...]:
    by_uid: dict[str, ImageRecord] = {}
    undated = False
    for image in images:
        at = image.acquired_at
        if at is None:
            undated = True
        else:
            if at.tzinfo is not UTC:
                image = _replaced(image, acquired_at=utc(at))
                at = image.acquired_at
            if now is not None and at is not None and at > now:
                continue
        uid = image.sop_instance_uid
        seen = by_uid.get(uid)
        if seen is None or repr(image) < repr(seen):
            by_uid[uid] = image
    return tuple(sorted(by_uid.values(), key=_image_order if undated else _IMAGE_TIME_AND_UID))


def _image_order(image: ImageRecord) -> tuple[datetime, str]:
    return (sort_time(image.acquired_at), image.sop_instance_uid)


def _canonical_decisions(
    decisions: tuple[Decision, ...], now: datetime | None
) -> tuple[Decision, ...]:
    if not decisions:
        return ()
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
        if ftype is not None and not _type_compatible(ftype, draft.types):
            return None
        return location_fit(draft.location, location, laterality or draft.laterality, self.th)

    def best_finding(
        self,
        laterality: Laterality | None,
        ftype: FindingType | None,
        location: Location,
        prefer: list[_FindingDraft] | None = None,
    ) -> _FindingDraft | None:
        """The finding the description fits best (most location support, then the oldest),
        looking first among ``prefer`` (the findings of the same report)."""
        th = self.th
        for pool in (prefer, self.findings) if prefer else (self.findings,):
            best: _FindingDraft | None = None
            best_score, best_order = 0.0, 0
            for d in pool:
                if d.merged_into is not None:
                    continue
                # _match_score, written out: every description is matched against every finding.
                side = d.laterality
                if laterality is not None and side is not None and laterality is not side:
                    continue
                if ftype is not None and not _type_compatible(ftype, d.types):
                    continue
                score = location_fit(d.location, location, laterality or side, th)
                if score is None:
                    continue
                if (
                    best is None
                    or score > best_score
                    or (score == best_score and d.order < best_order)
                ):
                    best, best_score, best_order = d, score, d.order
            if best is not None:
                return best
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
        at, uid, kind = report.observed_at, report.source_uid, report.kind
        mentioned: list[_FindingDraft] = []
        own_birads = False  # some finding of this report is given its own assessment
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
            draft.mentions.append(stamp((mention, at, uid, kind)))
            if mention.birads is not None:
                own_birads = True
                own = Assessment(mention.birads, mention.laterality, mention.evidence, mention.type)
                draft.assessments.append(stamp((own, at, uid, kind)))
            if draft not in mentioned:
                mentioned.append(draft)
        if report.correspondences or report.findings:
            self._tie_correlates(report, mentioned)
            mentioned = _unique_roots(mentioned)
        if report.composition is not None:
            self.compositions.append(stamp((report.composition, at, uid, kind)))
        self._assess_and_flag(report, mentioned, own_birads)

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
            if not (mention.sonographic_correlate and mention.type.is_asymmetry):
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

    def _assess_and_flag(
        self, report: ReportFacts, mentioned: list[_FindingDraft], own_birads: bool
    ) -> None:
        # Loops rather than comprehensions here: this runs for every radiology report.
        at, uid, kind = report.observed_at, report.source_uid, report.kind
        own: dict[str, tuple[Birads, Evidence]] = {}
        """The assessment this report ties to a finding itself."""
        breast: dict[Laterality | None, list[Stamped[Assessment]]] = {}
        """This report's assessments of a breast, by the side they name."""
        if own_birads:  # only this report's own mentions can carry one
            for d in mentioned:
                for m in d.mentions:
                    if m.source_uid == uid and m.value.birads is not None:
                        own[d.key] = (m.value.birads, m.value.evidence)
        for assessment in report.assessments:
            stamped = stamp((assessment, at, uid, kind))
            if assessment.finding_type is not None or not is_unplaced(assessment.location):
                assessed = self.best_finding(
                    assessment.laterality,
                    assessment.finding_type,
                    assessment.location,
                    prefer=mentioned,
                )
                if assessed is not None:
                    root = assessed.root()
                    root.assessments.append(stamped)
                    own[root.key] = (assessment.category, assessment.evidence)
                    if root not in mentioned:
                        mentioned.append(root)
                    continue
            breast.setdefault(assessment.laterality, []).append(stamped)

        targeted: dict[str, list[Evidence]] = {}
        untargeted_biopsy: list[Recommendation] = []
        for rec in report.recommendations:
            stamped = stamp((rec, at, uid, kind))
            self.recommendations.append(stamped)
            drafts = self._recommendation_targets(rec, mentioned)
            for d in drafts:
                d.recommendations.append(stamped)
            if rec.kind is _BIOPSY:
                if _is_targeted(rec):
                    for d in drafts:
                        targeted.setdefault(d.key, []).append(rec.evidence)
                else:
                    untargeted_biopsy.append(rec)
        if not mentioned and not targeted:
            return  # no finding of this report, and none named by it: no verdict to give

        by_key: dict[str, _FindingDraft] = {}
        for d in mentioned:
            by_key[d.key] = d
        for key in targeted:
            if key not in by_key:
                by_key[key] = self._live_finding(key)
        sides: list[Laterality | None] = []
        for d in by_key.values():
            if d.laterality not in sides:
                sides.append(d.laterality)
        # Per side (every mentioned finding's side is one): the breast-level assessments about it,
        # worked out once for both loops below.
        about: dict[Laterality | None, tuple[list[Stamped[Assessment]], list[Assessment]]] = {}
        for side in sides:
            stamped_about = _about_side(breast, side)
            values: list[Assessment] = []
            for stamped_assessment in stamped_about:
                values.append(stamped_assessment.value)
            about[side] = (stamped_about, values)
        for d in mentioned:
            side_stamped, side_values = about[d.laterality]
            d.assessments += side_stamped
            worst: Birads | None
            if d.key in own:
                worst = own[d.key][0]
            elif side_stamped:
                worst = _worst(side_values)
            else:
                continue
            if worst in _SUSPICIOUS:
                d.ever_suspicious = True

        for side in sides:
            on_side: list[_FindingDraft] = []
            own_suspicious: list[_FindingDraft] = []
            for d in mentioned:
                if d.laterality is side:
                    on_side.append(d)
                    if d.key in own and own[d.key][0] in _SUSPICIOUS:
                        own_suspicious.append(d)
            targeted_here: list[_FindingDraft] = []
            if targeted:
                for d in by_key.values():
                    if d.laterality is side and d.key in targeted:
                        targeted_here.append(d)
            side_assessments = about[side][1]
            breast_worst = _worst(side_assessments)
            flagged: dict[str, tuple[Evidence, ...]] = {}
            for d in targeted_here:
                flagged[d.key] = tuple(targeted[d.key])
            for d in own_suspicious:
                flagged.setdefault(d.key, (own[d.key][1],))
            wants_tissue = breast_worst in _SUSPICIOUS or _any_about_side(untargeted_biopsy, side)
            if wants_tissue and not targeted_here and not own_suspicious:
                # One finding in the breast: the breast's assessment is its assessment. Several and
                # no hint which: each one may be the one, so none is left out.
                reasons: list[Evidence] = []
                for a in side_assessments:
                    if a.category in _SUSPICIOUS:
                        reasons.append(a.evidence)
                for r in untargeted_biopsy:
                    reasons.append(r.evidence)
                for d in on_side:
                    flagged[d.key] = tuple(reasons)
            for d in _unique_roots(on_side + targeted_here):
                if d.key in flagged:
                    birads = own[d.key][0] if d.key in own else breast_worst
                    self._event(d, _new_event((at, True, flagged[d.key], birads)))
                else:
                    final = own[d.key][0] if d.key in own else breast_worst
                    if final in _FINAL_BENIGN:
                        evidence = (
                            own[d.key][1]
                            if d.key in own
                            else next(a.evidence for a in side_assessments if a.category is final)
                        )
                        self._event(d, _new_event((at, False, (evidence,), final)))

    def _live_finding(self, key: str) -> _FindingDraft:
        for f in self.findings:
            if f.merged_into is None and f.key == key:
                return f
        raise KeyError(key)

    def _recommendation_targets(
        self, rec: Recommendation, mentioned: list[_FindingDraft]
    ) -> list[_FindingDraft]:
        if _is_targeted(rec):
            d = self.best_finding(
                rec.laterality, rec.target_type, rec.target_location, prefer=mentioned
            )
            return [d.root()] if d is not None else []
        if not mentioned:
            return []
        return [
            d
            for d in _unique_roots(mentioned)
            if rec.laterality is None or d.laterality is None or rec.laterality.covers(d.laterality)
        ]

    # --- pass B: procedures -----------------------------------------------------------------------

    def procedure(self, report: ReportFacts, p: ProcedureFacts, original: bool) -> None:
        uid = report.source_uid
        documents = {uid, *report.predecessor_uids}
        linked = [b for b in self.biopsies if not b.report_uids.isdisjoint(documents)]
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
        fit = location_fit(b.target_location, location, laterality or b.laterality, self.th)
        return fit is not None

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
        side, guidance, location, th = s.laterality, s.guidance, s.location, self.th
        scored: list[tuple[float, datetime, str, _BiopsyDraft]] = []
        unordered: list[tuple[float, datetime, str, _BiopsyDraft]] = []
        for b in self.biopsies:
            # _biopsy_compatible (no target type to compare), written out to reuse the fit.
            if not sides_compatible(b.laterality, side):
                continue
            if b.guidance is not None and guidance is not None and b.guidance is not guidance:
                continue
            fit = location_fit(b.target_location, location, side or b.laterality, th)
            if fit is None:
                continue
            if b.implied and not _from_document(b.pathology, uid):
                continue
            # The fit without the biopsy's side is the same whenever the specimen names one.
            support = (
                fit if side is not None else location_fit(b.target_location, location, None, th)
            ) or 0.0
            if on_or_after(at, b.performed_at):
                scored.append((support, sort_time(b.performed_at), b.key, b))
            elif not b.pathology:
                # A procedure report signed after its pathology: still the biopsy this result is from.
                unordered.append((-support, sort_time(b.performed_at), b.key, b))
        stamped = stamp((s, at, uid, report.kind))
        if not scored and unordered:
            # The nearest procedure after the result first (its report was signed late), then the
            # best placed: a biopsy done weeks later (a repeat biopsy) did not produce this result.
            min(unordered, key=_NEAREST_FIRST)[3].pathology.append(stamped)
            return
        if scored:
            max(scored, key=_RANKING)[3].pathology.append(stamped)
            return
        # Pathology before (or without) its procedure report: the biopsy happened all the same.
        self.biopsies.append(
            _BiopsyDraft(
                key=self._unique(implied_biopsy_key(uid, s.laterality, s.evidence.text)),
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
        own: list[_BiopsyDraft],
        laterality: Laterality | None,
        location: Location,
        with_pathology: bool,
    ) -> _BiopsyDraft | None:
        """The biopsy a statement is about: one of the document's own biopsies (``own``: it or
        the document it amends describes them), else an earlier one of that side, the nearest to
        the stated place, preferring those with pathology for a concordance verdict."""
        pool: list[_BiopsyDraft] = []
        for b in own or self.biopsies:
            if sides_compatible(b.laterality, laterality) and (
                own or on_or_after(report.observed_at, b.performed_at)
            ):
                pool.append(b)
        if len(pool) > 1 and not is_unplaced(location):
            near = [
                b
                for b in pool
                if location_fit(b.target_location, location, laterality or b.laterality, self.th)
                is not None
            ]
            pool = near or pool
        if with_pathology and len(pool) > 1:
            pool = [b for b in pool if b.pathology] or pool
        if not pool:
            return None
        chosen = max(pool, key=_latest) if len(pool) > 1 else pool[0]
        if report.predecessor_uids and chosen in own:
            chosen.report_uids.add(report.source_uid)
        return chosen

    def statements(self, report: ReportFacts) -> None:
        at, uid, kind = report.observed_at, report.source_uid, report.kind
        for mention in report.findings:
            d = self.best_finding(mention.laterality, mention.type, mention.location)
            if d is not None:
                # A procedure note's 'the asymmetry' is an earlier finding, never a new one.
                d.root().mentions.append(stamp((mention, at, uid, kind)))
        if not (report.correspondences or report.concordance or report.recommendations):
            if report.composition is not None:
                self.compositions.append(stamp((report.composition, at, uid, kind)))
            return
        # The biopsies this document (or the one it amends) describes; adding this document to
        # one of them below does not change the list.
        documents = {uid, *report.predecessor_uids}
        own = [b for b in self.biopsies if not b.report_uids.isdisjoint(documents)]
        not_corresponding: list[_FindingDraft] = []
        for index, c in enumerate(report.correspondences):
            b = self._statement_biopsy(report, own, c.laterality, _NOWHERE, with_pathology=False)
            if b is not None:
                b.correspondences.append(stamp((c, at, uid, kind)))
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
                    self._event(named, _new_event((at, True, (c.evidence,), None)))
        for statement in report.concordance:
            b = self._statement_biopsy(
                report, own, statement.laterality, statement.location, with_pathology=True
            )
            if b is not None:
                b.concordance.append(stamp((statement, at, uid, kind)))
        for rec in report.recommendations:
            stamped = stamp((rec, at, uid, kind))
            self.recommendations.append(stamped)
            b = self._statement_biopsy(report, own, rec.laterality, _NOWHERE, with_pathology=False)
            if b is not None:
                b.recommendations.append(stamped)
            if _is_targeted(rec):
                d = self.best_finding(rec.laterality, rec.target_type, rec.target_location)
                targets = [d.root()] if d is not None else []
            else:
                targets = [
                    d for d in not_corresponding if sides_compatible(rec.laterality, d.laterality)
                ]
            for d in _unique_roots(targets):
                d.recommendations.append(stamped)
                if rec.kind is _BIOPSY:
                    self._event(d, _new_event((at, True, (rec.evidence,), None)))
        if report.composition is not None:
            self.compositions.append(stamp((report.composition, at, uid, kind)))

    def context(self, report: ReportFacts) -> None:
        at, uid = report.observed_at, report.source_uid
        for complaint in report.palpable:
            self.palpable.append(stamp((complaint, at, uid, report.kind)))
        for nf in report.not_feasible:
            self.not_feasible.append(stamp((nf, at, uid, report.kind)))


def implied_biopsy_key(source_uid: str, side: Laterality | None, text: str) -> str:
    """The key of a biopsy known only from its pathology (the report's UID and the sentence)."""
    return f"B-{side or 'U'}-{digest('pathology', source_uid, text)}"


def _from_document(stamped: list[Stamped[Any]], uid: str) -> bool:
    for s in stamped:
        if s.source_uid == uid:
            return True
    return False


def _latest(b: _BiopsyDraft) -> tuple[datetime, str]:
    return (sort_time(b.performed_at), b.key)


def _type_compatible(ftype: FindingType, types: set[FindingType]) -> bool:
    """One of the finding's types, or of the same family (asymmetries are one family)."""
    if ftype in types:
        return True
    for t in types:
        if same_family(ftype, t):
            return True
    return False


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
    worst: Birads | None = None
    for a in assessments:
        if worst is None or _SEVERITY[a.category] > _SEVERITY[worst]:
            worst = a.category
    return worst


def _about_side(
    breast: dict[Laterality | None, list[Stamped[Assessment]]], side: Laterality | None
) -> list[Stamped[Assessment]]:
    """The breast-level assessments about ``side``: a bilateral or unsided one is about either."""
    out: list[Stamped[Assessment]] = []
    for named, items in breast.items():
        if named is None or side is None or named.covers(side):
            out += items
    return out


def _any_about_side(recs: list[Recommendation], side: Laterality | None) -> bool:
    for r in recs:
        if r.laterality is None or side is None or r.laterality.covers(side):
            return True
    return False


def assemble(
    case: Case, now: datetime | None = None, thresholds: CorrelationThresholds = DEFAULT_THRESHOLDS
) -> AssembledCase:
    """Merge the case's facts into findings and biopsies. Facts dated after ``now`` are left out."""
    now = utc(now)
    reports = _canonical_reports(case.reports, now)
    a = _Assembler(thresholds)
    # The passes below in report order, each over the reports it concerns (sorted out once).
    radiology: list[ReportFacts] = []
    originals: list[ReportFacts] = []
    rewording: list[ReportFacts] = []
    with_pathology: list[ReportFacts] = []
    for r in reports:
        if r.kind in _FINDING_REPORTS:
            radiology.append(r)
        # An attempt given up before tissue was taken is no biopsy: its finding stays unsampled,
        # and no pathology or specimen radiograph is awaited from it.
        if any(p.performed for p in r.procedures):
            if r.kind is _PROCEDURE and not r.predecessor_uids:
                originals.append(r)
            else:
                rewording.append(r)
        if r.pathology:
            with_pathology.append(r)
    for r in radiology:
        a.radiology(r)
    # Original procedure reports first, so an addendum, rad-path note or pathology report that
    # re-describes the procedure joins it whatever the arrival order.
    for r in originals:
        for p in r.procedures:
            if p.performed:
                a.procedure(r, p, True)
    for r in rewording:
        for p in r.procedures:
            if p.performed:
                a.procedure(r, p, False)
    for r in with_pathology:
        for s in r.pathology:
            a.pathology(r, s)
    completed: list[Stamped[CompletedStep]] = []
    for r in reports:
        if r.kind not in _FINDING_REPORTS:
            a.statements(r)
        if r.palpable or r.not_feasible:
            a.context(r)
        for step in r.completed_steps:
            completed.append(stamp((step, r.observed_at, r.source_uid, r.kind)))
    findings: list[Finding] = []
    for d in a.findings:
        if d.merged_into is None:
            findings.append(d.freeze())
    biopsies: list[Biopsy] = []
    for b in a.biopsies:
        biopsies.append(b.freeze())
    return AssembledCase(
        reports=tuple(reports),
        images=_canonical_images(case.images, now),
        decisions=_canonical_decisions(case.decisions, now),
        findings=tuple(findings),
        biopsies=tuple(biopsies),
        recommendations=tuple(sorted(a.recommendations, key=_stamp_order)),
        palpable=tuple(a.palpable),
        not_feasible=tuple(a.not_feasible),
        compositions=tuple(a.compositions),
        statement_targets=a.statement_targets,
        completed_steps=tuple(completed),
    )
