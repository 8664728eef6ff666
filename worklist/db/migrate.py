"""Run the Alembic migrations from code (``worklist db upgrade``, tests, start-up of ``serve``)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

from worklist.db.privileges import grant_application_role, separate_roles
from worklist.settings import Settings


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("worklist") / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def upgrade_for(settings: Settings, revision: str = "head") -> list[str]:
    """Migrate as the tables' owner; when the application connects as another PostgreSQL role,
    create or update that role and grant it its privileges. Returns the tables granted (none
    when the application is the owner, as with SQLite)."""
    owner_url = settings.effective_migration_database_url
    upgrade(owner_url, revision)
    if not separate_roles(owner_url, settings.effective_database_url):
        return []
    return grant_application_role(owner_url, settings.effective_database_url)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
