"""An upgrade from the previous release's schema (revision 0003) with data in it.

The rows come from a real run: a story pushed through the listener and pipeline into a database
of this release, then copied, column by column as the old schema has them, into a database built
by the old migrations only. After ``worklist db upgrade`` every row is there unchanged, new columns
hold their neutral value, and the product carries on: the rest of the story reaches the story's
expected items, and reminders read the upgraded items."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from rules.site import load_site_config
from tests.operations.product import (
    FIRST_HALF, SECOND_HALF, STORY_END, command, product_settings, push_story, story_items,
)
from worklist.db import migrate
from worklist.db.base import utcnow
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import Item
from worklist.notifications import service

PREVIOUS_RELEASE = "0003"


def _copy_as_old_schema(source: Engine, target: Engine) -> dict[str, int]:
    """Every row of ``source`` into ``target`` (at the old revision), the old columns only; row
    counts by table."""
    old = MetaData()
    old.reflect(target)
    counts: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        for table in old.sorted_tables:
            if table.name == "alembic_version":
                continue
            # The old table's columns, read from the new database with the old column types.
            rows = [dict(r._mapping) for r in reading.execute(select(table))]
            if rows:
                writing.execute(table.insert(), rows)
            counts[table.name] = len(rows)
        if target.dialect.name == "postgresql":  # as a database that had grown row by row
            for table in old.sorted_tables:
                if "id" in table.columns:
                    writing.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"))
    return counts


def _counts(engine: Engine, tables: list[str]) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in tables}


def test_an_upgrade_from_the_previous_release_keeps_the_data_and_the_product_carries_on(
    database_url: str, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    push_story(product_settings(database_url, tmp_path / "now"), FIRST_HALF)
    migrate.upgrade(fresh_url, PREVIOUS_RELEASE)
    current, previous = make_engine(database_url), make_engine(fresh_url)
    try:
        assert "backfilled_at" not in {c["name"] for c in inspect(previous).get_columns("items")}
        copied = _copy_as_old_schema(current, previous)
        assert copied["items"] and copied["inbox_objects"] and copied["item_events"]
        with previous.connect() as connection:
            old_items = sorted(connection.execute(text(
                "SELECT id, item_key, kind, status, priority, due_at, opened_at, escalation_level,"
                " next_step FROM items")).all())
    finally:
        current.dispose()

    settings = product_settings(fresh_url, tmp_path / "upgraded")
    upgraded = command(settings, monkeypatch, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output

    engine = make_engine(fresh_url)
    try:
        assert _counts(engine, list(copied)) == copied
        with engine.connect() as connection:
            assert sorted(connection.execute(text(
                "SELECT id, item_key, kind, status, priority, due_at, opened_at, escalation_level,"
                " next_step FROM items")).all()) == old_items
            assert connection.execute(text(
                "SELECT count(*) FROM items WHERE backfilled_at IS NOT NULL")).scalar_one() == 0
            assert connection.execute(text("SELECT version_num FROM alembic_version")
                                      ).scalar_one() != PREVIOUS_RELEASE
        sessions: sessionmaker[Session] = make_session_factory(engine)
        # Reminders read the upgraded items as items of this release (a month on, all overdue).
        later = utcnow() + timedelta(days=40)
        service.remind(sessions, settings, load_site_config(None), [], later)
        with sessions() as session:
            assert all(i.escalation_level >= 1 for i in session.scalars(
                select(Item).where(Item.status.in_(("open", "acknowledged")))))
    finally:
        previous.dispose()
        engine.dispose()

    push_story(settings, SECOND_HALF)
    assert STORY_END <= story_items(fresh_url)
