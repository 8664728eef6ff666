"""``worklist import PATH``: backfill a folder of DICOM files through the listener's path.

Imported objects are history: the items they open count their reminders from the import
(``worklist.cases.backfill``). Their rows are processed at once: with a broker by the workers,
without one by this command itself, so nothing waits for a server's sweeper.
"""

from __future__ import annotations

import threading
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.ingest import IngestResult
from dicom_io.ports import Limits
from dicom_io.spool import Spool
from tasks.wiring import Pipeline, start_pipeline
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.files import private_dir
from worklist.inbox.importer import dicom_files, import_files
from worklist.inbox.sink import SqlInboxSink
from worklist.metrics.instruments import outcome_value, run_timed
from worklist.settings import Settings


class _ImportPipeline:
    """Without a broker: the pipeline's own dispatcher in this process, for the imported rows
    only (no sweeper, no reminders: a running server does those), waited for at the end."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        from rules.reader import read_report
        from tasks.dispatch import InProcessDispatcher
        from tasks.ingest import IngestContext, process

        context = IngestContext(sessions, settings, read_report)
        self.submitted = 0
        self.processed = 0
        self._lock = threading.Lock()

        def work(inbox_id: int) -> None:
            run_timed("ingest", lambda: process(context, inbox_id), outcome_value)
            with self._lock:
                self.processed += 1

        self.dispatcher = InProcessDispatcher(work, workers=settings.workers)

    def submit(self, inbox_id: int) -> None:
        with self._lock:
            self.submitted += 1
        self.dispatcher.submit(inbox_id)

    def as_pipeline(self) -> Pipeline:
        return Pipeline(self.submit, self.dispatcher.close)


def import_path(path: Path = typer.Argument(..., help="A DICOM file or a folder of them.")) -> None:
    """Ingest DICOM files from disk (other files are skipped), process them, and summarise."""
    settings = settings_or_exit()
    configure_logging(settings)
    if not path.exists():
        typer.echo(f"worklist import: {path} does not exist", err=True)
        raise typer.Exit(code=2)
    private_dir(settings.data_dir)
    migrate.upgrade_for(settings)
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    spool = Spool(settings.spool_dir)
    local = None if settings.uses_broker else _ImportPipeline(settings, sessions)
    pipeline = start_pipeline(settings, sessions) if local is None else local.as_pipeline()
    sink = SqlInboxSink(sessions, spool, on_stored=pipeline.on_stored)
    files = list(dicom_files(path))
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("importing", total=len(files))

        def advance(_: Path, __: IngestResult | None) -> None:
            progress.advance(task)

        summary = import_files(
            files, sink=sink, spool=spool, called_ae=settings.ae_title,
            limits=Limits(max_object_bytes=settings.max_object_bytes,
                          max_report_bytes=settings.sr_max_bytes,
                          max_report_depth=settings.sr_max_depth,
                          max_report_items=settings.sr_max_items), on_file=advance,
        )
        if local is not None:
            progress.update(task, description="processing", completed=local.processed,
                            total=local.submitted)
            waiter = threading.Thread(target=pipeline.stop, daemon=True)
            waiter.start()
            while waiter.is_alive():
                waiter.join(0.2)
                progress.update(task, completed=local.processed)
    if local is None:
        pipeline.stop()
    typer.echo(
        f"accepted {summary.accepted}, duplicate {summary.duplicate}, "
        f"out of scope {summary.out_of_scope}, rejected {summary.rejected}, "
        f"skipped {summary.skipped} (not DICOM)"
    )
    for rejected, reason in summary.rejections[:20]:
        typer.echo(f"  rejected {rejected.name}: {reason}", err=True)
    if summary.rejected:
        raise typer.Exit(code=1)
