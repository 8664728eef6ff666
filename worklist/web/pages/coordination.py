"""What a coordinator does to items besides acknowledging and resolving them: give them to a
person (one item, or the ticked items of the list at once), put them aside until a date, record
calls and letters, and close them as lost to follow-up. Each change is an item event and an audit
entry, as the single actions of ``pages.item`` are."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from worklist.db.models import OutreachChannel, OutreachOutcome
from worklist.items import repository, service
from worklist.items.service import ItemActionError
from worklist.web.auth import CLINICAL_ROLES, Principal, db_session, require
from worklist.web.pages.item import act
from worklist.web.params import MAX_ID, FormText, FreeText, RowId

router = APIRouter(prefix="/items")
Clinical = Annotated[Principal, Depends(require(*CLINICAL_ROLES))]
Db = Annotated[Session, Depends(db_session)]
Text = Annotated[FreeText, Form(max_length=service.MAX_TEXT_LENGTH)]
Username = Annotated[FormText, Form(max_length=service.MAX_USERNAME_LENGTH)]
MAX_BULK = 200


def hold_until(value: str, request: Request) -> datetime:
    """The start of the chosen day in the site's zone: "until the 14th" means the item is back on
    the morning of the 14th."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ItemActionError("choose the date the hold ends") from None
    return datetime.combine(day, time.min, request.app.state.settings.zone)


@router.post("/{item_id}/assign")
def assign(item_id: RowId, request: Request, principal: Clinical, session: Db,
           assignee: Username = "") -> Response:
    return act(request, principal, session, item_id,
               lambda row: service.assign(session, row.item, principal.actor, assignee),
               "assigned")


@router.post("/{item_id}/hold")
def hold(item_id: RowId, request: Request, principal: Clinical, session: Db,
         until: Annotated[FormText, Form(max_length=10)] = "", reason: Text = "") -> Response:
    return act(request, principal, session, item_id,
               lambda row: service.hold(session, row.item, principal.actor,
                                        hold_until(until, request), reason), "held")


@router.post("/{item_id}/release")
def release(item_id: RowId, request: Request, principal: Clinical, session: Db) -> Response:
    return act(request, principal, session, item_id,
               lambda row: service.release_hold(session, row.item, principal.actor), "released")


@router.post("/{item_id}/outreach")
def outreach(item_id: RowId, request: Request, principal: Clinical, session: Db,
             channel: Annotated[FormText, Form(max_length=16)] = "",
             outcome: Annotated[FormText, Form(max_length=16)] = "",
             note: Text = "") -> Response:
    def record(row: repository.ItemRow) -> object:
        try:
            channel_, outcome_ = OutreachChannel(channel), OutreachOutcome(outcome)
        except ValueError:
            raise ItemActionError("choose how the patient was contacted and what came of it") \
                from None
        return service.record_outreach(session, row.item, principal.actor, channel_, outcome_,
                                       note)

    return act(request, principal, session, item_id, record, "outreach")


@router.post("/{item_id}/lost")
def lost(item_id: RowId, request: Request, principal: Clinical, session: Db,
         reason: Text = "") -> Response:
    return act(request, principal, session, item_id,
               lambda row: service.mark_lost_to_follow_up(session, row.item, principal.actor,
                                                         reason), "lost")


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values[:MAX_BULK]:
        if value.isdigit() and 1 <= int(value) <= MAX_ID:
            ids.append(int(value))
    return sorted(set(ids))


def _back(query: str, **extra: str) -> str:
    """Back to the list as it was filtered (only the list's own parameters travel)."""
    kept = [(k, v) for k, v in parse_qsl(query)[:20] if k.isidentifier() and len(v) <= 200]
    return "/?" + urlencode(kept + list(extra.items()))


@router.post("/bulk")
def bulk(request: Request, principal: Clinical, session: Db,
         action: Annotated[FormText, Form(max_length=16)] = "",
         item_ids: Annotated[list[str] | None, Form(max_length=MAX_BULK)] = None,
         assignee: Username = "", note: Text = "",
         back: Annotated[FormText, Form(max_length=2000)] = "") -> Response:
    """Acknowledge or assign the ticked items, each as its own action would (an event and an
    audit entry each); an optional note is added to each. Items the action does not fit (already
    acknowledged, closed) are skipped and counted."""
    if action not in ("acknowledge", "assign"):
        return RedirectResponse(_back(back, bulk="none"), status_code=303)
    ids = _ids(item_ids or [])
    done = skipped = 0
    for item_id in ids:
        row = repository.get_item(session, item_id)
        if row is None:
            skipped += 1
            continue
        try:
            if action == "acknowledge":
                service.acknowledge(session, row.item, principal.actor)
            else:
                service.assign(session, row.item, principal.actor, assignee)
            if note.strip():
                service.add_note(session, row.item, principal.actor, note)
            session.commit()
            done += 1
        except ItemActionError:
            session.rollback()
            skipped += 1
    return RedirectResponse(_back(back, bulk=action, done=str(done), skipped=str(skipped)),
                            status_code=303)
