"""What every command needs: settings that fail loudly, logging without patient data."""

from __future__ import annotations

from typing import NoReturn

import typer

from worklist.log_setup import configure_process_logging
from worklist.settings import Settings, SettingsError, get_settings


def settings_or_exit() -> Settings:
    """Settings for a command; a bad value ends the command with a message naming the variable."""
    try:
        return get_settings()
    except SettingsError as error:
        typer.echo(f"worklist: {error}", err=True)
        raise typer.Exit(code=2) from None


def configure_logging(settings: Settings) -> None:
    configure_process_logging(settings.log_level, settings.log_format)


def not_yet(command: str, issue: str) -> NoReturn:
    """A command whose issue has not landed says so and fails, rather than pretend."""
    typer.echo(f"worklist {command}: not available yet (comes with the {issue}).", err=True)
    raise typer.Exit(code=3)
