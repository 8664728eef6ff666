"""Spool retention: the files of processed objects go once ``WORKLIST_SPOOL_RETENTION_DAYS`` have
passed since they were processed; their inbox rows stay (with hash, size and outcome), so a
duplicate is still recognised and the audit still shows what arrived.

Rows still pending or failed keep their files: the pipeline (or a person re-driving it) needs
them. The row's ``spool_path`` is emptied and committed before the file is removed, so no row
ever names a file that is gone; a crash in between leaves a file without a row, which is harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.spool import Spool
from worklist.db.models import InboxObject, InboxState

log = logging.getLogger(__name__)

PRUNED = ""
"""``spool_path`` of a row whose file retention removed."""
BATCH = 500
PRUNE_EVERY_SECONDS = 3600.0
"""How often the pipeline's scheduler (beat, or the in-process one) runs ``prune_spool``."""
_PROCESSED = (InboxState.DONE, InboxState.OUT_OF_SCOPE, InboxState.SUPERSEDED)


def prune_spool(sessions: sessionmaker[Session], spool: Spool, now: datetime,
                retention_days: int) -> int:
    """Remove the files of objects processed more than ``retention_days`` ago (0: keep them
    forever); return how many went."""
    if retention_days <= 0:
        return 0
    cutoff = now - timedelta(days=retention_days)
    removed = 0
    while True:
        with sessions.begin() as session:
            rows = session.execute(
                select(InboxObject.id, InboxObject.spool_path)
                .where(InboxObject.state.in_(_PROCESSED), InboxObject.processed_at < cutoff,
                       InboxObject.spool_path != PRUNED)
                .order_by(InboxObject.id).limit(BATCH)
            ).all()
            if not rows:
                break
            session.execute(update(InboxObject).where(InboxObject.id.in_([r.id for r in rows]))
                            .values(spool_path=PRUNED))
        for row in rows:
            try:
                spool.remove(row.spool_path)
            except (OSError, ValueError) as error:
                log.warning("could not remove a retired spool file: %s", type(error).__name__)
        removed += len(rows)
    if removed:
        log.info("spool retention removed %d processed object file(s)", removed)
    return removed
