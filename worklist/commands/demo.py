"""``worklist demo``: render the demo stories (day 0 = today) and push them over real DICOM to the
listener, one association per event, as a PACS would."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dicom_io.push import PushError, push_events
from dicom_io.synth import RenderedEvent, render_case
from worklist.commands.common import settings_or_exit
from worklist.demo import load_stories


def demo(
    host: str = "127.0.0.1",
    port: int | None = None,
    ae_title: str = "DEMOPACS",
    called_ae: str | None = None,
) -> None:
    """Push a sample set of studies over DICOM to the running listener."""
    settings = settings_or_exit()
    port = port or settings.dicom_port
    called_ae = called_ae or settings.ae_title
    console = Console()
    if settings.allowed_aes and ae_title not in settings.allowed_aes:
        console.print(
            f"[yellow]note:[/] the listener only accepts {', '.join(settings.allowed_aes)}; "
            f"add {ae_title} to WORKLIST_ALLOWED_AES or pass --ae-title."
        )
    today = date.today()
    stories = [(story, render_case(story, today)) for story in load_stories()]
    total = sum(len(e.datasets) for _, events in stories for e in events)

    table = Table(title=f"Demo pushed to {called_ae} at {host}:{port}")
    for column in ("story", "events", "objects"):
        table.add_column(column, justify="left" if column == "story" else "right")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("pushing", total=total)

        def advance(event: RenderedEvent, stored: int) -> None:
            progress.advance(task, stored)

        for story, events in stories:
            # Stories are identified by their case id only: no patient names on the console.
            progress.update(task, description=f"pushing {story['id']}")
            try:
                stored = push_events(events, host, port, ae_title, called_ae, on_event=advance)
            except (PushError, OSError) as error:
                progress.stop()
                console.print(f"[red]demo stopped at {story['id']}:[/] {error}")
                raise typer.Exit(code=1) from None
            table.add_row(str(story["id"]), str(len(events)), str(stored))
    console.print(table)
    console.print(
        f"{total} objects from {len(stories)} stories sent; open the worklist to see the items."
    )
