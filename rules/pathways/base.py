"""What every pathway rule receives (the assembled case, the correlations, the site policy, the
moment of evaluation) and the one way items are built, so due dates and priorities are uniform."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rules.anatomy import Laterality, Location
from rules.case import AssembledCase, Biopsy, Finding
from rules.correlation import Correlations
from rules.decisions import Documented, DocumentedAction
from rules.documents import ImageRecord, Modality
from rules.facts import Evidence, FindingType
from rules.items import ItemDecision, ItemKind, Priority
from rules.priority import raise_priority
from rules.site import SiteConfig
from rules.timeline import add_days, on_or_after


@dataclass(frozen=True)
class Context:
    case: AssembledCase
    correlations: Correlations
    config: SiteConfig
    now: datetime

    def targets(self, biopsy: Biopsy) -> tuple[Finding, ...]:
        keys = self.correlations.targets_of(biopsy.key)
        return tuple(f for f in self.case.findings if f.key in keys)

    def documented(self, item_key: str, *actions: DocumentedAction) -> tuple[Evidence, ...]:
        """Documented actions that close the item ``item_key``."""
        return tuple(
            decision_evidence(d.action.value, d.note)
            for d in self.case.decisions
            if isinstance(d, Documented) and d.item_key == item_key and d.action in actions
        )

    def images(
        self,
        side: Laterality | None,
        since: datetime | None,
        modalities: frozenset[Modality] | None = None,
    ) -> tuple[ImageRecord, ...]:
        """Images of that breast (bilateral images count for each), acquired on or after ``since``."""
        return tuple(
            i
            for i in self.case.images
            if (side is None or i.laterality is None or i.laterality.covers(side))
            and on_or_after(i.acquired_at, since)
            and (modalities is None or i.modality in modalities)
        )


def decision_evidence(what: str, note: str = "") -> Evidence:
    return Evidence(source_uid=f"decision:{what}", text=note or f"{what} documented")


def image_evidence(image: ImageRecord, what: str) -> Evidence:
    return Evidence(source_uid=image.sop_instance_uid, text=what)


def build(
    ctx: Context,
    kind: ItemKind,
    subject: str,
    *,
    laterality: Laterality | None,
    opened_at: datetime | None,
    evidence: Iterable[Evidence],
    next_step: str,
    closes_when: str,
    closing: Iterable[Evidence] = (),
    finding: Finding | None = None,
    finding_type: FindingType | None = None,
    location: Location | None = None,
    risk: tuple[Priority | None, tuple[str, ...]] = (None, ()),
    due_at: datetime | None = None,
) -> ItemDecision:
    policy = ctx.config.policy(kind)
    priority = raise_priority(policy.priority, risk[0])
    opened = opened_at or ctx.now
    if due_at is None:
        days = (
            policy.urgent_due_days
            if priority is Priority.URGENT and policy.urgent_due_days
            else policy.due_days
        )
        due_at = add_days(opened, days)
    return ItemDecision(
        key=f"{kind.value}:{subject}",
        kind=kind,
        laterality=laterality
        if laterality is not None
        else (finding.laterality if finding else None),
        finding_type=finding.type if finding else finding_type,
        location=location
        if location is not None
        else (finding.location if finding else Location()),
        finding_key=finding.key if finding else None,
        priority=priority,
        priority_reasons=risk[1],
        opened_at=opened,
        due_at=due_at,
        next_step=next_step,
        evidence=_unique(evidence),
        closes_when=closes_when,
        closing_evidence=_unique(closing),
    )


def _unique(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    return tuple(dict.fromkeys(evidence))
