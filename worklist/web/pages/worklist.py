"""The worklist: active items, most dangerous first, with filters, counts by kind and paging."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from rules.anatomy import Laterality
from rules.items import ItemKind, Priority
from worklist.db.base import utcnow
from worklist.db.models import ItemStatus, Role
from worklist.items import repository, service
from worklist.items.filters import (
    ACTIVE_STATUSES, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ItemFilter, ItemSort, PageRequest, Queue,
    in_queue,
)
from worklist.spreadsheets import safe_row
from worklist.web.auth import ANY_ROLE, Principal, db_session, require
from worklist.web.params import FilterText, LongFilterText, PageNumber
from worklist.web.templating import local, person_name, render, when_in
from worklist.web.viewing import record_view

router = APIRouter()
E = TypeVar("E", bound=StrEnum)


class StatusChoice(StrEnum):
    ACTIVE = "active"
    """Open or acknowledged: what still needs someone (the default)."""
    ALL = "all"
    OPEN = ItemStatus.OPEN.value
    ACKNOWLEDGED = ItemStatus.ACKNOWLEDGED.value
    RESOLVED = ItemStatus.RESOLVED.value
    DISMISSED = ItemStatus.DISMISSED.value
    LOST_TO_FOLLOW_UP = ItemStatus.LOST_TO_FOLLOW_UP.value


def choice(enum: type[E], value: str, field: str) -> E | None:
    """A form value as one of the enum's members; empty means "any". Anything else is a 422."""
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise HTTPException(422, f"{field}: not one of the offered choices") from None


def day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{field}: not a date (YYYY-MM-DD)") from None


def _statuses(choice_: StatusChoice | None) -> tuple[ItemStatus, ...]:
    if choice_ in (None, StatusChoice.ACTIVE):
        return ACTIVE_STATUSES
    if choice_ is StatusChoice.ALL:
        return ()
    return (ItemStatus(choice_.value),)


Text = FilterText


class Owner(StrEnum):
    ANYONE = ""
    MINE = "mine"
    UNASSIGNED = "unassigned"


PAGE_SIZES = (25, 50, 100, 200)
Reader = Annotated[Principal, Depends(require(*ANY_ROLE))]
Db = Annotated[Session, Depends(db_session)]


@dataclass(frozen=True)
class ListQuery:
    """The list's filters as the page and its CSV export read them from the query string."""

    filters: ItemFilter
    sort: ItemSort
    queue: Queue | None
    chosen: dict[str, str]
    size: int

    @property
    def base_query(self) -> str:
        return urlencode({k: v for k, v in self.chosen.items() if v})


def list_query(
    request: Request,
    principal: Reader,
    status: Text = "active",
    kind: Text = "",
    priority: Text = "",
    laterality: Text = "",
    overdue: Text = "",
    due_from: Text = "",
    due_to: Text = "",
    patient: LongFilterText = "",
    sort: Text = "priority",
    queue: Text = "today",
    owner: Text = "",
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> ListQuery:
    settings = request.app.state.settings
    kind_ = choice(ItemKind, kind, "kind")
    priority_ = choice(Priority, priority, "priority")
    laterality_ = choice(Laterality, laterality, "laterality")
    overdue_ = {"": None, "yes": True, "no": False}.get(overdue, "bad")
    if overdue_ == "bad":
        raise HTTPException(422, "overdue: not one of the offered choices")
    status_ = choice(StatusChoice, status, "status")
    owner_ = choice(Owner, owner, "owner")
    # The tabs (today, upcoming, on hold) divide active items; closed ones are listed whole.
    queue_ = (choice(Queue, queue, "queue") or Queue.TODAY) \
        if status_ in (None, StatusChoice.ACTIVE) else None
    now = utcnow()
    filters = ItemFilter(
        statuses=_statuses(status_),
        kinds=(kind_,) if kind_ else (), priorities=(priority_,) if priority_ else (),
        laterality=laterality_, patient_text=patient.strip() or None,
        overdue=overdue_ if isinstance(overdue_, bool) else None,
        due_from=day(due_from, "due from"), due_to=day(due_to, "due to"), zone=settings.zone,
        assignee=principal.username if owner_ is Owner.MINE else None,
        unassigned=owner_ is Owner.UNASSIGNED,
    )
    if queue_ is not None:
        filters = in_queue(filters, queue_, now, settings.upcoming_horizon_days)
    chosen = {"status": status, "kind": kind, "priority": priority, "laterality": laterality,
              "overdue": overdue, "due_from": due_from, "due_to": due_to, "patient": patient,
              "sort": sort, "queue": queue_.value if queue_ else "", "owner": owner,
              "size": str(size) if size != DEFAULT_PAGE_SIZE else ""}
    return ListQuery(filters, choice(ItemSort, sort, "sort") or ItemSort.PRIORITY, queue_, chosen,
                     size)


Listed = Annotated[ListQuery, Depends(list_query)]


@router.get("/")
def worklist(request: Request, principal: Reader, session: Db, listed: Listed,
             page: PageNumber = 1, bulk: Text = "",
             done: Annotated[int, Query(ge=0, le=MAX_PAGE_SIZE)] = 0,
             skipped: Annotated[int, Query(ge=0, le=MAX_PAGE_SIZE)] = 0) -> Response:
    if principal.role == Role.ADMIN:
        return RedirectResponse("/admin/audit", status_code=303)
    settings = request.app.state.settings
    filters, now, size = listed.filters, utcnow(), listed.size
    result = repository.list_items(session, filters, sort=listed.sort,
                                   page=PageRequest(page, size), now=now)
    record_view(session, principal, "view-worklist", object_type="item-list",
                patient_pks=[row.patient.id for row in result.rows],
                detail={"items": [row.item.id for row in result.rows]})
    session.commit()
    outreach = repository.outreach_by_item(session, [row.item.id for row in result.rows])
    chosen = listed.chosen
    return render(
        request, "worklist.html", principal,
        result=result, counts=repository.count_by_kind(session, filters, now),
        alarms=repository.alarms(session, now), chosen=chosen, base_query=listed.base_query,
        queue=listed.queue.value if listed.queue else "",
        queue_query=urlencode({k: v for k, v in chosen.items() if v and k != "queue"}),
        queue_counts=repository.queue_counts(session, filters, now,
                                             settings.upcoming_horizon_days)
        if listed.queue else {},
        horizon_days=settings.upcoming_horizon_days,
        unanswered={item_id: repository.unanswered(a) for item_id, a in outreach.items()},
        assignable=service.assignable_users(session), page_size=size, page_sizes=PAGE_SIZES,
        refresh_seconds=settings.list_refresh_seconds,
        notice=_bulk_notice(bulk, done, skipped),
        idle_seconds=settings.session_idle_minutes * 60,
        kinds=list(ItemKind), priorities=list(Priority), statuses=list(StatusChoice),
        lateralities=list(Laterality), sorts=list(ItemSort),
        filtered=any(v for k, v in chosen.items() if k not in ("status", "sort", "queue", "size"))
        or status_changed(chosen),
    )


def _bulk_notice(action: str, done: int, skipped: int) -> str:
    if action not in ("acknowledge", "assign"):
        return "Tick the items first, then choose an action." if action else ""
    verb = "acknowledged" if action == "acknowledge" else "assigned"
    text = f"{done} item{'' if done == 1 else 's'} {verb}."
    return text + (f" {skipped} skipped (already so, or closed)." if skipped else "")


def status_changed(chosen: dict[str, str]) -> bool:
    return chosen["status"] not in ("active", "")


CSV_COLUMNS = ("item", "kind", "priority", "status", "patient_id", "patient_name", "side",
               "finding", "next_step", "due", "overdue", "assignee", "held_until",
               "escalation_level", "no_answer")
EXPORT_LIMIT = 10_000


@router.get("/worklist.csv")
def export(request: Request, principal: Reader, session: Db, listed: Listed) -> Response:
    """The filtered list as CSV, every cell safe to open in a spreadsheet; the export is audited
    against each patient it holds."""
    if principal.role == Role.ADMIN:
        raise HTTPException(403, "the worklist is for coordinators and radiologists")
    zone, now = request.app.state.settings.zone, utcnow()
    rows: list[repository.ItemRow] = []
    for number in range(1, EXPORT_LIMIT // MAX_PAGE_SIZE + 1):
        page = repository.list_items(session, listed.filters, sort=listed.sort,
                                     page=PageRequest(number, MAX_PAGE_SIZE), now=now)
        rows += page.rows
        if not page.has_next:
            break
    record_view(session, principal, "export-worklist", object_type="item-list",
                patient_pks=[row.patient.id for row in rows],
                detail={"items": len(rows),
                        "filters": {k: v for k, v in listed.chosen.items() if v}})
    session.commit()
    outreach = repository.outreach_by_item(session, [row.item.id for row in rows])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        item = row.item
        writer.writerow(safe_row([
            item.id, item.kind, item.priority, item.status, row.patient.patient_id,
            person_name(row.patient.name), item.laterality or "", item.finding_type or "",
            item.next_step, when_in(item.due_at, zone), "yes" if row.is_overdue(now) else "",
            item.assignee or "", when_in(item.held_until, zone) if item.held_until else "",
            item.escalation_level, repository.unanswered(outreach.get(item.id, [])),
        ]))
    stamp = local(now, zone).strftime("%Y%m%d-%H%M")
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="worklist-{stamp}.csv"',
                             "Cache-Control": "no-store"})
