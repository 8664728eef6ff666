"""``worklist import PATH``: backfill a folder of DICOM files through the listener's path."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dicom_io.ingest import IngestResult
from dicom_io.ports import Limits
from dicom_io.spool import Spool
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.files import private_dir
from worklist.inbox.handoff import wait_as_pending
from worklist.inbox.importer import dicom_files, import_files
from worklist.inbox.sink import SqlInboxSink
from tasks.wiring import start_pipeline


def import_path(path: Path = typer.Argument(..., help="A DICOM file or a folder of them.")) -> None:
    """Ingest DICOM files from disk, with a progress bar and a summary."""
    settings = settings_or_exit()
    configure_logging(settings)
    if not path.exists():
        typer.echo(f"worklist import: {path} does not exist", err=True)
        raise typer.Exit(code=2)
    private_dir(settings.data_dir)
    migrate.upgrade_for(settings)
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    spool = Spool(settings.spool_dir)
    # With a broker, workers take the rows at once; without one, the next `worklist serve`
    # (or a running one's sweeper) processes what this import left pending.
    pipeline = start_pipeline(settings, sessions) if settings.uses_broker else None
    sink = SqlInboxSink(sessions, spool, on_stored=pipeline.on_stored if pipeline else wait_as_pending)
    files = list(dicom_files(path))
    console = Console(stderr=True)
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("import", total=len(files))

        def advance(_: Path, __: IngestResult) -> None:
            progress.advance(task)

        summary = import_files(
            files, sink=sink, spool=spool, called_ae=settings.ae_title,
            limits=Limits(max_object_bytes=settings.max_object_bytes), on_file=advance,
        )
    if pipeline is not None:
        pipeline.stop()
    typer.echo(
        f"accepted {summary.accepted}, duplicate {summary.duplicate}, "
        f"out of scope {summary.out_of_scope}, rejected {summary.rejected}"
    )
    for rejected, reason in summary.rejections[:20]:
        typer.echo(f"  rejected {rejected.name}: {reason}", err=True)
    if summary.rejected:
        raise typer.Exit(code=1)
