"""Rules about a biopsy and its result: correlation, pathology, concordance, discordance, and the
calcification pitfalls (specimen radiography, ultrasound guidance, stereotactic not feasible)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from rules.anatomy import Laterality
from rules.case import Biopsy, Finding, implied_biopsy_key
from rules.decisions import ConcordanceDecision, DocumentedAction
from rules.facts import (
    Birads,
    ConcordanceVerdict,
    Evidence,
    FindingType,
    Guidance,
    PathologyCategory,
    SpecimenRadiograph,
)
from rules.items import ItemDecision, ItemKind
from rules.pathways.base import Context, build, decision_evidence, image_evidence
from rules.pathways.pathology import item_side
from rules.priority import finding_risk
from rules.timeline import UNDATED, digest, on_or_after, sort_time

_IMAGE_GUIDED_MAMMOGRAPHIC = frozenset({Guidance.STEREOTACTIC, Guidance.TOMOSYNTHESIS})


def _main_finding(ctx: Context, b: Biopsy) -> Finding | None:
    targets = ctx.targets(b)
    return targets[0] if len(targets) == 1 else None


def _target_type(ctx: Context, b: Biopsy) -> FindingType | None:
    if b.target_type is not None:
        return b.target_type
    f = _main_finding(ctx, b)
    return f.type if f is not None else None


class Verdict(NamedTuple):
    """A documented concordance verdict about one biopsy: a report statement or a decision."""

    at: datetime
    verdict: ConcordanceVerdict
    evidence: Evidence
    seen: frozenset[int]
    """The biopsy's pathology results (positions in ``Biopsy.pathology``) on file when given."""


def verdicts_about(ctx: Context, b: Biopsy) -> list[Verdict]:
    """Every documented verdict about this biopsy, in time order: statements the reports attach to
    it, and people's decisions about it or about the finding it sampled.

    A verdict judges the pathology on file when it was given: a statement, the results dated on or
    before it (same day counts: report times are often dates); a decision, the results that had
    reached us when it was made (or, when that is not known, those dated up to it).
    """
    pathology = b.pathology
    verdicts = [
        Verdict(
            sort_time(s.at),
            s.value.verdict,
            s.value.evidence,
            frozenset(i for i, p in enumerate(pathology) if on_or_after(s.at, p.at)),
        )
        for s in b.concordance  # in time order already; people's decisions are merged in by time
    ]
    if not ctx.case.decisions:
        return verdicts
    subjects = {b.key, *ctx.correlations.targets_of(b.key)}
    for d in ctx.case.decisions:
        if isinstance(d, ConcordanceDecision) and d.subject_key in subjects:
            seen = frozenset(
                i for i, p in enumerate(pathology) if d.had_on_file(p.source_uid, p.at)
            )
            evidence = decision_evidence(f"concordance {d.verdict.value}", d.note)
            verdicts.append(Verdict(d.decided_at, d.verdict, evidence, seen))
    return sorted(verdicts, key=lambda v: v.at)


def concordance_record(
    ctx: Context, b: Biopsy
) -> list[tuple[datetime, ConcordanceVerdict, Evidence]]:
    """The documented verdicts that settle this biopsy's result, in time order: those given with
    all of its pathology on file. A decision about the first biopsy of a finding does not settle a
    second biopsy of it whose pathology came later, nor a revised result of its own."""
    if not b.pathology:
        return []
    every = frozenset(range(len(b.pathology)))
    return [(v.at, v.verdict, v.evidence) for v in verdicts_about(ctx, b) if v.seen == every]


def _later_sampling(ctx: Context, b: Biopsy, since: datetime | None) -> list[Biopsy]:
    """Excision or repeat biopsy of the same lesion after ``since``."""
    targets = set(ctx.correlations.targets_of(b.key))
    later = []
    for other in ctx.case.biopsies:
        if other.key == b.key or other.performed_at is None and not other.implied:
            continue
        when = other.performed_at or other.pathology_at
        if since is not None and when is not None and when.date() <= since.date():
            continue
        same_lesion = bool(targets & set(ctx.correlations.targets_of(other.key)))
        surgical_same_side = other.guidance is Guidance.SURGICAL and (
            other.laterality is None or b.laterality is None or other.laterality is b.laterality
        )
        if same_lesion or surgical_same_side:
            later.append(other)
    return later


def correlation_review(ctx: Context) -> Iterator[ItemDecision]:
    """A biopsy, or a pathology result, that the records do not tie to what it sampled.

    Opens when neither a statement nor the features (laterality, type, clock, quadrant, depth,
    nipple distance; limits in rules.thresholds) place the biopsy on exactly one finding of that
    breast; and, whatever the features say, when a link is missing: a pathology result no biopsy
    on record matches ("pathology from 2026-10-02, left breast: no biopsy on record matches it"),
    or a biopsy no finding on record matches. Closes when a person records a correlation decision
    for the biopsy; a missing link also closes when the record that supplies it arrives (the
    procedure report, or the imaging report describing the finding), with that record as evidence.
    Source: docs/items.md seed 1 (the biopsy must be shown to explain the finding); never a guess.
    A missing link may cost a coordinator a look, never a missed cancer.
    """
    for b in ctx.case.biopsies:
        missing = missing_link(ctx, b)
        decided = [m for m in ctx.correlations.for_biopsy(b.key) if m.basis == "decision"]
        decision = [
            decision_evidence("correlation decision", m.reasons[0] if m.reasons else "")
            for m in decided[:1]
        ]
        if missing is None and b.key not in ctx.correlations.review_raised:
            yield from _links_supplied(ctx, b)
            continue
        candidates = ctx.correlations.unresolved(b.key)
        if missing is not None:
            advice = (
                "Find the procedure report, or record which biopsy and finding this result is from."
                if b.implied
                else "Find the imaging report of the sampled lesion, or record which finding it is."
            )
            next_step = f"{missing[0].upper()}{missing[1:]}. {advice}"
            closing = decision
        else:
            next_step = "Review the images and reports: decide which finding this biopsy sampled."
            closing = decision if not candidates else []
        yield build(
            ctx,
            ItemKind.CORRELATION_REVIEW,
            b.key,
            laterality=item_side(b),
            finding_type=b.target_type,
            location=b.target_location,
            opened_at=b.performed_at or b.pathology_at,
            evidence=list(b.evidence)
            + [
                ev
                for f in ctx.case.findings
                if f.key in {m.finding_key for m in candidates}
                for ev in f.evidence[:1]
            ],
            next_step=next_step,
            closes_when="a person records which finding the biopsy corresponds to",
            closing=closing,
        )


_SIDE_WORDS = {
    Laterality.LEFT: "left breast",
    Laterality.RIGHT: "right breast",
    Laterality.BOTH: "both breasts",
}


def _when(moment: datetime | None) -> str:
    return "an unknown date" if moment is None or moment == UNDATED else moment.date().isoformat()


def missing_link(ctx: Context, b: Biopsy) -> str | None:
    """What the records lack to tie this biopsy, in a coordinator's words, or None when nothing is
    missing (its procedure report is on file and it sampled a finding on record, or the features
    leave several candidates, which is a review of its own)."""
    side = _SIDE_WORDS[b.laterality] if b.laterality is not None else "breast not stated"
    if b.implied:
        return f"pathology from {_when(b.pathology_at)}, {side}: no biopsy on record matches it"
    if not ctx.correlations.targets_of(b.key) and b.key not in ctx.correlations.review_raised:
        return f"biopsy of {_when(b.performed_at)}, {side}: no finding on record matches it"
    return None


def _links_supplied(ctx: Context, b: Biopsy) -> Iterator[ItemDecision]:
    """Missing links a later record supplied, closed with it as evidence rather than dropped: a
    pathology result dated before its procedure report (it stood alone until the report came), and
    a biopsy done before any report described the finding it sampled."""
    if b.implied:
        return
    performed = b.performed_at
    seen: set[tuple[str, Laterality | None]] = set()
    for p in b.pathology:
        origin = (p.source_uid, p.value.laterality)
        if origin in seen or performed is None or p.at is None or p.at.date() >= performed.date():
            continue
        seen.add(origin)
        side = p.value.laterality
        yield build(
            ctx,
            ItemKind.CORRELATION_REVIEW,
            implied_biopsy_key(p.source_uid, side, p.value.evidence.text),
            laterality=side or Laterality.BOTH,
            opened_at=p.at,
            evidence=[p.value.evidence],
            next_step="Find the procedure report this pathology result belongs to.",
            closes_when="the procedure report arrives",
            closing=b.evidence[:1],
        )
    targets = ctx.targets(b)
    if (
        performed is not None
        and targets
        and all(f.first_seen is not None and f.first_seen.date() > performed.date() for f in targets)
    ):
        yield build(
            ctx,
            ItemKind.CORRELATION_REVIEW,
            b.key,
            laterality=b.laterality,
            finding_type=b.target_type,
            location=b.target_location,
            opened_at=performed,
            evidence=b.evidence,
            next_step="Find the imaging report that describes the finding this biopsy sampled.",
            closes_when="a report describes the finding the biopsy sampled",
            closing=[ev for f in targets for ev in f.evidence[:1]],
        )


def pathology_pending(ctx: Context) -> Iterator[ItemDecision]:
    """A biopsy was performed and no pathology result has arrived. Closes when it arrives.

    Source: docs/items.md, clinical sources (MQSA: a list of positives without pathology is not
    an adequate tracking system; results communicated within 3-5 business days).
    """
    for b in ctx.case.biopsies:
        if b.implied:
            continue  # known only from its pathology
        yield build(
            ctx,
            ItemKind.PATHOLOGY_PENDING,
            b.key,
            laterality=b.laterality,
            finding=_main_finding(ctx, b),
            finding_type=b.target_type,
            opened_at=b.performed_at,
            evidence=b.evidence,
            next_step="Chase the pathology result of this biopsy.",
            closes_when="the pathology result arrives",
            closing=[s.value.evidence for s in b.pathology[:1]],
        )


def concordance_pending(ctx: Context) -> Iterator[ItemDecision]:
    """Pathology arrived and radiology-pathology concordance is not documented.

    Closes when a report states concordance (concordant, discordant or high-risk) or a person
    documents it, with this biopsy's result on file: a verdict given before the result arrived (one
    about an earlier biopsy of the same finding, say before a re-biopsy) does not close it, and a
    result arriving after the verdict (a revised report) opens it again. Source: docs/items.md, seed
    cases (concordance must be documented explicitly before the loop closes); seed 1
    and MQSA (correlate each pathology result with the finding; 24-30% of discordant lesions prove
    malignant at re-biopsy, so a re-biopsy's result is judged on its own).
    """
    for b in ctx.case.biopsies:
        if not b.pathology:
            continue
        record = concordance_record(ctx, b)
        judged: set[int] = set()
        if not record:
            for v in verdicts_about(ctx, b):
                judged |= v.seen
        waiting = [p for i, p in enumerate(b.pathology) if i not in judged]
        f = _main_finding(ctx, b)
        yield build(
            ctx,
            ItemKind.CONCORDANCE_PENDING,
            b.key,
            laterality=item_side(b),
            finding=f,
            finding_type=b.target_type,
            # Due from the first result no verdict has judged yet.
            opened_at=waiting[0].at if waiting else b.pathology_at,
            evidence=[s.value.evidence for s in b.pathology],
            next_step="Document radiology-pathology concordance for this biopsy.",
            closes_when="concordance is documented in a report or by a radiologist",
            closing=[r[2] for r in record[:1]],
        )


def _inferred_discordance(ctx: Context, b: Biopsy) -> list[str]:
    categories = {s.value.category for s in b.pathology}
    reasons: list[str] = []
    if categories == {PathologyCategory.NON_DIAGNOSTIC}:
        reasons.append("non-diagnostic sample")
    benign_only = categories == {PathologyCategory.BENIGN}
    targets = ctx.targets(b)
    if benign_only and any(
        Birads.B5 in {a.value.category for a in f.assessments} | {e.birads for e in f.suspicion}
        for f in targets
    ):
        reasons.append("benign result for a BI-RADS 5 finding")
    calcification_target = _target_type(ctx, b) is FindingType.CALCIFICATIONS
    if calcification_target:
        if any(s.value.calcifications is False for s in b.pathology):
            reasons.append("calcifications targeted but none identified in the specimen")
        elif (
            b.specimen_radiograph is SpecimenRadiograph.CALCIFICATIONS_ABSENT
            and benign_only
            and not any(s.value.calcifications for s in b.pathology)
        ):
            reasons.append("specimen radiograph without calcifications and benign pathology")
    return reasons


def discordant_pathology(ctx: Context) -> Iterator[ItemDecision]:
    """The result does not explain the imaging: documented discordant, or plain from the reports
    (benign for BI-RADS 5; calcifications targeted but absent from the specimen; non-diagnostic).

    A documented verdict always wins over the inference: a later documented concordance, given with
    all of this biopsy's results on file, closes an inferred item. Only verdicts given once a result
    of this biopsy was on file count: a verdict about an earlier biopsy of the finding neither
    opens nor closes this one. Otherwise closes when excision or repeat biopsy of the lesion is
    performed (or documented). Source: docs/items.md, seed cases (discordant benign -> excision or
    re-biopsy, never routine follow-up); its clinical sources (discordance 1-6%; 24-30% malignant at
    re-biopsy or excision).
    """
    for b in ctx.case.biopsies:
        if not b.pathology:
            continue
        verdicts = [v for v in verdicts_about(ctx, b) if v.seen]
        stated = [v for v in verdicts if v.verdict is ConcordanceVerdict.DISCORDANT]
        inferred = _inferred_discordance(ctx, b)
        if not stated and not inferred:
            continue
        closing: list[Evidence] = []
        latest = verdicts[-1] if verdicts else None
        if (
            latest is not None
            and latest.verdict is not ConcordanceVerdict.DISCORDANT
            and len(latest.seen) == len(b.pathology)
        ):
            closing.append(latest.evidence)  # a documented decision overrides the discordance
        later = _later_sampling(ctx, b, b.pathology_at)
        closing += [ev for other in later for ev in other.evidence[:1]]
        closing += ctx.documented(
            ItemKind.DISCORDANT_PATHOLOGY, b.key, DocumentedAction.EXCISION_OR_REPEAT_BIOPSY
        )
        f = _main_finding(ctx, b)
        reasons = tuple(["documented discordant"] if stated else []) + tuple(inferred)
        yield build(
            ctx,
            ItemKind.DISCORDANT_PATHOLOGY,
            b.key,
            laterality=b.laterality,
            finding=f,
            finding_type=b.target_type,
            opened_at=stated[0].at if stated else b.pathology_at,
            evidence=[v.evidence for v in stated] + [s.value.evidence for s in b.pathology],
            next_step="Surgical excision or repeat biopsy, not routine follow-up "
            "(24-30% of discordant lesions prove malignant).",
            closes_when="excision or repeat biopsy of the lesion is performed, or concordance is documented",
            closing=closing,
            risk=(None, reasons),
        )


def calcifications_biopsied_under_us(ctx: Context) -> Iterator[ItemDecision]:
    """Calcifications targeted under ultrasound guidance: a pitfall (docs/items.md seed 3: never
    ultrasound for calcifications; stereotactic core biopsy preferred, seed 2).

    Closes when a person acknowledges it, or a stereotactic or DBT-guided biopsy of the same lesion
    follows.
    """
    for b in ctx.case.biopsies:
        if (
            b.guidance is not Guidance.ULTRASOUND
            or _target_type(ctx, b) is not FindingType.CALCIFICATIONS
        ):
            continue
        later = [
            o
            for o in _later_sampling(ctx, b, b.performed_at)
            if o.guidance in _IMAGE_GUIDED_MAMMOGRAPHIC
        ]
        closing = [ev for o in later for ev in o.evidence[:1]]
        closing += ctx.documented(
            ItemKind.CALCIFICATIONS_BIOPSIED_UNDER_US,
            b.key,
            DocumentedAction.CALCIFICATIONS_UNDER_US_ACKNOWLEDGED,
        )
        yield build(
            ctx,
            ItemKind.CALCIFICATIONS_BIOPSIED_UNDER_US,
            b.key,
            laterality=b.laterality,
            finding=_main_finding(ctx, b),
            finding_type=FindingType.CALCIFICATIONS,
            opened_at=b.performed_at,
            evidence=b.evidence,
            next_step="Stereotactic biopsy of the calcifications; confirm they were sampled.",
            closes_when="a radiologist acknowledges it, or a stereotactic or DBT-guided biopsy follows",
            closing=closing,
        )


def specimen_radiograph_missing(ctx: Context) -> Iterator[ItemDecision]:
    """A calcification biopsy with no specimen radiograph showing calcifications.

    Open until a specimen radiograph image of that breast from the biopsy day or later arrives, the
    procedure report (or its addendum) states that the specimen radiograph shows the calcifications,
    or a person documents it. Source: docs/items.md seeds 2-3 (specimen radiography must confirm calcifications
    were sampled; never skip it); docs/items.md.
    """
    for b in ctx.case.biopsies:
        if b.implied or _target_type(ctx, b) is not FindingType.CALCIFICATIONS:
            continue
        # A specimen image whose report says it shows no calcifications does not close it: the
        # calcifications may not have been sampled at all.
        shown_absent = b.specimen_radiograph is SpecimenRadiograph.CALCIFICATIONS_ABSENT
        images = [] if shown_absent else [i for i in ctx.images(b.laterality, b.performed_at) if i.specimen]
        closing = [image_evidence(i, "specimen radiograph") for i in images[:1]]
        if b.specimen_radiograph is SpecimenRadiograph.CALCIFICATIONS_PRESENT:
            closing += [b.evidence[-1]]
        closing += ctx.documented(
            ItemKind.SPECIMEN_RADIOGRAPH_MISSING, b.key, DocumentedAction.SPECIMEN_RADIOGRAPH
        )
        yield build(
            ctx,
            ItemKind.SPECIMEN_RADIOGRAPH_MISSING,
            b.key,
            laterality=b.laterality,
            finding=_main_finding(ctx, b),
            finding_type=FindingType.CALCIFICATIONS,
            opened_at=b.performed_at,
            evidence=b.evidence,
            next_step="Obtain or document the specimen radiograph showing the calcifications were sampled.",
            closes_when="a specimen radiograph arrives or is documented",
            closing=closing,
        )


_STEREO_OR_DBT = (Guidance.STEREOTACTIC, Guidance.TOMOSYNTHESIS)


def surgical_biopsy_referral(ctx: Context) -> Iterator[ItemDecision]:
    """Stereotactic (or tomosynthesis-guided) biopsy is not feasible: open surgical biopsy.

    Closes when a surgical biopsy of that breast is performed or documented, or an image-guided
    biopsy of the finding is done after all. Source: docs/items.md seed 3 (small or thin breast, very
    posterior or subcutaneous, widely separated, not visible -> open surgical biopsy).
    """
    for nf in ctx.case.not_feasible:
        if nf.value.guidance not in _STEREO_OR_DBT:
            # an ultrasound target not found, or an MRI target gone, is re-imaged or followed, not
            # sent to surgery; the finding stays unsampled meanwhile
            continue
        side = nf.value.laterality
        subject = f"{side or 'U'}-{digest(nf.source_uid, nf.value.evidence.text)}"
        pending = [
            f
            for f in ctx.case.findings
            if f.flagged_for_biopsy
            and (side is None or f.laterality is None or f.laterality is side)
        ]
        finding = pending[0] if len(pending) == 1 else None
        later = [
            b
            for b in ctx.case.biopsies
            if (b.laterality is None or side is None or b.laterality is side)
            and b.performed_at is not None
            and nf.at is not None
            and b.performed_at.date() > nf.at.date()
            and (
                b.guidance is Guidance.SURGICAL
                or (finding is not None and finding.key in ctx.correlations.targets_of(b.key))
            )
        ]
        closing = [ev for b in later for ev in b.evidence[:1]]
        closing += ctx.documented(
            ItemKind.SURGICAL_BIOPSY_REFERRAL, subject, DocumentedAction.SURGICAL_BIOPSY
        )
        yield build(
            ctx,
            ItemKind.SURGICAL_BIOPSY_REFERRAL,
            subject,
            laterality=side,
            finding=finding,
            opened_at=nf.at,
            evidence=[nf.value.evidence],
            next_step=f"Refer for open surgical biopsy: {nf.value.guidance.value} biopsy not feasible"
            + (f" ({nf.value.reason})." if nf.value.reason else "."),
            closes_when="a surgical biopsy is performed or documented",
            closing=closing,
            risk=finding_risk(finding) if finding is not None else (None, ()),
        )
