"""Rules about imaging still to be done: outside priors, supplemental ultrasound, follow-up studies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from rules.anatomy import Laterality
from rules.decisions import DocumentedAction
from rules.documents import ImageRecord, Modality
from rules.facts import (
    Birads,
    Evidence,
    Recommendation,
    RecommendationKind,
    ReportFacts,
    ReportKind,
)
from rules.geometry import is_unplaced
from rules.items import ItemDecision, ItemKind
from rules.pathways.base import Context, build, image_evidence
from rules.pathways.biopsy import concordance_record
from rules.timeline import Stamped, add_months, digest, on_or_after

_MAMMOGRAPHY = frozenset({Modality.MG, Modality.DBT})
_ULTRASOUND = frozenset({Modality.US})
_MR = frozenset({Modality.MR})
_MAMMOGRAPHY_OR_ULTRASOUND = _MAMMOGRAPHY | _ULTRASOUND
_FOLLOW_UP = frozenset(
    {RecommendationKind.SHORT_INTERVAL_FOLLOW_UP, RecommendationKind.ANNUAL_SCREENING}
)
# The requesting examination's images are made up to a fortnight before it is read (a screen read
# in a batch): images made since then show which institution is home.
_HOME_WINDOW = timedelta(days=14)
_CHANGES_PLAN = frozenset(
    {Birads.B0, Birads.B4, Birads.B4A, Birads.B4B, Birads.B4C, Birads.B5, Birads.B6}
)


def _per_report(recs: list[Stamped[Recommendation]]) -> list[list[Stamped[Recommendation]]]:
    """Repeated statements of one request in one report (findings and impression) are one request."""
    groups: dict[tuple[str, RecommendationKind], list[Stamped[Recommendation]]] = {}
    for r in recs:
        groups.setdefault((r.source_uid, r.value.kind), []).append(r)
    return list(groups.values())


def _covered(images: tuple[ImageRecord, ...], side: Laterality) -> ImageRecord | None:
    """An image set covering ``side`` (both breasts for B): the last image needed, or None."""
    needed = set(side.sides())
    last = None
    for image in images:
        got = set(image.laterality.sides()) if image.laterality is not None else set(needed)
        if needed & got:
            needed -= got
            last = image
        if not needed:
            return last
    return None


def _answered(ctx: Context, requests: list[Stamped[Recommendation]]) -> list[Evidence]:
    """A final assessment (not BI-RADS 0) in an addendum to one of the requesting reports."""
    asking = {r.source_uid for r in requests}
    return [
        a.evidence
        for r in ctx.case.reports
        if asking.intersection(r.predecessor_uids)
        for a in r.assessments
        if a.category is not Birads.B0
    ]


def _received(
    ctx: Context, requests: list[Stamped[Recommendation]], until: datetime | None = None
) -> list[Evidence]:
    """A later report (not one of the requesting ones) saying the outside priors are on hand: now
    available, received, reviewed or compared with (up to ``until`` when given)."""
    asking = {r.source_uid for r in requests}
    since = requests[0].at
    found: list[Evidence] = []
    for report in ctx.case.reports:
        if not report.outside_priors_received or report.source_uid in asking:
            continue
        at = report.observed_at
        if not on_or_after(at, since):
            continue  # a comparison made before the request answers nothing
        if until is not None and (at is None or at > until):
            continue
        found += report.outside_priors_received
    return found


def _retrievals(ctx: Context) -> list[list[Stamped[Recommendation]]]:
    """Requests for outside priors, one list per retrieval: a later report asking again while the
    earlier request is unanswered (no final-assessment addendum, no documented receipt before it)
    asks for the same priors."""
    recs = [
        r for r in ctx.case.recommendations if r.value.kind is RecommendationKind.OUTSIDE_PRIORS
    ]
    retrievals: list[list[Stamped[Recommendation]]] = []
    for group in _per_report(recs):
        if retrievals and not _answered_before(ctx, retrievals[-1], group[0]):
            retrievals[-1] += group
        else:
            retrievals.append(list(group))
    return retrievals


def _answered_before(
    ctx: Context, requests: list[Stamped[Recommendation]], again: Stamped[Recommendation]
) -> bool:
    if again.at is None:
        return False
    if _received(ctx, requests, until=again.at):
        return True
    asking = {r.source_uid for r in requests}
    for report in ctx.case.reports:
        if (
            asking.intersection(report.predecessor_uids)
            and report.observed_at is not None
            and report.observed_at <= again.at
            and any(a.category is not Birads.B0 for a in report.assessments)
        ):
            return True
    subject = digest(requests[0].source_uid, "outside-priors")
    return any(
        d.decided_at <= again.at
        for d in ctx.documented_decisions(
            ItemKind.PRIORS_PENDING, subject, DocumentedAction.PRIORS_RECEIVED
        )
    )


def _outside_priors(ctx: Context, requests: list[Stamped[Recommendation]]) -> list[ImageRecord]:
    """Images of earlier examinations from elsewhere: marked as imported in their header, or made
    before the request by an institution other than the one(s) that made the images of the
    requesting examination and after it (the home institution is named in the images themselves,
    so this holds in any order of arrival; without a named home, only the header marks count)."""
    since = requests[0].at
    found = [i for i in ctx.case.images if i.outside_prior]
    if since is None:
        return found
    home_from = since - _HOME_WINDOW
    home = {i.institution.casefold() for i in ctx.case.images
            if i.institution and i.acquired_at is not None and i.acquired_at >= home_from}
    if not home:
        return found
    return found + [
        i for i in ctx.case.images
        if not i.outside_prior and i.institution and i.institution.casefold() not in home
        and i.acquired_at is not None and i.acquired_at < home_from
    ]


def priors_pending(ctx: Context) -> Iterator[ItemDecision]:
    """A report asks for outside prior mammograms. Closes when an outside prior image arrives, an
    addendum to a requesting report gives its final assessment, a later report says the priors are
    on hand ("outside mammograms now available", "unchanged compared with the outside study"), or a
    person documents receipt.

    Prior mammograms are examinations of both breasts, so the item is bilateral whatever breast
    the requesting report is about; a later report asking again while the request is unanswered
    is the same request (one item, its evidence growing).
    Source: docs/items.md seed 3 (retrieve outside priors; do not delay) and MQSA ('Incomplete: need
    prior mammograms' needs a follow-up report within 30 days).
    """
    for requests in _retrievals(ctx):
        first = requests[0]
        subject = digest(first.source_uid, "outside-priors")
        priors = _outside_priors(ctx, requests)
        closing = [image_evidence(i, "outside prior received") for i in priors[:1]]
        closing += _answered(ctx, requests)[:1]
        closing += _received(ctx, requests)[:1]
        closing += ctx.documented(
            ItemKind.PRIORS_PENDING, subject, DocumentedAction.PRIORS_RECEIVED
        )
        yield build(
            ctx,
            ItemKind.PRIORS_PENDING,
            subject,
            laterality=Laterality.BOTH,
            opened_at=first.at,
            evidence=[r.value.evidence for r in requests],
            next_step="Retrieve the outside prior mammograms for comparison.",
            closes_when="outside priors are received",
            closing=closing,
        )


def _is_supplemental(ctx: Context, r: Stamped[Recommendation]) -> bool:
    report = ctx.case.report(r.source_uid)
    dense = report is not None and report.composition is not None and report.composition.dense
    if r.value.kind is RecommendationKind.SUPPLEMENTAL_ULTRASOUND:
        # "Bilateral ultrasound" is supplemental screening for dense tissue; asked for to work up
        # masses in fatty breasts ("if priors are unavailable, recall for bilateral ultrasound")
        # it is diagnostic imaging, which this item is not about.
        return dense or "dens" in r.value.evidence.text.lower() or not (report and report.findings)
    if r.value.kind is not RecommendationKind.ULTRASOUND or r.value.target_type is not None:
        return False
    # 'Ultrasound' in a dense-breast report that describes no finding is whole-breast screening.
    return (
        report is not None
        and report.kind is ReportKind.RADIOLOGY
        and dense
        and not report.findings
        and is_unplaced(r.value.target_location)
    )


def supplemental_ultrasound_pending(ctx: Context) -> Iterator[ItemDecision]:
    """Dense tissue (BI-RADS C/D) with supplemental ultrasound recommended. Closes when ultrasound of
    the breast(s) concerned is performed on or after the recommendation.

    Source: docs/items.md seed 3 (bilateral ultrasound for dense tissue); docs/items.md.
    """
    recs = [r for r in ctx.case.recommendations if _is_supplemental(ctx, r)]
    for group in _per_report(recs):
        first = group[0]
        side = first.value.laterality or Laterality.BOTH
        subject = str(side) + "-" + digest(first.source_uid, "supplemental-ultrasound")
        done = _covered(ctx.images(None, first.at, _ULTRASOUND), side)
        closing = [image_evidence(done, "breast ultrasound")] if done is not None else []
        closing += ctx.documented(
            ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING, subject, DocumentedAction.STUDY_PERFORMED
        )
        yield build(
            ctx,
            ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING,
            subject,
            laterality=side,
            opened_at=first.at,
            evidence=[r.value.evidence for r in group],
            next_step="Schedule whole-breast ultrasound"
            + (" of both breasts" if side is Laterality.BOTH else "")
            + " for dense tissue.",
            closes_when="breast ultrasound of that side is performed",
            closing=closing,
        )


def _follow_up_side(ctx: Context, r: Stamped[Recommendation]) -> Laterality:
    if r.value.laterality is not None:
        return r.value.laterality
    if r.value.kind is RecommendationKind.ANNUAL_SCREENING:
        return Laterality.BOTH  # the next screen of a negative or benign screen is bilateral
    report = ctx.case.report(r.source_uid)
    sides: set[Laterality] = set()
    related: list[ReportFacts | None] = (
        [report, *(ctx.case.report(u) for u in report.predecessor_uids)] if report else []
    )
    for rep in related:
        if rep is None:
            continue
        for facts in (rep.findings, rep.procedures, rep.pathology, rep.assessments):
            sides |= {x.laterality for x in facts if x.laterality is not None}
    sides.discard(Laterality.BOTH)
    return sides.pop() if len(sides) == 1 else Laterality.BOTH


def _next_steps(
    ctx: Context, recs: list[Stamped[Recommendation]]
) -> list[tuple[list[Stamped[Recommendation]], Laterality]]:
    """Each report's follow-up as its next steps, with the breast(s) each is for.

    One plan is one next step: a report asking for a short-interval follow-up and for annual
    screening of the same breast ("ultrasound in 6 months, then routine screening if stable",
    "6-month follow-up, then annually for 2 years") asks for the short-interval study now; the study
    that satisfies it and the report that reads it decide what follows. Annual screening of the
    other breast only ("right breast: 6-month follow-up; left breast: annual screening") stays a
    step of its own.
    """
    steps: list[tuple[list[Stamped[Recommendation]], Laterality]] = []
    for group in _per_report(recs):
        sides = {_follow_up_side(ctx, r) for r in group}
        steps.append((group, sides.pop() if len(sides) == 1 else Laterality.BOTH))
    short: dict[str, list[Laterality]] = {}
    for group, side in steps:
        if group[0].value.kind is RecommendationKind.SHORT_INTERVAL_FOLLOW_UP:
            short.setdefault(group[0].source_uid, []).append(side)
    return [
        (group, side)
        for group, side in steps
        if group[0].value.kind is not RecommendationKind.ANNUAL_SCREENING
        or not any(side.covers(s) for s in short.get(group[0].source_uid, ()))
    ]


def _qualifying_modalities(r: Recommendation) -> frozenset[Modality]:
    wanted = (r.modality or "").lower()
    if "ultra" in wanted or "sono" in wanted or wanted == "us":
        return _ULTRASOUND
    if "mr" in wanted:
        return _MR
    if "mammo" in wanted or r.kind is RecommendationKind.ANNUAL_SCREENING:
        return _MAMMOGRAPHY
    return _MAMMOGRAPHY_OR_ULTRASOUND


def _superseded_by(
    ctx: Context, r: Stamped[Recommendation], side: Laterality
) -> Evidence | None:
    """The first sign the plan changed for that breast, or is on hold: a later report recommending
    something else or assessing it 0, 4-6; a biopsy recommendation there still to be done; or a
    biopsy there still awaiting its pathology or its radiology-pathology concordance."""
    if r.at is not None:
        for report in ctx.case.reports:
            if report.source_uid == r.source_uid or report.observed_at is None:
                continue
            if report.observed_at <= r.at:
                continue
            for rec in report.recommendations:
                if (rec.kind in _FOLLOW_UP or rec.kind is RecommendationKind.BIOPSY) and (
                    rec.laterality is None or rec.laterality.covers(side)
                ):
                    return rec.evidence
            for a in report.assessments:
                if a.category in _CHANGES_PLAN and (
                    a.laterality is None or a.laterality.covers(side)
                ):
                    return a.evidence
    for f in ctx.case.findings:
        if (
            f.flagged_for_biopsy
            and not ctx.correlations.sampled_by(f.key)
            and (f.laterality is None or f.laterality.covers(side))
        ):
            return f.suspicion[-1].evidence[0] if f.suspicion[-1].evidence else f.evidence[0]
    for b in ctx.case.biopsies:
        # A biopsy there whose result is not settled: routine follow-up rests on a benign
        # concordant result (discordant goes to excision or re-biopsy), so it waits for it.
        if b.laterality is not None and not b.laterality.covers(side):
            continue
        if not b.pathology or not concordance_record(ctx, b):
            return b.evidence[0]
    return None


def follow_up_due(ctx: Context) -> Iterator[ItemDecision]:
    """Short-interval (6-month) or annual follow-up is recommended.

    Due at the end of the window (target date + window_after_days). Closes when a qualifying study of
    that breast (the modality asked for; mammography for a screen) is acquired on or after the window
    start, or when the plan is superseded: a later report recommends something else for that breast,
    or a biopsy recommendation there is still pending. It is on hold (closed, and opens again by
    itself) while a biopsy of that breast awaits its pathology or its documented concordance:
    routine follow-up rests on a benign concordant result. Source: docs/items.md (BI-RADS 3: 6-month
    unilateral follow-up, only ~72-74% return on time; benign concordant: 6-month follow-up; normal
    contralateral breast -> annual screening); docs/items.md, seed cases (discordant benign ->
    excision or re-biopsy, never routine follow-up) and "Open items".
    """
    policy = ctx.config.follow_up
    recs = [r for r in ctx.case.recommendations if r.value.kind in _FOLLOW_UP]
    for group, side in _next_steps(ctx, recs):
        first = group[0]
        start = first.at or ctx.now
        months = first.value.interval_months or (
            policy.annual_months
            if first.value.kind is RecommendationKind.ANNUAL_SCREENING
            else policy.short_interval_months
        )
        target = add_months(start, months)
        window_start = target - timedelta(days=policy.window_before_days)
        due = target + timedelta(days=policy.window_after_days)
        subject = str(side) + "-" + digest(first.source_uid, first.value.kind)
        study = _covered(ctx.images(None, window_start, _qualifying_modalities(first.value)), side)
        closing = [image_evidence(study, "follow-up study")] if study is not None else []
        closing += ctx.documented(ItemKind.FOLLOW_UP_DUE, subject, DocumentedAction.STUDY_PERFORMED)
        superseded = _superseded_by(ctx, first, side)
        if superseded is not None:
            closing.append(superseded)
        what = first.value.modality or (
            "screening mammogram"
            if first.value.kind is RecommendationKind.ANNUAL_SCREENING
            else "imaging"
        )
        yield build(
            ctx,
            ItemKind.FOLLOW_UP_DUE,
            subject,
            laterality=side,
            opened_at=first.at,
            evidence=[r.value.evidence for r in group],
            next_step=f"Schedule the {months}-month follow-up {what} "
            f"(window {window_start.date()} to {due.date()}).",
            closes_when="a qualifying study of that breast is performed in or after the window, "
            "or a later report changes the plan",
            closing=closing,
            due_at=due,
        )
