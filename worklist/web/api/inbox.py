"""``/api/v1/inbox``: received objects by state, for whoever watches the pipeline: the failed ones
with the reason the pipeline recorded (never patient data), the held ones, those still pending."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from worklist.db.models import Channel, InboxObject, InboxState, ObjectCategory
from worklist.web.auth import ANY_ROLE, Principal, db_session, require
from worklist.web.params import PageNumber
from worklist.web.viewing import record_view

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"])
MAX_PAGE_SIZE = 200


class InboxRowOut(BaseModel):
    id: int
    channel: Channel
    category: ObjectCategory
    sop_class_uid: str
    sop_instance_uid: str
    version: int
    state: InboxState
    attempts: int
    error: str | None
    received_at: datetime
    processed_at: datetime | None
    patient_pk: int | None


class InboxPageOut(BaseModel):
    rows: list[InboxRowOut]
    total: int
    page: int
    page_size: int


@router.get("", response_model=InboxPageOut, summary="Received objects in one state")
def list_inbox(
    principal: Annotated[Principal, Depends(require(*ANY_ROLE))],
    session: Annotated[Session, Depends(db_session)],
    state: Annotated[InboxState, Query(description="failed (the default), held, pending...")]
    = InboxState.FAILED,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> InboxPageOut:
    where = InboxObject.state == state.value
    total = session.scalar(select(func.count(InboxObject.id)).where(where)) or 0
    rows = session.scalars(
        select(InboxObject).where(where)
        .order_by(InboxObject.received_at.desc(), InboxObject.id.desc())
        .limit(page_size).offset((page - 1) * page_size)).all()
    record_view(session, principal, "list-inbox", object_type="inbox",
                patient_pks=[r.patient_pk for r in rows if r.patient_pk is not None])
    session.commit()
    return InboxPageOut(
        rows=[InboxRowOut(id=r.id, channel=r.channel, category=r.category,
                          sop_class_uid=r.sop_class_uid, sop_instance_uid=r.sop_instance_uid,
                          version=r.version, state=r.state, attempts=r.attempts, error=r.error,
                          received_at=r.received_at, processed_at=r.processed_at,
                          patient_pk=r.patient_pk) for r in rows],
        total=int(total), page=page, page_size=page_size)
