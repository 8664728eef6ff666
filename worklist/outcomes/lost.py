"""Examinations a coordinator marked lost to follow-up.

The audit derives "lost to follow-up" from the facts (no tissue diagnosis and no later examination
of the positive breast within the year). A coordinator who closes an item as lost to follow-up
(item status ``lost-to-follow-up``, when the worklist has it) marks the examinations whose reports
raised that item, through the item's evidence: they are listed at once, before their year ends.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from worklist.db.models import Item, ItemStatus

LOST_STATUS: ItemStatus | None = getattr(ItemStatus, "LOST_TO_FOLLOW_UP", None)


def marked_lost(session: Session, exam_uids: Collection[str]) -> frozenset[str]:
    """The uids among ``exam_uids`` named in the evidence of an item closed as lost."""
    if LOST_STATUS is None or not exam_uids:
        return frozenset()
    wanted = set(exam_uids)
    found: set[str] = set()
    for evidence in session.scalars(select(Item.evidence).where(Item.status == LOST_STATUS)):
        for entry in evidence or ():
            uid = entry.get("source_uid") if isinstance(entry, dict) else None
            if uid in wanted:
                found.add(uid)
    return frozenset(found)
