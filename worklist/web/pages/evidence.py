"""A quoted sentence, opened: the whole report it came from, with the sentence marked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from worklist.items import repository
from worklist.web.auth import CLINICAL_ROLES, Principal, db_session, require
from worklist.web.links import find_sentence, viewer_url
from worklist.web.params import RowId
from worklist.web.templating import render
from worklist.web.viewing import record_view

router = APIRouter(prefix="/items")
EvidenceIndex = Annotated[int, Path(ge=0, le=999)]


@router.get("/{item_id}/evidence/{index}")
def show(item_id: RowId, index: EvidenceIndex, request: Request, session: Annotated[
        Session, Depends(db_session)],
         principal: Annotated[Principal, Depends(require(*CLINICAL_ROLES))]) -> Response:
    """Addressed by the item and the sentence's place among its evidence (why it was opened,
    then what closed it), so no report text travels in a URL."""
    row = repository.get_item(session, item_id)
    if row is None:
        raise HTTPException(404, "item not found")
    entries = [*row.item.evidence, *row.item.closing_evidence]
    if index >= len(entries):
        raise HTTPException(404, "the item has no such quoted sentence")
    entry = entries[index]
    report = repository.reports_by_uid(session, [entry.get("source_uid", "")]).get(
        entry.get("source_uid", ""))
    if report is None or report.patient_pk != row.item.patient_pk:
        raise HTTPException(404, "the sentence's report is not on file")
    record_view(session, principal, "view-report", object_type="report", object_id=report.id,
                patient_pks=[report.patient_pk], detail={"item": item_id})
    session.commit()
    study = (repository.studies_by_pk(session, [report.study_pk]).get(report.study_pk)
             if report.study_pk else None)
    return render(request, "report.html", principal, row=row, item=row.item,
                  patient=row.patient, report=report,
                  quoted=find_sentence(report.text, entry.get("text", "")),
                  study=study,
                  viewer=viewer_url(request.app.state.settings.viewer_url, study) if study
                  else None)
