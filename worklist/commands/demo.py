"""``worklist demo``: render the demo stories (day 0 = today) and send them as a site's systems
would: images and reports over real DICOM, one association per event, and the events marked
``channel: hl7`` (a pathology result from the laboratory) as ORU^R01 over MLLP."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dicom_io.push import PushError
from dicom_io.synth import RenderedEvent
from worklist.commands.common import settings_or_exit
from worklist.demo import load_stories
from worklist.demo.channels import Hl7SendError, StoryEvent, Targets, push_story, render_story


def _size(event: StoryEvent) -> int:
    return len(event.datasets) if isinstance(event, RenderedEvent) else 1


def demo(
    host: str = "127.0.0.1",
    port: int | None = None,
    ae_title: str = "DEMOPACS",
    called_ae: str | None = None,
    hl7_port: int | None = None,
) -> None:
    """Push a sample set of studies over DICOM (and pathology results over HL7) to the running
    listeners."""
    settings = settings_or_exit()
    port = port or settings.dicom_port
    hl7_port = hl7_port or settings.hl7_port
    called_ae = called_ae or settings.ae_title
    console = Console()
    if settings.allowed_aes and ae_title not in settings.allowed_aes:
        console.print(
            f"[yellow]note:[/] the listener only accepts {', '.join(settings.allowed_aes)}; "
            f"add {ae_title} to WORKLIST_ALLOWED_AES or pass --ae-title."
        )
    today = date.today()
    stories = [(story, render_story(story, today)) for story in load_stories()]
    total = sum(_size(e) for _, events in stories for e in events)
    targets = Targets(host, port, hl7_port, ae_title, called_ae)

    table = Table(title=f"Demo pushed to {called_ae} at {host}:{port} (HL7 on {hl7_port})")
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

        def advance(event: StoryEvent, stored: int) -> None:
            progress.advance(task, stored)

        for story, events in stories:
            # Stories are identified by their case id only: no patient names on the console.
            progress.update(task, description=f"pushing {story['id']}")
            try:
                stored = push_story(events, targets, on_event=advance)
            except (PushError, Hl7SendError, OSError) as error:
                progress.stop()
                console.print(f"[red]demo stopped at {story['id']}:[/] {error}")
                raise typer.Exit(code=1) from None
            table.add_row(str(story["id"]), str(len(events)), str(stored))
    console.print(table)
    console.print(
        f"{total} objects from {len(stories)} stories sent; open the worklist to see the items."
    )
