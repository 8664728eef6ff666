"""``worklist backup DEST`` and ``worklist restore SOURCE``: the database and the spool."""

from __future__ import annotations

from pathlib import Path

import typer

from worklist import backup as backups
from worklist.commands.common import configure_logging, settings_or_exit


def backup(destination: Path = typer.Argument(..., help="A new folder for this backup.")) -> None:
    """Back up the database (SQLite's online backup, or pg_dump) and then the spool. Safe while
    the product runs."""
    settings = settings_or_exit()
    configure_logging(settings)
    try:
        manifest = backups.backup(settings, destination)
    except backups.BackupError as error:
        typer.echo(f"worklist backup: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"backed up the {manifest.database} database at revision {manifest.revision} and "
               f"{manifest.spool_files} spool objects ({manifest.spool_bytes} bytes) to "
               f"{destination}")


def restore(source: Path = typer.Argument(..., help="A folder written by `worklist backup`.")) -> None:
    """Restore a backup into a fresh database and an empty data directory, then bring the schema
    up to date. Stop the product first; refuses to overwrite anything."""
    settings = settings_or_exit()
    configure_logging(settings)
    try:
        manifest = backups.restore(settings, source)
    except backups.BackupError as error:
        typer.echo(f"worklist restore: {error}", err=True)
        raise typer.Exit(code=1) from None
    missing = backups.missing_spool_files(settings)
    typer.echo(f"restored the {manifest.database} backup of {manifest.created_at} (revision "
               f"{manifest.revision}) and {manifest.spool_files} spool objects; schema up to date")
    if missing:
        typer.echo(f"worklist restore: {missing} inbox rows have no object in the spool", err=True)
        raise typer.Exit(code=1)
