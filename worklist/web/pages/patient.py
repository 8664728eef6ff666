"""A patient's case: findings, biopsies, pathology, concordance, items and the timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from worklist.db.base import utcnow
from worklist.items import repository
from worklist.web.auth import CLINICAL_ROLES, Principal, db_session, require
from worklist.web.params import RowId
from worklist.web.templating import render
from worklist.web.viewing import record_view

router = APIRouter(prefix="/patients")


@router.get("/{patient_pk}")
def show(
    patient_pk: RowId,
    request: Request,
    principal: Annotated[Principal, Depends(require(*CLINICAL_ROLES))],
    session: Annotated[Session, Depends(db_session)],
) -> Response:
    """Addressed by the database key, so the patient's identifier never sits in a URL."""
    case = repository.patient_case(session, patient_pk)
    if case is None:
        raise HTTPException(404, "patient not found")
    record_view(session, principal, "view-case", object_type="patient", object_id=patient_pk,
                patient_pks=[patient_pk])
    session.commit()
    now = utcnow()
    return render(request, "patient.html", principal, case=case, patient=case.patient,
                  overdue={item.id for item in case.items if repository.is_overdue(item, now)})
