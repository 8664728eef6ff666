"""``/api/v1/findings/{id}/concordance``: a radiologist documents concordance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy.orm import Session

from worklist.db.models import Role
from worklist.items import repository, service
from worklist.items.repository import ItemRow
from worklist.web.api.items import items_out
from worklist.web.api.schemas import ConcordanceIn, ConcordanceOut
from worklist.web.auth import Principal, db_session, require
from worklist.web.params import RowId

router = APIRouter(prefix="/api/v1/findings", tags=["findings"])


@router.post("/{finding_id}/concordance", response_model=ConcordanceOut, status_code=201)
def document_concordance(
    finding_id: RowId,
    body: ConcordanceIn,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.RADIOLOGIST))],
    session: Annotated[Session, Depends(db_session)],
) -> ConcordanceOut:
    """Record the verdict, then re-run the rules for the patient, which close or open items."""
    finding = repository.get_finding(session, finding_id)
    if finding is None:
        raise HTTPException(404, "finding not found")
    try:
        decision = service.document_concordance(
            session, finding, body.verdict, body.note, principal.actor,
            request.app.state.on_case_changed,
            repository.active_items_of_finding(session, finding),
        )
    except service.ItemActionError as error:
        session.rollback()
        status_code = 403 if error.forbidden else 409 if error.conflict else 422
        raise HTTPException(status_code, str(error)) from None
    session.commit()
    case = repository.patient_case(session, finding.patient_pk)
    assert case is not None
    rows = [ItemRow(item, case.patient) for item in case.items]
    return ConcordanceOut.of(decision, items_out(session, rows))
