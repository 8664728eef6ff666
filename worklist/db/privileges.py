"""The application's own PostgreSQL role, which does not own the tables.

A table's owner may TRUNCATE it, drop its triggers or the table itself: the append-only history
would then hold only for code that plays by the rules. So migrations run as the owner
(``WORKLIST_MIGRATION_DATABASE_URL``) and the application connects as another role
(``WORKLIST_DATABASE_URL``) that gets exactly what it uses: rows of the audit trail and of item
events are read and added, never changed; items are never deleted; no TRUNCATE anywhere.

``grant_application_role`` creates that role when missing (with the password in its URL) and
sets its privileges from scratch; ``worklist db upgrade`` calls it after migrating.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import make_url

from worklist.db.engine import make_engine

APPEND_ONLY = frozenset({"audit_log", "item_events", "item_outreach"})
NO_DELETE = frozenset({"items"})
READ_ONLY = frozenset({"alembic_version"})


class PrivilegeError(RuntimeError):
    """The two URLs cannot give a separate, bound application role; the message says why."""


def privileges_for(table: str) -> str:
    if table in APPEND_ONLY:
        return "SELECT, INSERT"
    if table in NO_DELETE:
        return "SELECT, INSERT, UPDATE"
    if table in READ_ONLY:
        return "SELECT"
    return "SELECT, INSERT, UPDATE, DELETE"


def separate_roles(owner_url: str, app_url: str) -> bool:
    """Whether the two URLs ask for an application role apart from the owner."""
    owner, app = make_url(owner_url), make_url(app_url)
    return (owner.get_backend_name() == app.get_backend_name() == "postgresql"
            and owner.username != app.username)


def _quote(connection: Connection, identifier: str) -> str:
    return connection.dialect.identifier_preparer.quote(identifier)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def grant_application_role(owner_url: str, app_url: str) -> list[str]:
    """Create or update the application role and grant it its privileges on every table of the
    schema; returns the tables granted. Runs as the owner."""
    app = make_url(app_url)
    if not separate_roles(owner_url, app_url) or not app.username:
        raise PrivilegeError("the application's URL must name a PostgreSQL role other than the "
                             "migrations' (the tables' owner)")
    engine = make_engine(owner_url)
    try:
        return _grant(engine, app.username, app.password, app.database or "")
    finally:
        engine.dispose()


def _grant(engine: Engine, role_name: str, password: str | None, database: str) -> list[str]:
    with engine.begin() as connection:
        role = _quote(connection, role_name)
        found = connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :name"),
                                   {"name": role_name}).one_or_none()
        if found is not None and found.rolsuper:
            raise PrivilegeError(f"role {role_name} is a superuser: no privilege binds it; "
                                 "connect the application as an ordinary role")
        secret = f" PASSWORD {_literal(password)}" if password else ""
        verb = "ALTER" if found is not None else "CREATE"
        connection.exec_driver_sql(f"{verb} ROLE {role} LOGIN{secret}")
        tables = sorted(inspect(connection).get_table_names(schema="public"))
        connection.exec_driver_sql(
            f"GRANT CONNECT ON DATABASE {_quote(connection, database)} TO {role}")
        connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {role}")
        connection.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        for table in tables:
            connection.exec_driver_sql(
                f"GRANT {privileges_for(table)} ON {_quote(connection, table)} TO {role}")
        connection.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public "
                                   f"TO {role}")
    return tables
