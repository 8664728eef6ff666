"""What every command needs: settings that fail loudly, logging without patient data."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import typer

from worklist import log_format
from worklist.log_redaction import protect_handler
from worklist.settings import Settings, SettingsError, get_settings


def settings_or_exit() -> Settings:
    """Settings for a command; a bad value ends the command with a message naming the variable."""
    try:
        return get_settings()
    except SettingsError as error:
        typer.echo(f"worklist: {error}", err=True)
        raise typer.Exit(code=2) from None


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(log_format.formatter(settings.log_format))
    protect_handler(handler)  # pydicom and pynetdicom quote patient data they decode
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    # Library warnings become log lines too, in the same format (JSON stays JSON).
    logging.captureWarnings(True)
    # Third-party libraries that log dataset contents or report text at DEBUG stay quiet.
    for noisy in ("pynetdicom", "pydicom", "PyRuSH", "medspacy"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:
        pass


def not_yet(command: str, issue: str) -> NoReturn:
    """A command whose issue has not landed says so and fails, rather than pretend."""
    typer.echo(f"worklist {command}: not available yet (comes with the {issue}).", err=True)
    raise typer.Exit(code=3)
