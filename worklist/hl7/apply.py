"""One HL7 message applied to the system of record, inside the caller's transaction (the ingest
task's); never commits. Returns what became of the message and which patients' cases to evaluate.

- ORU^R01: the patient named by PID-3 is found or created (a result for a patient no image has named
  yet is kept, read and acted on at once, and listed as unmatched until imaging arrives), and each
  result is applied (``worklist.hl7.results``);
- ADT^A08: a known patient's demographics are updated; an unknown one is none of our business;
- ADT^A40: each retired identifier's record is merged into the survivor (``worklist.patients.merges``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from hl7_io.records import Content, MergeMessage, PatientMerge, PatientUpdate, ResultMessage
from rules.facts import ReportFacts
from worklist import audit
from worklist.cases import repository
from worklist.db.models import InboxObject, InboxState, Patient
from worklist.hl7.results import apply_result, fill_demographics
from worklist.patients.identity import chosen_identifier, existing_patient
from worklist.patients.merges import merge_patients

ACTOR = "pipeline"


@dataclass
class Applied:
    state: InboxState
    note: str = ""
    """Why nothing was done (out of scope), never patient data."""
    patient_pk: int | None = None
    evaluate: list[int] = field(default_factory=list)


def _lock(session: Session, *patients: Patient) -> None:
    for patient_pk in sorted({p.id for p in patients}):  # one order everywhere: no deadlock
        repository.lock_patient(session, patient_pk)


def _results(session: Session, row: InboxObject, message: ResultMessage,
             facts: Mapping[int, ReportFacts | None], namespaces: Mapping[str, str]) -> Applied:
    in_scope = [(n, r) for n, r in enumerate(message.results, start=1) if r.in_scope]
    if not in_scope:
        return Applied(InboxState.OUT_OF_SCOPE, message.results[0].scope_reason)
    patient_id, issuer = chosen_identifier(message.patient.identifiers, namespaces)
    patient = repository.get_or_create_patient(session, patient_id=patient_id, issuer=issuer)
    _lock(session, patient)
    fill_demographics(patient, message.patient, overwrite=False)
    applied = Applied(InboxState.DONE, patient_pk=patient.id)
    for position, result in in_scope:
        outcome = apply_result(session, row, position, result, facts.get(position), patient)
        if outcome.changed and patient.id not in applied.evaluate:
            applied.evaluate.append(patient.id)
        if outcome.previous_patient_pk is not None:
            applied.evaluate.append(outcome.previous_patient_pk)
    return applied


def _update(session: Session, row: InboxObject, message: PatientUpdate,
            namespaces: Mapping[str, str]) -> Applied:
    patient_id, issuer = chosen_identifier(message.patient.identifiers, namespaces)
    patient = existing_patient(session, patient_id, issuer)
    if patient is None:
        return Applied(InboxState.OUT_OF_SCOPE, "the patient is not known here")
    _lock(session, patient)
    changed = fill_demographics(patient, message.patient, overwrite=True)
    if changed:
        audit.record(session, actor=ACTOR, action="patient.updated", object_type="patient",
                     object_id=patient.id, patient_pk=patient.id,
                     detail={"fields": changed, "inbox_id": row.id, "message": "ADT^A08"})
    return Applied(InboxState.DONE, patient_pk=patient.id)


def _merge(session: Session, row: InboxObject, merge: PatientMerge,
           namespaces: Mapping[str, str], now: datetime) -> int | None:
    """Merge one retired identifier's record; the survivor's key, or None when there was nothing
    of it here."""
    merged_id, merged_issuer = chosen_identifier(merge.merged, namespaces)
    merged = existing_patient(session, merged_id, merged_issuer)
    if merged is None:
        return None
    survivor_id, survivor_issuer = chosen_identifier(merge.survivor.identifiers, namespaces)
    survivor = repository.get_or_create_patient(session, patient_id=survivor_id,
                                                issuer=survivor_issuer)
    if survivor.id == merged.id:
        return survivor.id  # already one record (a repeated merge)
    _lock(session, merged, survivor)
    fill_demographics(survivor, merge.survivor, overwrite=False)
    merge_patients(session, merged, survivor, now=now, actor=ACTOR,
                   source={"inbox_id": row.id, "message": "ADT^A40"})
    return survivor.id


def apply_message(session: Session, row: InboxObject, content: Content,
                  facts: Mapping[int, ReportFacts | None], namespaces: Mapping[str, str],
                  now: datetime) -> Applied:
    if isinstance(content, ResultMessage):
        return _results(session, row, content, facts, namespaces)
    if isinstance(content, PatientUpdate):
        return _update(session, row, content, namespaces)
    assert isinstance(content, MergeMessage)
    survivors = [pk for merge in content.merges
                 if (pk := _merge(session, row, merge, namespaces, now)) is not None]
    if not survivors:
        return Applied(InboxState.OUT_OF_SCOPE, "the merged identifier is not known here")
    return Applied(InboxState.DONE, patient_pk=survivors[0], evaluate=list(dict.fromkeys(survivors)))
