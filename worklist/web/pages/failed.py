"""Objects and messages the pipeline could not process, with the reason it recorded (never patient
data); objects held because they conflict with what is on file, with the radiologist's choice of
what stands; and HL7 results whose patient no imaging has matched yet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from worklist.cases import conflicts
from worklist.db.models import ConflictChoice, InboxObject, InboxState, ObjectConflict, Role
from worklist.hl7.unmatched import unmatched_results
from worklist.items.filters import PageRequest
from worklist.web.auth import ANY_ROLE, Principal, db_session, require
from worklist.web.params import FormText, FreeText, PageNumber, RowId
from worklist.web.templating import render
from worklist.web.viewing import record_view

router = APIRouter()
PAGE_SIZE = 50


def failed_objects(session: Session, page: PageRequest) -> tuple[list[InboxObject], int]:
    """Failed inbox rows, newest first, and how many there are."""
    failed = InboxObject.state == InboxState.FAILED.value
    total = session.scalar(select(func.count(InboxObject.id)).where(failed)) or 0
    rows = session.scalars(
        select(InboxObject).where(failed)
        .order_by(InboxObject.received_at.desc(), InboxObject.id.desc())
        .limit(page.size).offset(page.offset)
    )
    return list(rows), int(total)


@router.get("/failed")
def failed_list(
    request: Request,
    principal: Annotated[Principal, Depends(require(*ANY_ROLE))],
    session: Annotated[Session, Depends(db_session)],
    page: PageNumber = 1,
    done: FormText = "",
) -> Response:
    return _page(request, principal, session, page, notice=NOTICES.get(done, ""))


NOTICES = {"chosen": "Choice recorded; the case was re-evaluated where it changed."}


def _page(request: Request, principal: Principal, session: Session, page: int, *,
          error: str = "", notice: str = "", status_code: int = 200) -> Response:
    rows, total = failed_objects(session, PageRequest(page, PAGE_SIZE))
    pages = max(1, -(-total // PAGE_SIZE))
    unmatched, unmatched_total = unmatched_results(session, PageRequest(1, PAGE_SIZE))
    held, held_total = conflicts.open_conflicts(session, PAGE_SIZE)
    # The conflicts name the patients on file and what their reports say: a view of their data.
    record_view(session, principal, "view-conflicts", object_type="object-conflict",
                patient_pks=[c.patient_pk for c in held])
    session.commit()
    versions = {c.id: session.get_one(InboxObject, c.inbox_pk).version for c in held}
    return render(request, "failed.html", principal, status_code=status_code, rows=rows,
                  total=total, page=page, pages=pages, unmatched=unmatched,
                  unmatched_total=unmatched_total, held=held, held_total=held_total,
                  versions=versions, choices=list(ConflictChoice),
                  can_choose=principal.role in conflicts.CHOOSING_ROLES, error=error,
                  notice=notice)


@router.post("/failed/conflicts/{conflict_id}/choice")
def choose(
    conflict_id: RowId,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.RADIOLOGIST))],
    session: Annotated[Session, Depends(db_session)],
    choice: Annotated[ConflictChoice, Form()],
    note: Annotated[FreeText, Form(max_length=conflicts.MAX_NOTE_LENGTH)] = "",
) -> Response:
    conflict = session.get(ObjectConflict, conflict_id)
    if conflict is None:
        raise HTTPException(404, "conflict not found")
    settings = request.app.state.settings
    try:
        conflicts.choose(session, conflict, choice, note, principal.actor, settings.zone,
                         settings.site_config)
    except conflicts.ConflictActionError as refused:
        session.rollback()
        code = 403 if refused.forbidden else 409 if refused.conflict else 422
        return _page(request, principal, session, 1, error=str(refused), status_code=code)
    session.commit()
    return RedirectResponse("/failed?done=chosen#conflicts", status_code=303)
