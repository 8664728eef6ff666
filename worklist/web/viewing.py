"""Audit entries for views of patient data: one per patient seen, so the trail answers
"who looked at this patient" through its patient index."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from worklist import audit
from worklist.web.auth import Principal


def record_view(
    session: Session,
    principal: Principal,
    action: str,
    *,
    patient_pks: Iterable[int],
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> None:
    for patient_pk in sorted(set(patient_pks)):
        audit.record(
            session, actor=principal.username, action=action, object_type=object_type,
            object_id=object_id, patient_pk=patient_pk, remote_addr=principal.remote_addr,
            detail=(detail or {}) | {"via": principal.via},
        )
