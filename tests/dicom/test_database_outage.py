"""With the database unavailable, C-STORE answers a failure; after recovery a resend is kept once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from dicom_io.ingest import Status
from tests.conftest import POSTGRES_ADMIN_URL
from tests.dicom import factories
from tests.dicom.conftest import send
from worklist.db.engine import make_engine, make_session_factory


def _sqlite_outage(url: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """Another process's writer holding the database lock: our writes wait, then fail."""
    holder = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)

    def stop() -> None:
        holder.execute("BEGIN EXCLUSIVE")

    def recover() -> None:
        holder.execute("ROLLBACK")
        holder.close()

    return stop, recover


def _postgres_outage(url: str) -> tuple[Callable[[], None], Callable[[], None]]:
    name = make_url(url).database
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def stop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            )

    def recover() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()

    return stop, recover


def test_store_fails_while_the_database_is_down_and_a_resend_is_kept_once(
    database_url: str, start_listener, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    if database_url.startswith("sqlite"):
        # A short wait for the lock keeps the test quick; production waits 30 s.
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout=300"))
    running = start_listener(session_factory=make_session_factory(engine))
    before = factories.write(factories.mammogram(size=32), tmp_path / "before.dcm")
    during = factories.write(factories.mammogram(size=32), tmp_path / "during.dcm")
    assert send(running.port, [before]) == [Status.SUCCESS]

    stop, recover = (_sqlite_outage if database_url.startswith("sqlite") else _postgres_outage)(
        database_url
    )
    stop()
    try:
        assert send(running.port, [during]) == [Status.OUT_OF_RESOURCES]
    finally:
        recover()
    assert len(running.spool_files()) == 1, "nothing half-written stays behind"
    assert not running.incoming_files()

    assert send(running.port, [during, during]) == [Status.SUCCESS, Status.SUCCESS]
    rows = running.rows()
    assert len(rows) == 2 and len(running.spool_files()) == 2
    assert [row.version for row in rows] == [1, 1]
    engine.dispose()
