"""``worklist read``: what the report reader finds in a report, with its evidence."""

from __future__ import annotations

import typer

from worklist.commands.common import not_yet


def read(source: str = typer.Argument(..., help="A DICOM SR file, a text file, or report text.")) -> None:
    """Print the facts read from a report."""
    not_yet("read", "report-understanding issue")
