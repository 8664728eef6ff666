"""The audit trail for administrators: filter, page, export as CSV."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts.audit_log import AuditFilter, actions, audit_page, export_csv
from worklist.accounts.rejections import counts_for
from worklist.db.base import utcnow
from worklist.db.models import Role
from worklist.items.filters import PageRequest
from worklist.web.auth import Principal, db_session, require
from worklist.web.params import FilterText, PageNumber, QueryRowId
from worklist.web.pages.worklist import day
from worklist.web.templating import render

router = APIRouter(prefix="/admin")
PAGE_SIZE = 100
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Db = Annotated[Session, Depends(db_session)]
Text = FilterText


def _filters(actor: str, action: str, patient: int | None, since: str, until: str
             ) -> AuditFilter:
    return AuditFilter(actor=actor.strip() or None, action=action.strip() or None,
                       patient_pk=patient, since=day(since, "since"), until=day(until, "until"))


@router.get("/audit")
def audit_list(
    request: Request, principal: Admin, session: Db,
    actor: Text = "", action: Text = "", since: Text = "", until: Text = "",
    patient: QueryRowId = None,
    page: PageNumber = 1,
) -> Response:
    filters = _filters(actor, action, patient, since, until)
    rows, total = audit_page(session, filters, PageRequest(page, PAGE_SIZE))
    chosen = {"actor": actor, "action": action, "since": since, "until": until,
              "patient": "" if patient is None else str(patient)}
    return render(request, "audit.html", principal, rows=rows, total=total, page=page,
                  repeats=counts_for(session, rows),
                  pages=max(1, -(-total // PAGE_SIZE)), chosen=chosen, actions=actions(session),
                  base_query=urlencode({k: v for k, v in chosen.items() if v}))


@router.get("/audit.csv")
def audit_export(
    principal: Admin, session: Db,
    actor: Text = "", action: Text = "", since: Text = "", until: Text = "",
    patient: QueryRowId = None,
) -> Response:
    filters = _filters(actor, action, patient, since, until)
    # The export itself is recorded: the trail says who took a copy of it.
    audit.record(session, actor=principal.username, action="export-audit",
                 remote_addr=principal.remote_addr,
                 detail={k: str(v) for k, v in filters.__dict__.items() if v is not None})
    session.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(
        "".join(export_csv(session, filters)), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
                 "Cache-Control": "no-store"},
    )
