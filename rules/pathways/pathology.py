"""Rules about what the pathology result means for the patient: high-risk lesions and malignancy."""

from __future__ import annotations

from collections.abc import Iterator

from datetime import datetime

from rules.anatomy import Laterality
from rules.case import Biopsy, Finding
from rules.decisions import DocumentedAction
from rules.facts import Evidence, Guidance, Lesion, PathologyCategory, StepTaken
from rules.geometry import sides_compatible
from rules.items import ItemDecision, ItemKind
from rules.pathways.base import Context, build
from rules.timeline import on_or_after

#: Upgrade rates at excision (docs/items.md, clinical sources).
_UPGRADE_NOTES = {
    Lesion.ADH: "ADH is upgraded at excision in about 18% and is usually excised",
    Lesion.ALH: "lobular neoplasia is upgraded in about 10%",
    Lesion.LCIS: "lobular neoplasia is upgraded in about 10%",
    Lesion.PAPILLOMA: "papillary lesions are upgraded in about 2%",
}


def _surgery_after(ctx: Context, b: Biopsy) -> list[Biopsy]:
    """Surgical procedures on that breast after this biopsy's result (excision settles it)."""
    since = b.pathology_at
    out = []
    for o in ctx.case.biopsies:
        when = o.performed_at or o.pathology_at
        if o.key == b.key or o.guidance is not Guidance.SURGICAL:
            continue
        if (
            o.laterality is not None
            and b.laterality is not None
            and o.laterality is not b.laterality
        ):
            continue
        if since is None or when is None or when.date() > since.date():
            out.append(o)
    return out


def steps_taken(
    ctx: Context, side: Laterality | None, since: datetime | None, *steps: StepTaken
) -> list[Evidence]:
    """Report sentences recording one of ``steps`` as taken for that breast (a step recorded for
    the patient without a side counts for either), on or after the day of the result: a referral
    made before a malignant result was not a referral for it."""
    out: list[Evidence] = []
    for taken in ctx.case.completed_steps:
        step = taken.value
        if step.step in steps and sides_compatible(step.laterality, side) and on_or_after(taken.at, since):
            out.append(step.evidence)
    return out


def item_side(b: Biopsy) -> Laterality:
    """The breast an item about this biopsy (or its result) concerns. When neither its reports nor
    its result name one, the result could be from either breast: both breasts' items stay open
    until a person ties it (a missing side may cost a coordinator a look, never a missed cancer)."""
    return Laterality.BOTH if b.laterality is None else b.laterality


def _targets(ctx: Context, b: Biopsy) -> Finding | None:
    targets = ctx.targets(b)
    return targets[0] if len(targets) == 1 else None


def high_risk_lesion(ctx: Context) -> Iterator[ItemDecision]:
    """Pathology is a high-risk lesion (ADH, ALH, LCIS, FEA, radial scar, papilloma, phyllodes) and
    nothing malignant. Closes when a surgical consultation (or a referral to surgery) is documented
    by a person or recorded as taken in a report, or excision is performed.

    Source: docs/architecture.md (what the reader finds); docs/items.md, clinical sources (upgrade
    rates: ADH ~18%, lobular neoplasia ~10%, papillary ~2%; concordant FEA, ALH and classic LCIS are
    often observed, ADH usually excised: a surgeon decides, so the consultation closes the item).
    """
    for b in ctx.case.biopsies:
        specimens = [s for s in b.pathology if s.value.category is PathologyCategory.HIGH_RISK]
        if not specimens or any(
            s.value.category is PathologyCategory.MALIGNANT for s in b.pathology
        ):
            continue
        lesions = [lesion for s in specimens for lesion in s.value.lesions]
        notes = sorted({_UPGRADE_NOTES[lesion] for lesion in lesions if lesion in _UPGRADE_NOTES})
        named = (
            ", ".join(dict.fromkeys(lesion.value.replace("-", " ") for lesion in lesions))
            or "high-risk lesion"
        )
        closing = list(
            ctx.documented(
                ItemKind.HIGH_RISK_LESION,
                b.key,
                DocumentedAction.SURGICAL_CONSULTATION,
                DocumentedAction.REFERRAL,
            )
        )
        closing += [ev for o in _surgery_after(ctx, b) for ev in o.evidence[:1]]
        closing += steps_taken(
            ctx, b.laterality, specimens[0].at, StepTaken.SURGICAL_CONSULTATION, StepTaken.REFERRAL
        )
        yield build(
            ctx,
            ItemKind.HIGH_RISK_LESION,
            b.key,
            laterality=item_side(b),
            finding=_targets(ctx, b),
            finding_type=b.target_type,
            opened_at=specimens[0].at,
            evidence=[s.value.evidence for s in specimens],
            next_step=f"Surgical consultation about excision ({named})"
            + (f"; {'; '.join(notes)}." if notes else "."),
            closes_when="a surgical consultation is documented or excision is performed",
            closing=closing,
        )


def malignancy_referral(ctx: Context) -> Iterator[ItemDecision]:
    """Pathology is malignant: surgical and oncology referral. Closes when the referral (or the
    surgical consultation) is documented by a person or recorded as made in a report dated on or
    after the result ('the patient was referred to breast surgery today'), or surgery is performed.

    Source: docs/items.md, seed 3 (DCIS at core biopsy is upgraded to invasive cancer at
    excision in about 20%); docs/items.md seed 2 (malignant needle results go to surgery).
    """
    for b in ctx.case.biopsies:
        specimens = [s for s in b.pathology if s.value.category is PathologyCategory.MALIGNANT]
        if not specimens:
            continue
        lesions = {lesion for s in specimens for lesion in s.value.lesions}
        invasive = lesions & {Lesion.IDC, Lesion.ILC, Lesion.INVASIVE_CARCINOMA}
        note = ""
        if Lesion.DCIS in lesions and not invasive:
            note = " DCIS at core biopsy is upgraded to invasive cancer at excision in about 20% of cases."
        closing = list(
            ctx.documented(
                ItemKind.MALIGNANCY_REFERRAL,
                b.key,
                DocumentedAction.REFERRAL,
                DocumentedAction.SURGICAL_CONSULTATION,
            )
        )
        closing += [ev for o in _surgery_after(ctx, b) for ev in o.evidence[:1]]
        closing += steps_taken(
            ctx, b.laterality, specimens[0].at, StepTaken.REFERRAL, StepTaken.SURGICAL_CONSULTATION
        )
        yield build(
            ctx,
            ItemKind.MALIGNANCY_REFERRAL,
            b.key,
            laterality=item_side(b),
            finding=_targets(ctx, b),
            finding_type=b.target_type,
            opened_at=specimens[0].at,
            evidence=[s.value.evidence for s in specimens],
            next_step="Surgical and oncology referral." + note,
            closes_when="the referral is documented or surgery is performed",
            closing=closing,
        )
