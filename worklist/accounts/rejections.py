"""Refused DICOM associations in the audit trail, one entry per peer and minute.

A peer that is not allowed and retries in a loop would otherwise add an entry per attempt, as
fast as it can connect. The first refusal of a minute (per calling AE title and address) is
audited; the repeats are counted in ``association_rejections`` in the same atomic upsert, so
listener processes sharing the port agree on which refusal is the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from worklist import audit
from worklist.db.models import AssociationRejection, AuditEntry
from worklist.db.upsert import insert_for

ACTION = "dicom.association.rejected"


def record_rejection(session: Session, *, actor: str, calling_ae: str, address: str,
                     reason: str, now: datetime) -> bool:
    """Count the refusal; audit it when it is the peer's first of this minute (returns True)."""
    minute = now.replace(second=0, microsecond=0)
    calling, peer = calling_ae[:64], address[:64]
    table = AssociationRejection.__table__
    statement = insert_for(session, table).values(
        calling_ae=calling, peer_address=peer, minute=minute, count=1, reason=reason[:200])
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.calling_ae, table.c.peer_address, table.c.minute],
        set_={"count": table.c.count + 1},
    ).returning(table.c.count)
    first = int(session.execute(statement).scalar_one()) == 1
    if first:
        audit.record(session, actor=actor, action=ACTION, object_type="association",
                     object_id=calling, remote_addr=peer,
                     detail={"calling_ae": calling_ae, "reason": reason,
                             "minute": minute.isoformat()})
    return first


def counts_for(session: Session, entries: list[AuditEntry]) -> dict[int, int]:
    """For the refusal entries among these, how many refusals their minute held."""
    keyed = {(e.object_id, e.remote_addr, e.detail.get("minute")): e.id for e in entries
             if e.action == ACTION and e.detail.get("minute")}
    if not keyed:
        return {}
    minutes = {key: datetime.fromisoformat(str(key[2])) for key in keyed}
    rows = session.execute(
        select(AssociationRejection.calling_ae, AssociationRejection.peer_address,
               AssociationRejection.minute, AssociationRejection.count)
        .where(tuple_(AssociationRejection.calling_ae, AssociationRejection.peer_address)
               .in_([(key[0], key[1]) for key in keyed]),
               AssociationRejection.minute.in_(set(minutes.values())))
    )
    by_key = {(ae, peer, minute): count for ae, peer, minute, count in rows}
    return {entry_id: by_key.get((key[0], key[1], minutes[key]), 1)
            for key, entry_id in keyed.items()}
