"""Alembic environment: runs on SQLite (batch mode) and PostgreSQL alike."""

from __future__ import annotations

from alembic import context

from worklist.db.base import Base
from worklist.db.engine import make_engine
import worklist.db.models  # noqa: F401  (fills the metadata)

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    from worklist.settings import get_settings

    return get_settings().effective_database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=Base.metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # SQLite's batch mode rebuilds a table by copy, drop and rename: with foreign keys enforced,
    # dropping a table that other rows reference fails. Enforcement is paused for the migration
    # (it cannot change inside a transaction) and the references are checked before it returns.
    sqlite = connection.dialect.name == "sqlite"
    # On the driver's connection: through SQLAlchemy the pragma would start our BEGIN IMMEDIATE.
    raw = connection.connection.driver_connection if sqlite else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection, target_metadata=Base.metadata, render_as_batch=True,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke {len(broken)} foreign key references")
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
