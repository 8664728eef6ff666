"""One item: why it exists (evidence with its source report), what to do next, the patient's
timeline, and the actions a coordinator or radiologist takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from worklist.db.base import utcnow
from worklist.db.models import OutreachChannel, OutreachOutcome, Role
from worklist.items import repository, service
from worklist.items.repository import ItemRow
from worklist.items.service import DocumentedVerdict, ItemActionError
from worklist.web.auth import CLINICAL_ROLES, Principal, db_session, require
from worklist.web.params import FormText, FreeText, RowId
from worklist.web.links import viewer_url
from worklist.web.templating import render
from worklist.web.viewing import record_view

router = APIRouter(prefix="/items")
Clinical = Annotated[Principal, Depends(require(*CLINICAL_ROLES))]
Db = Annotated[Session, Depends(db_session)]
NOTICES = {
    "acknowledged": "Item acknowledged.",
    "note": "Note added.",
    "resolved": "Item resolved.",
    "dismissed": "Item dismissed.",
    "concordance": "Concordance documented; the case was re-evaluated.",
    "assigned": "Owner changed.",
    "held": "Item put on hold; it comes back to the list by itself on that date.",
    "released": "Hold ended; the item is back on the list.",
    "outreach": "Outreach recorded.",
    "lost": "Item closed as lost to follow-up.",
}
MISSING_VERDICT = ("Choose one verdict (concordant benign, concordant malignant, discordant or "
                   "high risk) before documenting concordance; nothing was recorded.")


def _row(session: Session, item_id: int) -> ItemRow:
    row = repository.get_item(session, item_id)
    if row is None:
        raise HTTPException(404, "item not found")
    return row


def _page(request: Request, principal: Principal, session: Session, row: ItemRow,
          *, error: str = "", notice: str = "", status_code: int = 200) -> Response:
    item = row.item
    # Every render shows the patient's data, the page re-shown after a refused action too.
    record_view(session, principal, "view-item", object_type="item", object_id=item.id,
                patient_pks=[row.patient.id])
    session.commit()
    case = repository.patient_case(session, item.patient_pk)
    assert case is not None
    sources = [e.get("source_uid", "") for e in [*item.evidence, *item.closing_evidence]]
    finding = repository.finding_of_item(session, item)
    is_radiologist = principal.role == Role.RADIOLOGIST
    settings = request.app.state.settings
    sampled = repository.pathology_of_finding(session, finding) if finding is not None else []
    reports = repository.reports_by_uid(session, sources)
    imaging_sentences = [e for e in (finding.summary or {}).get("evidence", [])] \
        if finding is not None else []
    reports |= repository.reports_by_uid(session, [e.get("source_uid", "") for e in
                                                   imaging_sentences])
    now = utcnow()
    return render(
        request, "item.html", principal, status_code=status_code,
        row=row, item=item, patient=row.patient, case=case,
        reports=reports,
        overdue=repository.is_overdue(item, now),
        verdicts=list(DocumentedVerdict), error=error, notice=notice,
        is_radiologist=is_radiologist,
        # Offered only where a biopsy's pathology is in (the service refuses it otherwise).
        can_document_concordance=is_radiologist and finding is not None and bool(sampled),
        finding=finding, sampled=sampled, imaging_sentences=imaging_sentences,
        held=item.held_until is not None and item.held_until > now,
        assignable=service.assignable_users(session),
        outreach=repository.outreach_by_item(session, [item.id]).get(item.id, []),
        channels=list(OutreachChannel), outcomes=list(OutreachOutcome),
        viewer_links={study.id: viewer_url(settings.viewer_url, study)
                      for study in case.studies},
    )


@router.get("/{item_id}")
def show(item_id: RowId, request: Request, principal: Clinical, session: Db,
         done: str = "") -> Response:
    return _page(request, principal, session, _row(session, item_id),
                 notice=NOTICES.get(done, ""))


def act(request: Request, principal: Principal, session: Session, item_id: RowId,
         action: Callable[[ItemRow], object], done: str) -> Response:
    row = _row(session, item_id)
    try:
        action(row)
    except ItemActionError as error:
        session.rollback()
        code = 403 if error.forbidden else 409 if error.conflict else 422
        return _page(request, principal, session, _row(session, item_id), error=str(error),
                     status_code=code)
    session.commit()
    return RedirectResponse(f"/items/{item_id}?done={done}", status_code=303)


@router.post("/{item_id}/acknowledge")
def acknowledge(item_id: RowId, request: Request, principal: Clinical, session: Db) -> Response:
    return act(request, principal, session, item_id,
                lambda row: service.acknowledge(session, row.item, principal.actor),
                "acknowledged")


@router.post("/{item_id}/notes")
def add_note(item_id: RowId, request: Request, principal: Clinical, session: Db,
             note: Annotated[FreeText, Form(max_length=service.MAX_TEXT_LENGTH)] = "") -> Response:
    return act(request, principal, session, item_id,
                lambda row: service.add_note(session, row.item, principal.actor, note), "note")


@router.post("/{item_id}/resolve")
def resolve(item_id: RowId, request: Request, principal: Clinical, session: Db,
            reason: Annotated[FreeText, Form(max_length=service.MAX_TEXT_LENGTH)] = "") -> Response:
    return act(request, principal, session, item_id,
                lambda row: service.resolve(session, row.item, principal.actor, reason),
                "resolved")


@router.post("/{item_id}/dismiss")
def dismiss(item_id: RowId, request: Request, session: Db,
            principal: Annotated[Principal, Depends(require(Role.RADIOLOGIST))],
            reason: Annotated[FreeText, Form(max_length=service.MAX_TEXT_LENGTH)] = "") -> Response:
    return act(request, principal, session, item_id,
                lambda row: service.dismiss(session, row.item, principal.actor, reason),
                "dismissed")


@router.post("/{item_id}/concordance")
def concordance(item_id: RowId, request: Request, session: Db,
                principal: Annotated[Principal, Depends(require(Role.RADIOLOGIST))],
                verdict: Annotated[FormText, Form(max_length=32)] = "",
                note: Annotated[FreeText, Form(max_length=service.MAX_TEXT_LENGTH)] = "") -> Response:
    """Documented against the item's finding; the rules then close or open items. The item's
    history says which radiologist documented what."""

    def document(row: ItemRow) -> object:
        try:
            chosen = DocumentedVerdict(verdict)
        except ValueError:
            raise ItemActionError(MISSING_VERDICT) from None
        finding = repository.finding_of_item(session, row.item)
        if finding is None:
            raise ItemActionError("this item is not about a finding")
        decision = service.document_concordance(session, finding, chosen, note, principal.actor,
                                                request.app.state.on_case_changed, [row.item])
        return decision

    return act(request, principal, session, item_id, document, "concordance")
