"""The worklist: active items, most dangerous first, with filters, counts by kind and paging."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from rules.anatomy import Laterality
from rules.items import ItemKind, Priority
from worklist.db.base import utcnow
from worklist.db.models import ItemStatus, Role
from worklist.items import repository
from worklist.items.filters import ACTIVE_STATUSES, ItemFilter, ItemSort, PageRequest
from worklist.web.auth import ANY_ROLE, Principal, db_session, require
from worklist.web.params import FilterText, LongFilterText, PageNumber
from worklist.web.templating import render
from worklist.web.viewing import record_view

router = APIRouter()
PAGE_SIZE = 25
E = TypeVar("E", bound=StrEnum)


class StatusChoice(StrEnum):
    ACTIVE = "active"
    """Open or acknowledged: what still needs someone (the default)."""
    ALL = "all"
    OPEN = ItemStatus.OPEN.value
    ACKNOWLEDGED = ItemStatus.ACKNOWLEDGED.value
    RESOLVED = ItemStatus.RESOLVED.value
    DISMISSED = ItemStatus.DISMISSED.value


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


@router.get("/")
def worklist(
    request: Request,
    principal: Annotated[Principal, Depends(require(*ANY_ROLE))],
    session: Annotated[Session, Depends(db_session)],
    status: Text = "active",
    kind: Text = "",
    priority: Text = "",
    laterality: Text = "",
    overdue: Text = "",
    due_from: Text = "",
    due_to: Text = "",
    patient: LongFilterText = "",
    sort: Text = "priority",
    page: PageNumber = 1,
) -> Response:
    if principal.role == Role.ADMIN:
        return RedirectResponse("/admin/audit", status_code=303)
    kind_ = choice(ItemKind, kind, "kind")
    priority_ = choice(Priority, priority, "priority")
    laterality_ = choice(Laterality, laterality, "laterality")
    overdue_ = {"": None, "yes": True, "no": False}.get(overdue, "bad")
    if overdue_ == "bad":
        raise HTTPException(422, "overdue: not one of the offered choices")
    filters = ItemFilter(
        statuses=_statuses(choice(StatusChoice, status, "status")),
        kinds=(kind_,) if kind_ else (), priorities=(priority_,) if priority_ else (),
        laterality=laterality_, patient_text=patient.strip() or None,
        overdue=overdue_ if isinstance(overdue_, bool) else None,
        due_from=day(due_from, "due from"), due_to=day(due_to, "due to"),
    )
    sort_ = choice(ItemSort, sort, "sort") or ItemSort.PRIORITY
    now = utcnow()
    result = repository.list_items(session, filters, sort=sort_,
                                   page=PageRequest(page, PAGE_SIZE), now=now)
    record_view(session, principal, "view-worklist", object_type="item-list",
                patient_pks=[row.patient.id for row in result.rows],
                detail={"items": [row.item.id for row in result.rows]})
    session.commit()
    chosen = {"status": status, "kind": kind, "priority": priority, "laterality": laterality,
              "overdue": overdue, "due_from": due_from, "due_to": due_to, "patient": patient,
              "sort": sort}
    base_query = urlencode({k: v for k, v in chosen.items() if v})
    return render(
        request, "worklist.html", principal,
        result=result, counts=repository.count_by_kind(session, filters, now),
        alarms=repository.alarms(session, now), chosen=chosen, base_query=base_query,
        kinds=list(ItemKind), priorities=list(Priority), statuses=list(StatusChoice),
        lateralities=list(Laterality), sorts=list(ItemSort),
        filtered=any(v for k, v in chosen.items() if k not in ("status", "sort"))
        or status != "active",
    )
