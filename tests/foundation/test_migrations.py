"""The schema is built by the migrations, and they run both ways on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from worklist.db import migrate
from worklist.db.base import Base
from worklist.db.engine import make_engine
import worklist.db.models  # noqa: F401

EXPECTED_TABLES = {
    "patients", "studies", "inbox_objects", "reports", "images", "findings", "procedures",
    "pathology_results", "concordance_decisions", "items", "item_events", "notifications",
    "users", "api_tokens", "audit_log", "digests", "hl7_results", "web_sessions", "login_throttle",
    "association_rejections", "item_outreach", "object_conflicts",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    assert _tables(database_url) == EXPECTED_TABLES
    migrate.downgrade(database_url, "base")
    assert _tables(database_url) == set()
    migrate.upgrade(database_url)
    assert _tables(database_url) == EXPECTED_TABLES


def test_migrations_match_the_models(database_url: str) -> None:
    """Autogenerate finds nothing to do: the models and the migrations describe one schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone else'",
    "DELETE FROM audit_log",
])
def test_audit_trail_is_append_only(database_url: str, statement: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO audit_log (at, actor, action, object_type, object_id, remote_addr, detail)"
                " VALUES (CURRENT_TIMESTAMP, 'alice', 'view-item', 'item', '1', '', '{}')"
            ))
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT actor FROM audit_log")).scalar_one() == "alice"
    finally:
        engine.dispose()
