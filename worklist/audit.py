"""The audit trail: who saw or changed what, when, from where.

Callers pass the session of the request or task; the boundary commits, so an audit entry lands
exactly when the change it describes does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from worklist.db.models import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    patient_pk: int | None = None,
    remote_addr: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_pk=patient_pk,
        remote_addr=remote_addr,
        detail=detail or {},
    )
    session.add(entry)
    return entry
