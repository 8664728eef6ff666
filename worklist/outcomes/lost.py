"""Examinations a coordinator marked lost to follow-up, when the worklist records it.

The audit derives "lost to follow-up" from the facts (no tissue diagnosis and no later examination
of the positive breast within the year); a person's mark on an item counts too, once the worklist
has such a status.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session


def marked_lost(session: Session, exam_uids: Sequence[str]) -> frozenset[str]:
    return frozenset()
