"""Which patient record an identifier names.

DICOM names a patient by Patient ID and Issuer of Patient ID; HL7 by PID-3 identifiers, each with
its assigning authority. The site says which authorities are the identifiers PACS sends under which
issuer (``WORKLIST_HL7_PATIENT_NAMESPACES``); an authority it does not list is taken as an issuer
of the same name. A record an ADT merge folded into another stands for that other one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hl7_io.records import PatientIdentifier
from worklist.db.models import Patient

MAX_MERGE_HOPS = 16
"""A record merged into one that was merged again: followed this far (a loop stops here too)."""


def chosen_identifier(identifiers: Sequence[PatientIdentifier],
                      namespaces: Mapping[str, str]) -> tuple[str, str]:
    """(Patient ID, issuer) for a list of HL7 identifiers: the first whose authority the site
    maps, else the first medical record number (type MR), else the first."""
    if not identifiers:
        raise ValueError("no identifier")
    chosen = (next((i for i in identifiers if i.authority in namespaces), None)
              or next((i for i in identifiers if i.type_code == "MR"), None)
              or identifiers[0])
    return chosen.patient_id, namespaces.get(chosen.authority, chosen.authority)


def surviving(session: Session, patient: Patient) -> Patient:
    """The record that stands for ``patient``: itself, or the one it was merged into."""
    seen = {patient.id}
    for _ in range(MAX_MERGE_HOPS):
        if patient.merged_into_pk is None:
            return patient
        target = session.get(Patient, patient.merged_into_pk)
        if target is None or target.id in seen:
            return patient
        seen.add(target.id)
        patient = target
    return patient


def existing_patient(session: Session, patient_id: str, issuer: str) -> Patient | None:
    """The record that stands for this identifier, when one exists (never created here)."""
    patient = session.scalars(select(Patient).where(
        Patient.patient_id == patient_id, Patient.issuer == issuer)).one_or_none()
    return surviving(session, patient) if patient is not None else None
