"""Rules about imaging findings before tissue: unsampled findings, magnification views, palpable sites."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rules.case import Finding
from rules.correlation import Correlation
from rules.decisions import DocumentedAction
from rules.documents import Modality, ViewModifier
from rules.facts import Birads, FindingType, RecommendationKind, ReportKind
from rules.items import ItemDecision, ItemKind, Priority
from rules.pathways.base import Context, build, image_evidence
from rules.priority import finding_risk
from rules.timeline import Stamped, digest, on_or_after

_MAMMOGRAPHIC = frozenset({Modality.MG, Modality.DBT})


def _biopsy_next_step(f: Finding, missed: bool) -> str:
    prefix = "The earlier biopsy sampled a different lesion. " if missed else ""
    if FindingType.MASS in f.types:
        return prefix + (
            "Image-guided core biopsy with clip placement; a mass seen on ultrasound can be sampled "
            "under ultrasound guidance."
        )
    if f.ever("best_seen_on_tomosynthesis"):
        step = "Tomosynthesis (DBT)-guided core biopsy (best seen on tomosynthesis), with clip placement."
    else:
        step = "Stereotactic or tomosynthesis (DBT)-guided core biopsy, with clip placement."
    if FindingType.CALCIFICATIONS in f.types:
        step += (
            " Multiple cores and a specimen radiograph; never ultrasound-guided for calcifications."
        )
    return prefix + step


def unsampled_finding(ctx: Context) -> Iterator[ItemDecision]:
    """A finding recommended for biopsy, or assessed BI-RADS 4/5, with no biopsy that sampled it.

    Opens when the finding's latest report verdict flags it for tissue (a biopsy recommendation aimed
    at it; its own BI-RADS 4/5; its breast's BI-RADS 4/5 when it is the breast's one finding or
    nothing says which; or a biopsy report saying the sampled lesion was not this finding). Closes
    when a biopsy that corresponds to it is performed, or a later report's final assessment (1-3)
    withdraws the recommendation.
    Sources: docs/items.md, seed 1 and clinical sources (MQSA 21 CFR 900.12(f): every positive
    mammogram followed up; a US biopsy of a non-corresponding mass leaves the asymmetry unsampled).
    """
    for f in ctx.case.findings:
        if not any(e.flagged for e in f.suspicion):
            continue
        last_clear = max((i for i, e in enumerate(f.suspicion) if not e.flagged), default=-1)
        streak = [e for e in f.suspicion[last_clear + 1 :] if e.flagged]
        episode = streak or [e for e in f.suspicion if e.flagged]
        opened_at = episode[0].at
        birads = next((e.birads for e in reversed(episode) if e.birads is not None), None)
        sampled = ctx.correlations.sampled_by(f.key)
        missed = [
            m
            for m in ctx.correlations.for_finding(f.key)
            if m.verdict is Correlation.DOES_NOT_CORRESPOND and m.basis == "statement"
        ]
        closing = [
            e
            for m in sampled
            for b in ctx.case.biopsies
            if b.key == m.biopsy_key
            for e in b.evidence[:1]
        ]
        if not f.flagged_for_biopsy:
            closing += list(f.suspicion[-1].evidence)
        yield build(
            ctx,
            ItemKind.UNSAMPLED_FINDING,
            f.key,
            laterality=f.laterality,
            finding=f,
            opened_at=opened_at,
            evidence=[ev for e in episode for ev in e.evidence]
            + list(f.evidence[:1])
            + [ev for m in missed for ev in m.evidence],
            next_step=_biopsy_next_step(f, bool(missed)),
            closes_when="a biopsy that corresponds to this finding is performed",
            closing=closing,
            risk=finding_risk(f, birads),
        )


def magnification_views_pending(ctx: Context) -> Iterator[ItemDecision]:
    """Calcifications under work-up (recalled, BI-RADS 0, or magnification views recommended) with no
    magnification view of that breast since the calcifications were first described.

    Closes when an image of that breast with the magnification view modifier arrives, or a person
    documents the views. Source: docs/items.md seed 3 (spot-magnification views first; never biopsy
    before magnification views); docs/items.md.
    """
    for f in ctx.case.findings:
        if FindingType.CALCIFICATIONS not in f.types:
            continue
        triggers: list[Stamped[Any]] = [
            a
            for a in f.assessments
            if a.value.category is Birads.B0
            and a.report_kind in (ReportKind.RADIOLOGY, ReportKind.OTHER)
        ]
        triggers += [
            r for r in f.recommendations if r.value.kind is RecommendationKind.MAGNIFICATION_VIEWS
        ]
        if not triggers:
            continue
        first = min(triggers, key=lambda s: (s.at is None, s.at or ctx.now))
        views = [
            i
            for i in ctx.images(f.laterality, f.first_seen, _MAMMOGRAPHIC)
            if ViewModifier.MAGNIFICATION in i.modifiers
        ]
        closing = [image_evidence(i, "magnification view") for i in views[:1]]
        closing += ctx.documented(
            ItemKind.MAGNIFICATION_VIEWS_PENDING, f.key, DocumentedAction.STUDY_PERFORMED
        )
        risk = finding_risk(f)
        yield build(
            ctx,
            ItemKind.MAGNIFICATION_VIEWS_PENDING,
            f.key,
            laterality=f.laterality,
            finding=f,
            opened_at=first.at,
            evidence=[t.value.evidence for t in triggers] + list(f.evidence[:1]),
            next_step="Spot-magnification views of the calcifications before any biopsy decision.",
            closes_when="magnification views of that breast arrive",
            closing=closing,
            risk=risk,
        )


def palpable_correlation(ctx: Context) -> Iterator[ItemDecision]:
    """A palpable abnormality prompted imaging and the report does not say which finding accounts for it.

    Opens for a complaint in a radiology report that neither marks it explained nor ties a finding of
    that breast to the palpable site. Closes when a report explains it (a finding described as the
    palpable abnormality, or the complaint marked explained) or a person documents the resolution.
    Source: docs/items.md seed 1 ('determine which finding corresponds to the palpable area; if it is
    the unsampled asymmetry, concern rises'); docs/items.md.
    """
    explanations = [
        (m.at, m.value.laterality, m.value.evidence)
        for f in ctx.case.findings
        for m in f.mentions
        if m.value.palpable
    ] + [
        (p.at, p.value.laterality, p.value.evidence) for p in ctx.case.palpable if p.value.explained
    ]
    for p in ctx.case.palpable:
        if p.report_kind not in (ReportKind.RADIOLOGY, ReportKind.OTHER) or p.value.explained:
            continue
        side = p.value.laterality
        same_side = [e for e in explanations if side is None or e[1] is None or e[1].covers(side)]
        if any(on_or_after(p.at, at) for at, _, _ in same_side):
            continue  # explained by the same report (or earlier): never an open question
        key_subject = f"{side or 'U'}-{digest(p.source_uid, p.value.evidence.text)}"
        closing = [ev for _, _, ev in same_side] + list(
            ctx.documented(
                ItemKind.PALPABLE_CORRELATION, key_subject, DocumentedAction.PALPABLE_SITE_RESOLVED
            )
        )
        unsampled_asym = [
            f
            for f in ctx.case.findings
            if f.type.is_asymmetry
            and f.flagged_for_biopsy
            and not ctx.correlations.sampled_by(f.key)
            and (side is None or f.laterality is None or f.laterality.covers(side))
        ]
        risk = (
            (Priority.URGENT, ("the palpable site may be the unsampled asymmetry",))
            if unsampled_asym
            else (None, ())
        )
        yield build(
            ctx,
            ItemKind.PALPABLE_CORRELATION,
            key_subject,
            laterality=side,
            location=p.value.location,
            opened_at=p.at,
            evidence=[p.value.evidence],
            next_step="Correlate the palpable site with the imaging findings and document which (if any) accounts for it.",
            closes_when="a report or a person states which finding accounts for the palpable abnormality",
            closing=closing,
            risk=risk,
        )
