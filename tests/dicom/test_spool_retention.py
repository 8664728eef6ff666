"""Spool retention: files of objects processed long enough ago go, their rows stay, and the same
object sent again is still acknowledged as a duplicate, not kept twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from tests.dicom import factories
from tests.dicom.conftest import send
from worklist.db.models import InboxObject, InboxState
from worklist.inbox.retention import PRUNED, prune_spool


def test_processed_objects_leave_the_spool_after_the_retention_period(
    start_listener, tmp_path: Path
) -> None:
    running = start_listener()
    objects = [factories.mammogram(size=64), factories.basic_text_sr("Mass.", "BI-RADS 4."),
               factories.mammogram("L", size=64), factories.ultrasound()]
    files = [factories.write(ds, tmp_path / f"{i}.dcm") for i, ds in enumerate(objects)]
    assert send(running.port, files) == [0] * 4
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=40), now - timedelta(days=2)
    rows = running.rows()
    states = [(InboxState.DONE, old), (InboxState.OUT_OF_SCOPE, old), (InboxState.DONE, recent),
              (InboxState.FAILED, old)]
    with running.sessions.begin() as session:
        for row, (state, when) in zip(rows, states, strict=True):
            session.execute(update(InboxObject).where(InboxObject.id == row.id)
                            .values(state=state, processed_at=when))
    paths = [running.spool.path_of(row.spool_path) for row in rows]

    assert prune_spool(running.sessions, running.spool, now, retention_days=0) == 0
    assert all(path.exists() for path in paths), "0 keeps every file"
    assert prune_spool(running.sessions, running.spool, now, retention_days=30) == 2
    assert [path.exists() for path in paths] == [False, False, True, True], \
        "old processed objects go; recent ones and failed ones (to re-drive) stay"
    after = running.rows()
    assert [row.spool_path == PRUNED for row in after] == [True, True, False, False]
    assert prune_spool(running.sessions, running.spool, now, retention_days=30) == 0

    # The hash stays in the row: the same object again is a duplicate, not a new version.
    assert send(running.port, [files[0]]) == [0]
    assert running.row_count() == 4
