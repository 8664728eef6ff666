"""The hand-worked cohort (``cohort.py``) written to a database as the pipeline stores it: radiology
reports with their facts' assessments and interpreting physician, biopsies with their pathology."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from rules.audit.exams import RadiologyReport
from tests.outcomes.cohort import REPORTS, TISSUE
from tests.web.seed import add_users
from worklist.db.models import PathologyResult, Patient, Procedure, Report

ISSUER = "AUDIT-TEST"


@dataclass(frozen=True)
class StoredCohort:
    patient_pks: dict[str, str]
    """Patient ID to its key, as text (for URLs)."""
    tokens: dict[str, str]


def _facts(report: RadiologyReport) -> dict[str, object]:
    return {"source_uid": report.uid, "kind": "radiology",
            "assessments": [{"category": category.value,
                             "laterality": side.value if side else None,
                             "evidence": {"source_uid": report.uid, "text": "BI-RADS"}}
                            for side, category in report.assessments]}


def store_cohort(sessions: sessionmaker[Session]) -> StoredCohort:
    with sessions() as session:
        tokens = add_users(session)
        patients: dict[int, Patient] = {}
        for number in sorted({r.patient_pk for r in REPORTS} | {t.patient_pk for t in TISSUE}):
            patients[number] = Patient(patient_id=f"P{number}", issuer=ISSUER,
                                       name=f"AUDIT^P{number}")
            session.add(patients[number])
        session.flush()
        for r in REPORTS:
            session.add(Report(sop_instance_uid=r.uid, patient_pk=patients[r.patient_pk].id,
                               kind="radiology", title=r.title, observed_at=r.performed_at,
                               facts=_facts(r), text="", interpreter=r.reader,
                               predecessor_uids=list(r.amends)))
        for index, t in enumerate(TISSUE):
            patient = patients[t.patient_pk]
            report = Report(sop_instance_uid=t.uid, patient_pk=patient.id, kind="pathology",
                            title="Surgical pathology report", observed_at=t.diagnosed_at.replace(
                                day=min(t.diagnosed_at.day + 3, 28)),
                            facts={}, text=t.text, interpreter="PATHOLOGIST, PAT")
            biopsy = Procedure(patient_pk=patient.id, procedure_key=f"bx-{index}",
                               laterality=t.side.value if t.side else None,
                               guidance="ultrasound", performed_at=t.diagnosed_at)
            session.add_all([report, biopsy])
            session.flush()
            session.add(PathologyResult(patient_pk=patient.id, report_pk=report.id,
                                        specimen_index=0, procedure_pk=biopsy.id,
                                        category=t.category.value, laterality=None,
                                        diagnosis=t.text, lesions=[x.value for x in t.lesions]))
        session.commit()
        return StoredCohort({p.patient_id: str(p.id) for p in patients.values()}, tokens)
