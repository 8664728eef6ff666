"""``worklist db``: schema migrations."""

from __future__ import annotations

import typer

from worklist.commands.common import settings_or_exit
from worklist.db import migrate
from worklist.db.privileges import PrivilegeError, grant_application_role

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (creates the SQLite file when needed)."""
    settings = settings_or_exit()
    try:
        granted = migrate.upgrade_for(settings, revision)
    except PrivilegeError as error:
        typer.echo(f"worklist: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"database at revision {revision}")
    if granted:
        typer.echo(f"application role granted its privileges on {len(granted)} tables")


@app.command()
def grant() -> None:
    """Give the application's role (WORKLIST_DATABASE_URL) its privileges, as the tables' owner
    (WORKLIST_MIGRATION_DATABASE_URL); ``upgrade`` does this too."""
    settings = settings_or_exit()
    try:
        granted = grant_application_role(settings.effective_migration_database_url,
                                         settings.effective_database_url)
    except PrivilegeError as error:
        typer.echo(f"worklist: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"application role granted its privileges on {len(granted)} tables")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Step the schema back (for operators undoing an upgrade)."""
    settings = settings_or_exit()
    migrate.downgrade(settings.effective_migration_database_url, revision)
    typer.echo(f"database at revision {revision}")
