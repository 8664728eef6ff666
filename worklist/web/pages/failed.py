"""Objects and messages the pipeline could not process, with the reason it recorded (never patient
data), and HL7 results whose patient no imaging has matched yet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from worklist.db.models import InboxObject, InboxState
from worklist.hl7.unmatched import unmatched_results
from worklist.items.filters import PageRequest
from worklist.web.auth import ANY_ROLE, Principal, db_session, require
from worklist.web.params import PageNumber
from worklist.web.templating import render

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
) -> Response:
    rows, total = failed_objects(session, PageRequest(page, PAGE_SIZE))
    pages = max(1, -(-total // PAGE_SIZE))
    unmatched, unmatched_total = unmatched_results(session, PageRequest(1, PAGE_SIZE))
    return render(request, "failed.html", principal, rows=rows, total=total, page=page,
                  pages=pages, unmatched=unmatched, unmatched_total=unmatched_total)
