"""Objects that conflict with what is on file wait for a person, instead of changing the case.

Two conflicts are caught before an object is applied:

- **A new version.** The listener keeps an object whose SOP Instance UID is on file with other
  content as a new version. Applied as it came, a changed report rewrites the facts (BI-RADS 4
  become 1) and the rules then dismiss the biopsy item as no longer supported: a clinical change
  nobody decided. It is held instead.
- **A second patient.** A Study Instance UID on file for one patient arrives under another
  Patient ID. Filed as it came, the object would join one patient's study to another's case.

A held object changes no fact and no item. A ``conflict-review`` item opens on the case of the
patient on file, and the object is listed on the failed page and in the API until a radiologist
chooses what stands: what is on file (the object is set aside), or the object (it is applied, and
the case re-evaluated with it). The choice is audited. The read object is kept with the conflict,
so choosing applies exactly what the pipeline read, without reading it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules.facts import ReportFacts
from rules.items import ItemKind
from worklist import audit
from worklist.accounts.actor import Actor
from worklist.cases import ingest, repository, service
from worklist.cases.codec import decode
from worklist.cases.ingest import ReadObject
from worklist.db.base import utcnow
from worklist.db.models import (
    Channel, ConflictChoice, ConflictKind, InboxObject, InboxState, Item, ItemEvent, ItemStatus,
    ObjectConflict, Patient, Report, Role, Study,
)
from worklist.patients.identity import existing_patient, surviving

MAX_NOTE_LENGTH = 4000
CHOOSING_ROLES = frozenset({Role.RADIOLOGIST})
"""Which version of a report stands is a clinical decision."""

NEXT_STEP = {
    ConflictKind.NEW_VERSION: "compare the two versions with the sender and choose which stands",
    ConflictKind.SECOND_PATIENT: "check the patient identifiers with the sender and choose "
                                 "whether the object belongs to the study's patient",
}
CLOSES_WHEN = "a person chooses what stands"


class ConflictActionError(Exception):
    """A choice the conflict's state or the actor's role does not allow; names no patient data."""

    def __init__(self, message: str, *, conflict: bool = False, forbidden: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict
        self.forbidden = forbidden


@dataclass(frozen=True)
class Found:
    kind: ConflictKind
    patient_pk: int
    """The patient on file, whose case carries the review."""
    on_file: InboxObject | None
    detail: str


def _assessments(facts: ReportFacts | None) -> str:
    if facts is None:
        return "none"
    categories = sorted({a.category.value for a in facts.assessments})
    return ", ".join(f"BI-RADS {c}" for c in categories) or "none"


def _version_detail(session: Session, row: InboxObject, on_file: InboxObject,
                    read: ReadObject) -> str:
    detail = (f"version {row.version} of an object applied as version {on_file.version}, "
              "with different content")
    report = session.scalars(select(Report).where(
        Report.sop_instance_uid == row.sop_instance_uid)).one_or_none()
    if report is not None and report.facts and read.facts is not None:
        stored = decode(ReportFacts, report.facts)
        detail += (f"; assessments on file: {_assessments(stored)}, in the new version: "
                   f"{_assessments(read.facts)}")
    return detail


def find(session: Session, row: InboxObject, read: ReadObject) -> Found | None:
    """The conflict ``row`` would cause if applied, or None. Order-independent: whichever version
    was applied first stands until a person chooses."""
    on_file = session.scalars(
        select(InboxObject)
        .where(InboxObject.sop_instance_uid == row.sop_instance_uid,
               InboxObject.channel == Channel.DICOM, InboxObject.id != row.id,
               InboxObject.state == InboxState.DONE, InboxObject.patient_pk.is_not(None))
        .order_by(InboxObject.processed_at.desc(), InboxObject.id.desc())
    ).first()
    if on_file is not None and on_file.patient_pk is not None:
        return Found(ConflictKind.NEW_VERSION, on_file.patient_pk, on_file,
                     _version_detail(session, row, on_file, read))
    header = read.result.patient
    study = session.scalars(select(Study).where(
        Study.study_uid == read.result.study.study_uid)).one_or_none()
    if study is None:
        return None
    owner = surviving(session, session.get_one(Patient, study.patient_pk))
    patient = existing_patient(session, header.patient_id, header.issuer)
    if patient is not None and patient.id == owner.id:
        return None
    return Found(ConflictKind.SECOND_PATIENT, owner.id, None,
                 "its Study Instance UID is on file under another Patient ID"
                 + ("" if patient is None else " (both patients are on file)"))


def hold(session: Session, row: InboxObject, found: Found, payload: dict[str, object],
         now: datetime, site_config_path: Path | None) -> ObjectConflict:
    """Keep ``row`` out of the case: record the conflict, open the review item, mark it held."""
    repository.lock_patient(session, found.patient_pk)
    conflict = ObjectConflict(
        kind=found.kind, inbox_pk=row.id, patient_pk=found.patient_pk,
        on_file_inbox_pk=found.on_file.id if found.on_file else None,
        sop_instance_uid=row.sop_instance_uid, study_uid=row.study_uid, detail=found.detail,
        detected_at=now, payload=payload, note="",
    )
    session.add(conflict)
    conflict.item_pk = _open_review(session, found, row, now, site_config_path).id
    row.state = InboxState.HELD
    row.error = f"held: {found.detail}"[:1000]
    row.processed_at = now
    row.patient_pk = found.patient_pk
    return conflict


def _open_review(session: Session, found: Found, row: InboxObject, now: datetime,
                 site_config_path: Path | None) -> Item:
    policy = service.site_config(site_config_path).policy(ItemKind.CONFLICT_REVIEW)
    key = f"{ItemKind.CONFLICT_REVIEW.value}:{row.sop_instance_uid}:{row.version}"
    item = session.scalars(select(Item).where(Item.patient_pk == found.patient_pk,
                                              Item.item_key == key)).one_or_none()
    if item is not None:  # the row was held before and released by a crash: same review
        return item
    item = Item(
        patient_pk=found.patient_pk, item_key=key, kind=ItemKind.CONFLICT_REVIEW.value,
        status=ItemStatus.OPEN, priority=policy.priority.value,
        priority_rank=policy.priority.rank, priority_reasons=[found.kind.value],
        laterality=None, finding_key=None, finding_type=None, location={},
        next_step=NEXT_STEP[found.kind], closes_when=CLOSES_WHEN,
        evidence=[{"source_uid": row.sop_instance_uid, "text": found.detail}],
        closing_evidence=[], opened_at=now, due_at=now + timedelta(days=policy.due_days),
        escalation_level=0,
    )
    session.add(item)
    item.events.append(ItemEvent(actor="pipeline", action="opened", at=now,
                                 reason=NEXT_STEP[found.kind]))
    session.flush()
    return item


def choose(session: Session, conflict: ObjectConflict, choice: ConflictChoice, note: str,
           actor: Actor, zone: tzinfo, site_config_path: Path | None,
           now: datetime | None = None) -> None:
    """Record what stands, apply it, close the review item; inside the caller's transaction."""
    if actor.role not in CHOOSING_ROLES:
        raise ConflictActionError("only a radiologist can choose which object stands",
                                  forbidden=True)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ConflictActionError(f"the note is longer than {MAX_NOTE_LENGTH} characters")
    repository.lock_patient(session, conflict.patient_pk)
    session.refresh(conflict)
    if conflict.choice is not None:
        raise ConflictActionError(f"this conflict was already decided ({conflict.choice})",
                                  conflict=True)
    now = now or utcnow()
    row = session.get_one(InboxObject, conflict.inbox_pk)
    conflict.choice = ConflictChoice(choice)
    conflict.decided_at = now
    conflict.decided_by = actor.username
    conflict.note = note
    if conflict.choice is ConflictChoice.APPLY_ARRIVED:
        read = ingest.decode_read(conflict.payload)
        patient_pk = ingest.apply(
            session, row, read.result, read.facts, zone,
            patient_pk=conflict.patient_pk if conflict.kind is ConflictKind.SECOND_PATIENT
            else None)
        touched = {patient_pk, conflict.patient_pk}
        for pk in sorted(touched):
            service.reevaluate_patient(session, pk, actor=actor.username, now=now,
                                       site_config_path=site_config_path)
        row.state = InboxState.DONE
        row.error = None
        row.patient_pk = patient_pk
    else:
        row.state = InboxState.SET_ASIDE
        row.error = "set aside: a person chose what was on file"
    row.processed_at = now
    _close_review(session, conflict, actor, now)
    audit.record(session, actor=actor.username, action="choose-conflict",
                 object_type="object-conflict", object_id=conflict.id,
                 patient_pk=conflict.patient_pk, remote_addr=actor.remote_addr,
                 detail={"kind": conflict.kind.value, "choice": conflict.choice.value})


def _close_review(session: Session, conflict: ObjectConflict, actor: Actor,
                  now: datetime) -> None:
    item = session.get(Item, conflict.item_pk) if conflict.item_pk is not None else None
    if item is None or not item.status.is_active:
        return
    item.status = ItemStatus.RESOLVED
    item.closed_at = now
    reason = f"chose: {ConflictChoice(conflict.choice).value}"
    if conflict.note:
        reason += f"; {conflict.note}"
    session.add(ItemEvent(item_pk=item.id, actor=actor.username, action="resolved", at=now,
                          reason=reason, data={"status": str(item.status)}))


def open_conflicts(session: Session, limit: int, offset: int = 0,
                   decided: bool = False) -> tuple[Sequence[ObjectConflict], int]:
    """Conflicts waiting for a choice (or, with ``decided``, all of them), newest first."""
    where = [] if decided else [ObjectConflict.choice.is_(None)]
    total = session.scalar(select(func.count(ObjectConflict.id)).where(*where)) or 0
    rows = session.scalars(select(ObjectConflict).where(*where)
                           .order_by(ObjectConflict.detected_at.desc(), ObjectConflict.id.desc())
                           .limit(limit).offset(offset)).all()
    return rows, int(total)
