"""``/api/v1/conflicts``: objects held because they conflict with what is on file, and the
choice a radiologist makes about each (``worklist.cases.conflicts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from worklist.cases import conflicts
from worklist.db.models import ConflictChoice, ConflictKind, InboxObject, ObjectConflict, Role
from worklist.web.api.schemas import Text
from worklist.web.auth import ANY_ROLE, Principal, db_session, require
from worklist.web.params import PageNumber, RowId
from worklist.web.viewing import record_view

router = APIRouter(prefix="/api/v1/conflicts", tags=["conflicts"])
MAX_PAGE_SIZE = 200


class ConflictOut(BaseModel):
    id: int
    kind: ConflictKind
    patient_pk: int = Field(description="The patient on file, whose case carries the review item.")
    item_id: int | None = Field(description="The conflict-review item.")
    sop_instance_uid: str
    study_uid: str
    version: int = Field(description="The held object's version of its SOP Instance UID.")
    on_file_inbox_id: int | None
    detail: str
    detected_at: datetime
    choice: ConflictChoice | None
    decided_at: datetime | None
    decided_by: str | None
    note: str

    @classmethod
    def of(cls, conflict: ObjectConflict, row: InboxObject) -> ConflictOut:
        return cls(id=conflict.id, kind=conflict.kind, patient_pk=conflict.patient_pk,
                   item_id=conflict.item_pk, sop_instance_uid=conflict.sop_instance_uid,
                   study_uid=conflict.study_uid, version=row.version,
                   on_file_inbox_id=conflict.on_file_inbox_pk, detail=conflict.detail,
                   detected_at=conflict.detected_at, choice=conflict.choice,
                   decided_at=conflict.decided_at, decided_by=conflict.decided_by,
                   note=conflict.note)


class ConflictPageOut(BaseModel):
    conflicts: list[ConflictOut]
    total: int
    page: int
    page_size: int


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choice: ConflictChoice
    note: Text = Field("", max_length=conflicts.MAX_NOTE_LENGTH)


def _out(session: Session, conflict: ObjectConflict) -> ConflictOut:
    return ConflictOut.of(conflict, session.get_one(InboxObject, conflict.inbox_pk))


@router.get("", response_model=ConflictPageOut, summary="List held objects")
def list_conflicts(
    principal: Annotated[Principal, Depends(require(*ANY_ROLE))],
    session: Annotated[Session, Depends(db_session)],
    decided: Annotated[bool, Query(description="Include those already decided.")] = False,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> ConflictPageOut:
    rows, total = conflicts.open_conflicts(session, page_size, (page - 1) * page_size, decided)
    record_view(session, principal, "list-conflicts", object_type="object-conflict",
                patient_pks=[c.patient_pk for c in rows])
    session.commit()
    return ConflictPageOut(conflicts=[_out(session, c) for c in rows], total=total, page=page,
                           page_size=page_size)


def _conflict(session: Session, conflict_id: int) -> ObjectConflict:
    conflict = session.get(ObjectConflict, conflict_id)
    if conflict is None:
        raise HTTPException(404, "conflict not found")
    return conflict


@router.get("/{conflict_id}", response_model=ConflictOut, summary="One held object")
def get_conflict(
    conflict_id: RowId,
    principal: Annotated[Principal, Depends(require(*ANY_ROLE))],
    session: Annotated[Session, Depends(db_session)],
) -> ConflictOut:
    conflict = _conflict(session, conflict_id)
    record_view(session, principal, "view-conflict", object_type="object-conflict",
                object_id=conflict.id, patient_pks=[conflict.patient_pk])
    session.commit()
    return _out(session, conflict)


@router.post("/{conflict_id}/choice", response_model=ConflictOut,
             summary="Choose what stands (radiologists)")
def choose(
    conflict_id: RowId,
    body: ChoiceIn,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.RADIOLOGIST))],
    session: Annotated[Session, Depends(db_session)],
) -> ConflictOut:
    """``keep-on-file``: the held object is set aside. ``apply-arrived``: it is applied (a new
    version replaces the one on file; an object under a second Patient ID joins the study's
    patient) and the case is re-evaluated. Either way the review item closes."""
    conflict = _conflict(session, conflict_id)
    settings = request.app.state.settings
    try:
        conflicts.choose(session, conflict, body.choice, body.note, principal.actor,
                         settings.zone, settings.site_config)
    except conflicts.ConflictActionError as error:
        session.rollback()
        status_code = 403 if error.forbidden else 409 if error.conflict else 422
        raise HTTPException(status_code, str(error)) from None
    session.commit()
    return _out(session, conflict)
