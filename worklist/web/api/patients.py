"""``/api/v1/patients/{patient_id}/case``: the patient's findings, biopsies, pathology and items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.orm import Session

from worklist.items import repository
from worklist.items.repository import ItemRow
from worklist.web.api.items import items_out
from worklist.web.api.schemas import (
    CaseOut,
    DecisionOut,
    FindingOut,
    PathologyOut,
    PatientOut,
    ProcedureOut,
)
from worklist.web.auth import CLINICAL_ROLES, Principal, db_session, require
from worklist.web.params import OptionalFilterText, PathText
from worklist.web.viewing import record_view

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])


@router.get("/{patient_id}/case", response_model=CaseOut)
def get_case(
    patient_id: PathText,
    principal: Annotated[Principal, Depends(require(*CLINICAL_ROLES))],
    session: Annotated[Session, Depends(db_session)],
    issuer: Annotated[OptionalFilterText,
                      Query(description="Needed when two sites share the ID.")] = None,
) -> CaseOut:
    patients = [p for p in repository.patients_by_id(session, patient_id)
                if issuer is None or p.issuer == issuer]
    if not patients:
        raise HTTPException(404, "patient not found")
    if len(patients) > 1:
        raise HTTPException(409, "several patients share this ID: give the issuer")
    case = repository.patient_case(session, patients[0].id)
    assert case is not None
    record_view(session, principal, "view-case", object_type="patient",
                object_id=case.patient.id, patient_pks=[case.patient.id])
    session.commit()
    p = case.patient
    return CaseOut(
        patient=PatientOut(patient_id=p.patient_id, issuer=p.issuer, name=p.name,
                           birth_date=p.birth_date, sex=p.sex),
        findings=[FindingOut(id=f.id, finding_key=f.finding_key, type=f.type,
                             laterality=f.laterality, location=f.location or {},
                             summary=f.summary or {}) for f in case.findings],
        procedures=[ProcedureOut(id=x.id, finding_id=x.finding_pk, guidance=x.guidance,
                                 laterality=x.laterality, target_type=x.target_type,
                                 performed_at=x.performed_at) for x in case.procedures],
        pathology=[PathologyOut(id=r.id, procedure_id=r.procedure_pk, category=r.category,
                                laterality=r.laterality, diagnosis=r.diagnosis,
                                lesions=list(r.lesions or []), calcifications=r.calcifications)
                   for r in case.pathology],
        concordance=[DecisionOut(id=d.id, finding_id=d.finding_pk, verdict=d.verdict,
                                 note=d.note, decided_at=d.decided_at) for d in case.decisions],
        items=items_out(session, [ItemRow(item, p) for item in case.items]),
    )
