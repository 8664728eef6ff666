"""``/api/v1/items``: list with filters and paging, one item with its history, and actions."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy.orm import Session

from rules.anatomy import Laterality
from rules.items import ItemKind, Priority
from worklist.db.base import utcnow
from worklist.db.models import ItemStatus, Role
from worklist.items import repository, service
from worklist.items.filters import (
    ACTIVE_STATUSES, MAX_PAGE_SIZE, ItemFilter, ItemSort, PageRequest, Queue, in_queue,
)
from worklist.items.repository import ItemRow
from worklist.web.api.schemas import (
    AssignIn, HoldIn, ItemDetailOut, ItemOut, ItemPageOut, NoteIn, OutreachIn, OutreachOut,
    ReasonIn,
)
from worklist.web.auth import CLINICAL_ROLES, Principal, db_session, require
from worklist.web.params import OptionalFilterText, PageNumber, RowId
from worklist.web.viewing import record_view

router = APIRouter(prefix="/api/v1/items", tags=["items"])
Reader = Annotated[Principal, Depends(require(*CLINICAL_ROLES))]
Db = Annotated[Session, Depends(db_session)]


def items_out(session: Session, rows: list[ItemRow]) -> list[ItemOut]:
    now = utcnow()
    findings = repository.findings_for_items(session, [row.item for row in rows])
    return [
        ItemOut.of(row.item, row.patient,
                   findings.get((row.item.patient_pk, row.item.finding_key or "")), now)
        for row in rows
    ]


@router.get("", response_model=ItemPageOut, summary="List items")
def list_items(
    request: Request,
    principal: Reader,
    session: Db,
    status: Annotated[list[ItemStatus] | None, Query(description="Repeat for several.")] = None,
    kind: Annotated[list[ItemKind] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    patient_id: OptionalFilterText = None,
    laterality: Laterality | None = None,
    overdue: bool | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    sort: ItemSort = ItemSort.PRIORITY,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    assignee: OptionalFilterText = None,
    unassigned: bool = False,
    queue: Annotated[Queue | None, Query(
        description="today, upcoming (due beyond WORKLIST_UPCOMING_HORIZON_DAYS), held, or "
        "everything; applies to active items")] = None,
) -> ItemPageOut:
    """Items sorted by priority then due date (``sort`` changes that). Without ``status``, the
    active items (open and acknowledged, held or not); ask for ``resolved``, ``dismissed`` and
    ``lost-to-follow-up`` explicitly to see closed ones."""
    settings, now = request.app.state.settings, utcnow()
    filters = ItemFilter(
        statuses=tuple(status or ACTIVE_STATUSES), kinds=tuple(kind or ()), priorities=tuple(priority or ()),
        laterality=laterality, patient_id=patient_id, overdue=overdue,
        due_from=due_from, due_to=due_to, zone=settings.zone, assignee=assignee,
        unassigned=unassigned,
    )
    if queue is not None:
        filters = in_queue(filters, queue, now, settings.upcoming_horizon_days)
    result = repository.list_items(session, filters, sort=sort,
                                   page=PageRequest(page, page_size), now=now)
    record_view(session, principal, "view-items", object_type="item-list",
                patient_pks=[row.patient.id for row in result.rows],
                detail={"items": [row.item.id for row in result.rows]})
    session.commit()
    next_url = None
    if result.has_next:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        next_url = f"{request.url.path}?{urlencode(query + [('page', str(page + 1))])}"
    return ItemPageOut(items=items_out(session, result.rows), total=result.total, page=page,
                       page_size=page_size, pages=result.pages, next=next_url)


def _item_or_404(session: Session, item_id: int) -> ItemRow:
    row = repository.get_item(session, item_id)
    if row is None:
        raise HTTPException(404, "item not found")
    return row


def _detail(session: Session, row: ItemRow) -> ItemDetailOut:
    session.refresh(row.item, ["events"])
    finding = repository.finding_of_item(session, row.item)
    return ItemDetailOut.detail(row.item, row.patient, finding, utcnow())


@router.get("/{item_id}", response_model=ItemDetailOut, summary="One item with its events")
def get_item(item_id: RowId, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    record_view(session, principal, "view-item", object_type="item", object_id=item_id,
                patient_pks=[row.patient.id])
    session.commit()
    return _detail(session, row)


def _act(session: Session, row: ItemRow, action: service.ItemAction) -> ItemDetailOut:
    try:
        action()
    except service.ItemActionError as error:
        session.rollback()
        status_code = 403 if error.forbidden else 409 if error.conflict else 422
        raise HTTPException(status_code, str(error)) from None
    session.commit()
    return _detail(session, row)


@router.post("/{item_id}/acknowledge", response_model=ItemDetailOut)
def acknowledge(item_id: RowId, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row, lambda: service.acknowledge(session, row.item, principal.actor))


@router.post("/{item_id}/resolve", response_model=ItemDetailOut)
def resolve(item_id: RowId, body: ReasonIn, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row,
                lambda: service.resolve(session, row.item, principal.actor, body.reason))


@router.post("/{item_id}/dismiss", response_model=ItemDetailOut,
             description="Radiologists only; a reason is required.")
def dismiss(
    item_id: RowId, body: ReasonIn, session: Db,
    principal: Annotated[Principal, Depends(require(Role.RADIOLOGIST))],
) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row,
                lambda: service.dismiss(session, row.item, principal.actor, body.reason))


@router.post("/{item_id}/notes", response_model=ItemDetailOut)
def add_note(item_id: RowId, body: NoteIn, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row, lambda: service.add_note(session, row.item, principal.actor,
                                                       body.note))


@router.post("/{item_id}/assign", response_model=ItemDetailOut)
def assign(item_id: RowId, body: AssignIn, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row,
                lambda: service.assign(session, row.item, principal.actor, body.assignee))


@router.post("/{item_id}/hold", response_model=ItemDetailOut,
             description="Off the active list and the reminders until the start of that local "
                         "day; it comes back by itself.")
def hold(item_id: RowId, body: HoldIn, request: Request, principal: Reader, session: Db
         ) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    until = datetime.combine(body.until, time.min, request.app.state.settings.zone)
    return _act(session, row,
                lambda: service.hold(session, row.item, principal.actor, until, body.reason))


@router.post("/{item_id}/release", response_model=ItemDetailOut)
def release(item_id: RowId, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row, lambda: service.release_hold(session, row.item, principal.actor))


@router.post("/{item_id}/outreach", response_model=ItemDetailOut)
def outreach(item_id: RowId, body: OutreachIn, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row, lambda: service.record_outreach(
        session, row.item, principal.actor, body.channel, body.outcome, body.note))


@router.get("/{item_id}/outreach", response_model=list[OutreachOut])
def outreach_log(item_id: RowId, principal: Reader, session: Db) -> list[OutreachOut]:
    row = _item_or_404(session, item_id)
    record_view(session, principal, "view-outreach", object_type="item", object_id=item_id,
                patient_pks=[row.patient.id])
    session.commit()
    return [OutreachOut(at=a.at, actor=a.actor, channel=a.channel.value, outcome=a.outcome.value,
                        note=a.note)
            for a in repository.outreach_by_item(session, [item_id]).get(item_id, [])]


@router.post("/{item_id}/lost-to-follow-up", response_model=ItemDetailOut,
             description="Close the item as lost to follow-up; a reason is required.")
def lost(item_id: RowId, body: ReasonIn, principal: Reader, session: Db) -> ItemDetailOut:
    row = _item_or_404(session, item_id)
    return _act(session, row, lambda: service.mark_lost_to_follow_up(
        session, row.item, principal.actor, body.reason))
