"""The safety net: no pathology result goes unseen, whatever the wording or a missing link.

The pathway rules work from the assembled biopsies, and assembly ties every pathology result to a
biopsy (one known only from its pathology when no procedure report matches). This rule does not
rely on that: it reads every pathology specimen of the reports directly and checks that the items
the result calls for exist, open or closed by evidence. When one is missing it opens it about the
specimen itself, so a malignant result always reaches a coordinator.

- Every result: ``concordance-pending`` for its breast (a benign result that does not explain the
  imaging is the discordance that hides a cancer).
- A malignant result: ``malignancy-referral``; a high-risk one: ``high-risk-lesion`` (unless a
  malignant result of that report and breast already asks for the referral).
- A result that names no breast: both breasts (it could be from either; a person ties it).

Source: docs/items.md (concordance-pending, high-risk-lesion, malignancy-referral), seeds 2-3;
MQSA 21 CFR 900.12(f) (every positive result correlated and followed up).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from rules.anatomy import Laterality
from rules.decisions import ConcordanceDecision, DocumentedAction
from rules.facts import PathologyCategory, PathologySpecimen, StepTaken
from rules.items import ItemDecision, ItemKind
from rules.pathways.base import Context, build, decision_evidence
from rules.pathways.pathology import steps_taken
from rules.timeline import Stamped, digest, stamp

_MALIGNANT = PathologyCategory.MALIGNANT
_HIGH_RISK = PathologyCategory.HIGH_RISK


def _covered(items: Mapping[str, ItemDecision], kinds: tuple[ItemKind, ...]) -> set[tuple[str, str]]:
    """(document, sentence) of every piece of evidence the items of these kinds cite."""
    return {
        (e.source_uid, e.text) for item in items.values() if item.kind in kinds for e in item.evidence
    }


def _specimens(ctx: Context) -> list[Stamped[PathologySpecimen]]:
    out: list[Stamped[PathologySpecimen]] = []
    for report in ctx.case.reports:
        for s in report.pathology:
            out.append(stamp((s, report.observed_at, report.source_uid, report.kind)))
    return out


def safety_net(ctx: Context, items: Mapping[str, ItemDecision]) -> Iterator[ItemDecision]:
    """The items a pathology result calls for that the pathway rules did not raise (``items``: what
    they raised, by key). Each is about the specimen: key ``P-<side>-<digest>``."""
    concordance = _covered(items, (ItemKind.CONCORDANCE_PENDING,))
    referral = _covered(items, (ItemKind.MALIGNANCY_REFERRAL,))
    high_risk = _covered(items, (ItemKind.HIGH_RISK_LESION, ItemKind.MALIGNANCY_REFERRAL))
    specimens = _specimens(ctx)
    malignant_reports = {
        (s.source_uid, s.value.laterality) for s in specimens if s.value.category is _MALIGNANT
    }
    # A high-risk result of a biopsy that also has a malignant one (a revised report): the
    # referral covers it, as the high-risk-lesion rule says.
    for b in ctx.case.biopsies:
        if any(p.value.category is _MALIGNANT for p in b.pathology):
            high_risk |= {(p.value.evidence.source_uid, p.value.evidence.text) for p in b.pathology}
    for s in specimens:
        p = s.value
        cited = (p.evidence.source_uid, p.evidence.text)
        side = p.laterality or Laterality.BOTH
        subject = f"P-{side}-{digest('specimen', s.source_uid, p.evidence.text)}"
        if cited not in concordance:
            yield build(
                ctx,
                ItemKind.CONCORDANCE_PENDING,
                subject,
                laterality=side,
                opened_at=s.at,
                evidence=[p.evidence],
                next_step="Document radiology-pathology concordance for this result, and record "
                "which biopsy it came from.",
                closes_when="concordance is documented by a radiologist",
                # Tied to no biopsy, so no report's verdict can be shown to be about it: only a
                # radiologist's verdict on this result closes it.
                closing=[
                    decision_evidence(f"concordance {d.verdict.value}", d.note)
                    for d in ctx.case.decisions
                    if isinstance(d, ConcordanceDecision) and d.subject_key == subject
                ][:1],
            )
        if p.category is _MALIGNANT and cited not in referral:
            yield build(
                ctx,
                ItemKind.MALIGNANCY_REFERRAL,
                subject,
                laterality=side,
                opened_at=s.at,
                evidence=[p.evidence],
                next_step="Surgical and oncology referral.",
                closes_when="the referral is documented or surgery is performed",
                closing=list(
                    ctx.documented(
                        ItemKind.MALIGNANCY_REFERRAL,
                        subject,
                        DocumentedAction.REFERRAL,
                        DocumentedAction.SURGICAL_CONSULTATION,
                    )
                )
                + steps_taken(
                    ctx, p.laterality, s.at, StepTaken.REFERRAL, StepTaken.SURGICAL_CONSULTATION
                ),
            )
        if (
            p.category is _HIGH_RISK
            and cited not in high_risk
            and (s.source_uid, p.laterality) not in malignant_reports
        ):
            yield build(
                ctx,
                ItemKind.HIGH_RISK_LESION,
                subject,
                laterality=side,
                opened_at=s.at,
                evidence=[p.evidence],
                next_step="Surgical consultation about excision.",
                closes_when="a surgical consultation is documented or excision is performed",
                closing=list(
                    ctx.documented(
                        ItemKind.HIGH_RISK_LESION,
                        subject,
                        DocumentedAction.SURGICAL_CONSULTATION,
                        DocumentedAction.REFERRAL,
                    )
                )
                + steps_taken(
                    ctx, p.laterality, s.at, StepTaken.SURGICAL_CONSULTATION, StepTaken.REFERRAL
                ),
            )
