"""The rows the outcomes audit reads: radiology reports with their assessments, and pathology
results dated by their biopsy. Only the JSON keys the audit needs leave the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from rules.anatomy import Laterality
from rules.audit.exams import RadiologyReport
from rules.audit.outcomes import TissueResult
from rules.facts import Birads, Lesion, PathologyCategory
from worklist.db.models import Patient, PathologyResult, Procedure, Report, Study

_SIDES = {side.value: side for side in Laterality}
_CATEGORIES = {c.value: c for c in Birads}
_LESIONS = {lesion.value: lesion for lesion in Lesion}


def _assessments(raw: object) -> tuple[tuple[Laterality | None, Birads], ...]:
    if not isinstance(raw, list):
        return ()
    found = []
    for item in raw:
        if isinstance(item, dict) and item.get("category") in _CATEGORIES:
            found.append((_SIDES.get(str(item.get("laterality"))), _CATEGORIES[item["category"]]))
    return tuple(found)


def radiology_reports(session: Session, start: datetime, end: datetime) -> list[RadiologyReport]:
    """Radiology reports made from ``start`` to ``end`` (excluded), dated by the report's
    observation time, else its study's date."""
    moment = func.coalesce(Report.observed_at, Study.study_date)
    rows = session.execute(
        select(Report.sop_instance_uid, Report.patient_pk, Patient.patient_id, moment,
               Report.title, Study.description, Report.interpreter,
               Report.predecessor_uids, Report.facts["assessments"])
        .join(Patient, Patient.id == Report.patient_pk)
        .outerjoin(Study, Study.id == Report.study_pk)
        .where(Report.kind == "radiology",
               or_(and_(Report.observed_at >= start, Report.observed_at < end),
                   and_(Report.observed_at.is_(None), Study.study_date >= start,
                        Study.study_date < end)))
    )
    return [RadiologyReport(uid, patient_pk, patient_id, performed_at, title or "",
                            description or "", interpreter or "", _assessments(assessments),
                            tuple(predecessors or ()))
            for uid, patient_pk, patient_id, performed_at, title, description, interpreter,
            predecessors, assessments in rows if performed_at is not None]


def tissue_results(session: Session, start: datetime, end: datetime) -> list[TissueResult]:
    """Pathology results whose biopsy (else report) falls from ``start`` to ``end``; the report's
    text comes along only for malignant results (the cancer's stated size and nodes)."""
    moment = func.coalesce(Procedure.performed_at, Report.observed_at)
    malignant = PathologyResult.category == PathologyCategory.MALIGNANT.value
    rows = session.execute(
        select(Report.sop_instance_uid, PathologyResult.specimen_index, PathologyResult.patient_pk,
               func.coalesce(PathologyResult.laterality, Procedure.laterality), moment,
               PathologyResult.category, PathologyResult.lesions,
               case((malignant, Report.text), else_=""))
        .join(Report, Report.id == PathologyResult.report_pk)
        .outerjoin(Procedure, Procedure.id == PathologyResult.procedure_pk)
        .where(moment >= start, moment < end)
    )
    return [TissueResult(f"{uid}#{index}", patient_pk, _SIDES.get(side or ""), diagnosed_at,
                         PathologyCategory(category),
                         tuple(_LESIONS[x] for x in lesions or () if x in _LESIONS), text or "")
            for uid, index, patient_pk, side, diagnosed_at, category, lesions, text in rows
            if diagnosed_at is not None]
