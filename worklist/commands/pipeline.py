"""``worklist worker`` and ``worklist beat``: the pipeline's processes when a broker is configured."""

from __future__ import annotations

import typer

from worklist.commands import preflight
from worklist.commands.common import configure_logging, settings_or_exit
from worklist.files import private_dir


def _keep_logging(**_: object) -> None:
    """Connected to Celery's ``setup_logging``: a receiver there means logging is configured."""


def _celery():  # type: ignore[no-untyped-def]
    settings = settings_or_exit()
    configure_logging(settings)
    if not settings.uses_broker:
        typer.echo("worklist: WORKLIST_BROKER_URL is empty; `worklist serve` runs the pipeline "
                   "in-process without a broker.", err=True)
        raise typer.Exit(code=2)
    preflight.warn_about_notifications(settings)
    # The product's logging (text or JSON) stays: Celery must not install its own handlers.
    from celery.signals import setup_logging

    setup_logging.connect(_keep_logging, weak=False)
    from tasks.app import configure
    import tasks.jobs  # noqa: F401  (registers the tasks)

    return configure(settings)


def worker(
    concurrency: int = typer.Option(2, help="Worker processes."),
    pool: str = typer.Option("prefork", help="prefork, threads or solo."),
    name: str = typer.Option("worklist@%h", help="Worker node name."),
) -> None:
    """Run a Celery worker for the ingest pipeline (needs WORKLIST_BROKER_URL)."""
    app = _celery()
    preflight.start_metrics(settings_or_exit(), forked_children=True)
    app.worker_main([
        "worker", f"--concurrency={concurrency}", f"--pool={pool}", f"--hostname={name}",
        "--loglevel=INFO", "--without-gossip", "--without-mingle",
    ])


def beat(
    schedule_file: str = typer.Option("", help="Where beat keeps its state (default: data dir)."),
) -> None:
    """Run the scheduler: inbox sweeper, reminders and escalations, the daily digest."""
    app = _celery()
    settings = settings_or_exit()
    private_dir(settings.data_dir)
    state = schedule_file or str(settings.data_dir / "beat-schedule")
    app.Beat(schedule=state, loglevel="INFO").run()
