"""Backup and restore, as documented in docs/backup-and-upgrade.md: ``worklist backup`` of a
database and spool filled by the real listener and pipeline, restored by ``worklist restore`` into
a fresh database (SQLite and PostgreSQL), equal row for row, and the restored product carries on
with the same patient's next reports."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

from tests.operations.product import (
    FIRST_HALF, SECOND_HALF, STORY_END, command, product_settings, push_story, story_items,
)
from worklist import backup as backups
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import AuditEntry
from worklist.settings import load_settings

TABLES = ("patients", "studies", "inbox_objects", "reports", "images", "findings", "procedures",
          "pathology_results", "items", "item_events", "audit_log")


def _snapshot(url: str) -> dict[str, object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            counts = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                      for t in TABLES}
            items = sorted(connection.execute(text(
                "SELECT item_key, kind, status, priority, due_at, escalation_level FROM items"
            )).all())
        return {"counts": counts, "items": [tuple(map(str, row)) for row in items]}
    finally:
        engine.dispose()


def test_a_backup_restores_into_a_fresh_database_and_the_product_carries_on(
    database_url: str, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = product_settings(database_url, tmp_path / "source")
    push_story(source, FIRST_HALF)
    before = _snapshot(database_url)
    assert before["counts"]["items"] and before["counts"]["inbox_objects"]  # type: ignore[index]

    folder = tmp_path / "backups" / "nightly"
    made = command(source, monkeypatch, "backup", str(folder))
    assert made.exit_code == 0, made.output
    manifest = backups.read_manifest(folder)
    assert manifest.revision == migrate_head()
    assert manifest.spool_files == before["counts"]["inbox_objects"]  # type: ignore[index]

    target = product_settings(fresh_url, tmp_path / "restored")
    restored = command(target, monkeypatch, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    assert _snapshot(fresh_url) == before
    assert backups.missing_spool_files(target) == 0
    again = command(target, monkeypatch, "restore", str(folder))
    assert again.exit_code == 1 and "fresh" in again.output, "never over live data"

    # The restored product takes the rest of the story and reaches the story's expected items.
    push_story(target, SECOND_HALF)
    assert STORY_END <= story_items(fresh_url)


def migrate_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_sqlite_backup_is_a_consistent_snapshot_while_writers_commit(tmp_path: Path) -> None:
    """Writers commit batches of audit rows during the backup. The copy holds every batch committed
    before it started, and no batch in part: a copy of the database file alone would miss what
    WAL mode still keeps in the -wal file."""
    url = f"sqlite:///{tmp_path / 'live' / 'worklist.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    # As when a long reader (a page being rendered) holds checkpoints back: every commit stays in
    # the -wal file, where only SQLite itself (and its backup API) finds it.
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA wal_autocheckpoint=0"))
    sessions: sessionmaker[Session] = make_session_factory(engine)
    batch, stop = 40, threading.Event()
    committed: list[int] = []

    def write() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            with sessions.begin() as session:
                session.add_all([AuditEntry(actor=f"batch-{number}", action="backup-test")
                                 for _ in range(batch)])
            committed.append(number)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 20:
            threading.Event().wait(0.01)
        before = len(committed)
        settings = load_settings(database_url=url, data_dir=tmp_path / "live")
        backups.backup(settings, tmp_path / "copy")
    finally:
        stop.set()
        writer.join(timeout=30)

    copy = sqlite3.connect(tmp_path / "copy" / backups.SQLITE_FILE)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sizes = dict(copy.execute("SELECT actor, count(*) FROM audit_log "
                                  "WHERE action = 'backup-test' GROUP BY actor").fetchall())
    finally:
        copy.close()
    assert set(sizes.values()) == {batch}, "a transaction copied in part"
    assert len(sizes) >= before, "batches committed before the backup are missing"
    assert (tmp_path / "live" / "worklist.db-wal").exists(), "the live database is in WAL mode"
