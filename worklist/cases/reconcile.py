"""Bring the patient's items in line with what the rules say should be open.

New conditions open items; met conditions resolve them with the evidence that met them; conditions
the facts no longer support are dismissed with that reason. Nothing is deleted, nothing duplicated,
and every change is an event. An item a person closed stays closed: people outrank inference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rules.facts import Evidence
from rules.items import Evaluation, ItemDecision, ItemKind
from worklist.cases.codec import compact
from worklist.db.models import Item, ItemEvent, ItemStatus

SYSTEM_ACTORS = frozenset({"pipeline", "scheduler"})
BY_RULES = "by_rules"
"""Marks, in an event's data, a change the rules made. When a person's action re-runs the rules
(documenting concordance), the changes carry that person as actor but are still inference: they
must not count as the person closing the item or documenting the action that closes it."""
NO_LONGER_SUPPORTED = "no longer supported by the reports after re-evaluation"
RE_KEYED = "the same step, now tied to the biopsy's own report"
NOT_FROM_RULES = frozenset({ItemKind.CONFLICT_REVIEW.value})
"""Kinds the pipeline opens and a person closes (``worklist.cases.conflicts``): the rules never
produce them, so reconciliation must not dismiss them as no longer supported."""

# Fields copied from a decision onto its item; a change to any of them is recorded as an event.
_TRACKED = ("kind", "priority", "priority_reasons", "laterality", "finding_key", "finding_type",
            "location", "next_step", "closes_when", "evidence", "due_at")


@dataclass
class ReconcileSummary:
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    dismissed: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any((self.opened, self.updated, self.resolved, self.dismissed, self.reopened))


def _evidence(evidence: Iterable[Evidence]) -> list[dict[str, str]]:
    return [{"source_uid": e.source_uid, "text": e.text} for e in evidence]


def _values(decision: ItemDecision) -> dict[str, Any]:
    return {
        "kind": decision.kind.value,
        "priority": decision.priority.value,
        "priority_rank": decision.priority.rank,
        "priority_reasons": list(decision.priority_reasons),
        "laterality": decision.laterality.value if decision.laterality else None,
        "finding_key": decision.finding_key,
        "finding_type": decision.finding_type.value if decision.finding_type else None,
        "location": compact(decision.location),
        "next_step": decision.next_step,
        "closes_when": decision.closes_when,
        "evidence": _evidence(decision.evidence),
        "due_at": decision.due_at,
    }


def _event(item: Item, actor: str, action: str, at: datetime, reason: str = "",
           data: dict[str, Any] | None = None) -> None:
    item.events.append(ItemEvent(actor=actor, action=action, at=at, reason=reason,
                                 data={**(data or {}), BY_RULES: True}))


def by_person(event: ItemEvent) -> bool:
    """The event records what a person did, not what the rules inferred on their behalf."""
    return event.actor not in SYSTEM_ACTORS and not (event.data or {}).get(BY_RULES)


def _closed_by_person(item: Item) -> bool:
    closing = [e for e in item.events
               if e.action in ("resolved", "dismissed", "lost-to-follow-up")]
    return bool(closing) and by_person(closing[-1])


def _open(session: Session, patient_pk: int, decision: ItemDecision, now: datetime, actor: str,
          backfill: bool = False) -> Item:
    item = Item(patient_pk=patient_pk, item_key=decision.key, status=ItemStatus.OPEN,
                opened_at=decision.opened_at, escalation_level=0,
                backfilled_at=now if backfill else None, **_values(decision))
    session.add(item)
    _event(item, actor, "opened", now, decision.next_step)
    return item


def _refresh(item: Item, decision: ItemDecision, now: datetime, actor: str) -> bool:
    values = _values(decision)
    changed = [name for name in _TRACKED if getattr(item, name) != values[name]]
    if not changed:
        return False
    for name, value in values.items():
        setattr(item, name, value)
    _event(item, actor, "updated", now, "the reports changed: " + ", ".join(changed),
           {"fields": changed})
    return True


def _resolve(item: Item, decision: ItemDecision, now: datetime, actor: str) -> None:
    item.status = ItemStatus.RESOLVED
    item.closed_at = now
    item.closing_evidence = _evidence(decision.closing_evidence)
    _event(item, actor, "resolved", now, decision.closes_when,
           {"closing_evidence": item.closing_evidence})


def _subject(item_or_decision: Item | ItemDecision) -> tuple[str, str | None, str | None]:
    kind = item_or_decision.kind
    laterality = item_or_decision.laterality
    return (
        kind if isinstance(kind, str) else kind.value,
        laterality if laterality is None or isinstance(laterality, str) else laterality.value,
        item_or_decision.finding_key,
    )


def _carried_over(by_key: dict[str, Item], evaluation: Evaluation) -> dict[str, ItemDecision]:
    """Active items whose key the rules no longer produce, each paired with the one new decision
    about the same step (kind, breast, finding) when the pairing is unambiguous.

    A biopsy known first from its pathology report gets a key of its own; when the procedure
    report arrives, the biopsy's key changes. The step asked for is the same, so the item keeps
    its history, acknowledgement and notes instead of being dismissed and opened anew."""
    decisions = [*evaluation.open, *evaluation.satisfied]
    produced = {d.key for d in decisions}
    orphans = [item for key, item in by_key.items() if key not in produced and item.status.is_active]
    newcomers = [d for d in decisions if d.key not in by_key]
    pairs: dict[str, ItemDecision] = {}
    for item in orphans:
        same = [d for d in newcomers if _subject(d) == _subject(item)]
        rivals = [o for o in orphans if _subject(o) == _subject(item)]
        if len(same) == 1 and len(rivals) == 1:
            pairs[item.item_key] = same[0]
    return pairs


def reconcile(
    session: Session,
    patient_pk: int,
    existing: Sequence[Item],
    evaluation: Evaluation,
    now: datetime,
    actor: str = "pipeline",
    backfill: bool = False,
) -> ReconcileSummary:
    """``backfill``: the facts that changed are history loaded at go-live; the items this opens
    count their reminders from ``now`` (``Item.backfilled_at``)."""
    summary = ReconcileSummary()
    by_key = {item.item_key: item for item in existing if item.kind not in NOT_FROM_RULES}
    for old_key, decision in _carried_over(by_key, evaluation).items():
        item = by_key.pop(old_key)
        item.item_key = decision.key
        by_key[decision.key] = item
        _event(item, actor, "updated", now, RE_KEYED, {"previous_key": old_key})
        summary.updated.append(decision.key)
    handled: set[str] = set()

    for decision in evaluation.open:
        handled.add(decision.key)
        item = by_key.get(decision.key)
        if item is None:
            _open(session, patient_pk, decision, now, actor, backfill)
            summary.opened.append(decision.key)
        elif item.status.is_active:
            if _refresh(item, decision, now, actor):
                summary.updated.append(decision.key)
        elif not _closed_by_person(item):
            item.status = ItemStatus.OPEN
            item.closed_at = None
            item.closing_evidence = []
            _refresh(item, decision, now, actor)
            _event(item, actor, "reopened", now, "the condition holds again")
            summary.reopened.append(decision.key)

    for decision in evaluation.satisfied:
        if decision.key in handled:
            continue
        handled.add(decision.key)
        item = by_key.get(decision.key)
        if item is None:
            # The condition was met before it was ever seen open (facts arrived out of order):
            # keep the record that the step was needed and done.
            item = _open(session, patient_pk, decision, now, actor, backfill)
            _resolve(item, decision, now, actor)
            summary.resolved.append(decision.key)
        elif item.status.is_active:
            _resolve(item, decision, now, actor)
            summary.resolved.append(decision.key)

    for key, item in by_key.items():
        if key not in handled and item.status.is_active:
            item.status = ItemStatus.DISMISSED
            item.closed_at = now
            _event(item, actor, "dismissed", now, NO_LONGER_SUPPORTED)
            summary.dismissed.append(key)
    return summary
