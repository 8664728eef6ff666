"""``worklist db``: schema migrations."""

from __future__ import annotations

import typer

from worklist.commands.common import settings_or_exit
from worklist.db import migrate

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (creates the SQLite file when needed)."""
    settings = settings_or_exit()
    migrate.upgrade(settings.effective_database_url, revision)
    typer.echo(f"database at revision {revision}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Step the schema back (for operators undoing an upgrade)."""
    settings = settings_or_exit()
    migrate.downgrade(settings.effective_database_url, revision)
    typer.echo(f"database at revision {revision}")
