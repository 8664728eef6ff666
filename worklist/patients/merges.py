"""Merging two patient records (ADT^A40): everything the retired record holds moves to the
surviving one; nothing is deleted.

Studies, images, reports, received objects, pathology, concordance decisions and items change
hands. The case rows the rules mirror (findings, biopsies) move too; the rules rebuild them when
the survivor's case is evaluated again. Two items for the same step (the same key, e.g. both
records had a follow-up due for the right breast) cannot both stand: the one with a person's
actions on it keeps the key (else the active one, else the survivor's); the other keeps its whole
history under a retired key, and if still active is dismissed naming the item that carries on.
The retired record remembers where it went, so objects still arriving under its identifier join
the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from worklist import audit
from worklist.cases.reconcile import BY_RULES, by_person
from worklist.db.models import (
    ConcordanceDecision, Finding, Hl7Result, Image, InboxObject, Item, ItemEvent, ItemStatus,
    PathologyResult, Patient, Procedure, Report, Study,
)

MERGED = "the patient's records were merged"


@dataclass
class MergeSummary:
    moved: dict[str, int] = field(default_factory=dict)
    items_moved: list[int] = field(default_factory=list)
    items_retired: list[int] = field(default_factory=list)


def _retired_key(key: str, merged_pk: int, limit: int) -> str:
    suffix = f"~merged-{merged_pk}"
    return key[: limit - len(suffix)] + suffix


def _person_rank(item: Item) -> tuple[int, int, int]:
    """Which of two items for one step keeps the key: a person's closing, then any person's
    action, then being active."""
    people = [event for event in item.events if by_person(event)]
    closed_by_person = bool(people) and people[-1].action in ("resolved", "dismissed")
    return (int(closed_by_person), int(bool(people)), int(item.status.is_active))


def _event(item: Item, action: str, reason: str, now: datetime, actor: str,
           data: dict[str, Any]) -> None:
    item.events.append(ItemEvent(actor=actor, action=action, at=now, reason=reason,
                                 data={**data, BY_RULES: True}))


def _move_items(session: Session, merged: Patient, survivor: Patient, now: datetime, actor: str,
                summary: MergeSummary) -> None:
    kept = {item.item_key: item for item in session.scalars(
        select(Item).where(Item.patient_pk == survivor.id))}
    moving = session.scalars(select(Item).where(Item.patient_pk == merged.id).order_by(Item.id))
    for item in moving.all():
        twin = kept.get(item.item_key)
        if twin is None:
            item.patient_pk = survivor.id
            _event(item, "updated", MERGED, now, actor, {"merged_from_patient": merged.id})
            summary.items_moved.append(item.id)
            continue
        winner, loser = ((item, twin) if _person_rank(item) > _person_rank(twin)
                         else (twin, item))
        key = winner.item_key
        loser.item_key = _retired_key(key, merged.id, 200)
        session.flush()  # the loser leaves the key before both items are the survivor's
        item.patient_pk = survivor.id
        reason = f"{MERGED}: the same step continues as item {winner.id}"
        if loser.status.is_active:
            loser.status = ItemStatus.DISMISSED
            loser.closed_at = now
            _event(loser, "dismissed", reason, now, actor, {"continued_by": winner.id})
        else:
            _event(loser, "updated", reason, now, actor,
                   {"continued_by": winner.id, "previous_key": key})
        _event(winner, "updated", f"{MERGED}: item {loser.id} was the same step", now, actor,
               {"merged_item": loser.id})
        summary.items_moved.append(item.id)
        summary.items_retired.append(loser.id)
        kept[key] = winner
        session.flush()


def _move_keyed(session: Session, model: type[Finding] | type[Procedure], key_name: str,
                merged: Patient, survivor: Patient) -> int:
    """Case rows keyed per patient: a key the survivor already has is retired on the moved row."""
    column = getattr(model, key_name)
    taken = set(session.scalars(select(column).where(model.patient_pk == survivor.id)))
    rows = session.scalars(select(model).where(model.patient_pk == merged.id)).all()
    for row in rows:
        key = getattr(row, key_name)
        if key in taken:
            setattr(row, key_name, _retired_key(key, merged.id, 128))
        row.patient_pk = survivor.id
    session.flush()
    return len(rows)


def merge_patients(session: Session, merged: Patient, survivor: Patient, *, now: datetime,
                   actor: str, source: dict[str, Any]) -> MergeSummary:
    """Move everything of ``merged`` onto ``survivor`` (both locked by the caller) and record it
    in the audit trail. The caller evaluates the survivor's case again."""
    summary = MergeSummary()
    for model in (Study, Image, Report, InboxObject, PathologyResult, ConcordanceDecision,
                  Hl7Result):
        result = session.execute(update(model).where(model.patient_pk == merged.id)
                                 .values(patient_pk=survivor.id)
                                 .execution_options(synchronize_session="fetch"))
        summary.moved[model.__tablename__] = result.rowcount  # type: ignore[attr-defined]
    summary.moved["findings"] = _move_keyed(session, Finding, "finding_key", merged, survivor)
    summary.moved["procedures"] = _move_keyed(session, Procedure, "procedure_key", merged,
                                              survivor)
    _move_items(session, merged, survivor, now, actor, summary)
    summary.moved["items"] = len(summary.items_moved)
    merged.merged_into_pk = survivor.id
    for patient_pk, role in ((merged.id, "merged"), (survivor.id, "survivor")):
        audit.record(session, actor=actor, action="patient.merged", object_type="patient",
                     object_id=patient_pk, patient_pk=patient_pk,
                     detail={"role": role, "merged_patient": merged.id,
                             "surviving_patient": survivor.id, "moved": summary.moved,
                             "items_retired": summary.items_retired, **source})
    session.flush()
    return summary
