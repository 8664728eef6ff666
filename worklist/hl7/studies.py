"""Images from PACS and a report from the RIS form one study, whichever arrives first.

A report that arrives over HL7 joins the patient's study with its accession. When no such study
exists yet, it gets one keyed by the accession alone (a placeholder UID); the first DICOM object
of that patient with that accession then gives the study its real Study Instance UID.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from worklist.db.models import Study

PLACEHOLDER_PREFIX: Final = "hl7-accession:"


def placeholder_uid(patient_pk: int, accession: str) -> str:
    digest = hashlib.sha256(f"{patient_pk}|{accession}".encode()).hexdigest()[:40]
    return PLACEHOLDER_PREFIX + digest


def study_for_accession(session: Session, patient_pk: int, accessions: list[str],
                        description: str, started: datetime | None) -> Study:
    """The patient's study with one of these accessions (the first given is preferred for a new
    placeholder)."""
    wanted = [a for a in accessions if a]
    for accession in wanted:
        study = session.scalars(select(Study).where(
            Study.patient_pk == patient_pk, Study.accession == accession).order_by(Study.id)
        ).first()
        if study is not None:
            return study
    accession = wanted[0]
    uid = placeholder_uid(patient_pk, accession)
    study = session.scalars(select(Study).where(Study.study_uid == uid)).one_or_none()
    if study is None:
        study = Study(patient_pk=patient_pk, study_uid=uid, accession=accession,
                      description=description[:200], study_date=started, modalities="")
        session.add(study)
        session.flush()
    return study


def adopt_accession_study(session: Session, patient_pk: int, study_uid: str,
                          accession: str) -> Study | None:
    """For a DICOM object of a study not seen yet: the placeholder an HL7 report made for its
    accession, now carrying the real Study Instance UID; None when there is none."""
    if not accession:
        return None
    study = session.scalars(select(Study).where(
        Study.patient_pk == patient_pk, Study.accession == accession,
        Study.study_uid.startswith(PLACEHOLDER_PREFIX)).order_by(Study.id)).first()
    if study is not None:
        study.study_uid = study_uid
        session.flush()
    return study
