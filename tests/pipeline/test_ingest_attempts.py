"""Counting attempts never overwrites what another worker did with the row meanwhile.

The sweeper republishes rows that stay pending a while, so with several worker processes a second
delivery of a row can arrive while the first is still being processed, holding the row's lock.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from rules.reader import read_report
from tasks.ingest import IngestContext, Outcome, process
from tests.pipeline.processes import wait_until
from worklist.db.base import utcnow
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import InboxObject, InboxState
from worklist.settings import load_settings

pytestmark = pytest.mark.postgres


def _blocked_on_a_row_lock(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        return bool(session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND wait_event_type = 'Lock' "
            "AND wait_event IN ('transactionid', 'tuple')")))


def test_a_duplicate_delivery_leaves_the_row_to_the_worker_holding_it(
    postgres_url: str, tmp_path: Path,
) -> None:
    settings = load_settings(database_url=postgres_url, data_dir=tmp_path, max_attempts=2)
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        row = InboxObject(sop_instance_uid="2.25.1", sop_class_uid="1.2.840.10008.5.1.4.1.1.88.11",
                          size_bytes=1, sha256="0" * 64, spool_path="a/b.dcm",
                          state=InboxState.PENDING, attempts=2, received_at=utcnow())
        session.add(row)
    # The first delivery, on its last allowed attempt, is in the middle of its work: it holds the
    # row's lock, as the ingest transaction does.
    first = sessions()
    first.begin()
    locked = first.scalars(
        select(InboxObject).where(InboxObject.id == row.id).with_for_update()).one()

    outcomes: list[Outcome] = []
    duplicate = threading.Thread(target=lambda: outcomes.append(
        process(IngestContext(sessions, settings, read_report), row.id)))
    duplicate.start()
    try:
        wait_until(lambda: not duplicate.is_alive() or _blocked_on_a_row_lock(sessions), 30,
                   "the duplicate delivery to give up or wait for the row")
        locked.state = InboxState.DONE  # the first delivery finishes
        locked.processed_at = utcnow()
        first.commit()
    finally:
        first.close()
        duplicate.join(timeout=30)

    assert outcomes == [Outcome.BUSY], "the row is left to the delivery that holds it"
    with sessions() as session:
        stored = session.get_one(InboxObject, row.id)
        assert (stored.state, stored.attempts, stored.error) == (InboxState.DONE, 2, None)
    engine.dispose()
