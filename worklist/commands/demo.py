"""``worklist demo``: render the demo stories (day 0 = today) and send them as a site's systems
would: images and reports over real DICOM, one association per event, and the events marked
``channel: hl7`` (a pathology result from the laboratory) as ORU^R01 over MLLP."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dicom_io.push import PushError
from dicom_io.synth import RenderedEvent
from worklist.commands.common import settings_or_exit
from worklist.db.engine import make_engine
from worklist.db.models import InboxObject
from worklist.demo import load_stories
from worklist.demo.history import history_stories
from worklist.demo.channels import Hl7SendError, StoryEvent, Targets, push_story, render_story
from worklist.settings import Settings

_UID_CHUNK = 500
HISTORY_PREFIX = "HIST-"


def received_count(settings: Settings, uids: list[str]) -> int | None:
    """How many of ``uids`` the listener's inbox holds, or None when its database is not
    reachable from here (a listener elsewhere, or none yet)."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return None  # nothing to count in, and nothing to create
    engine = make_engine(settings.effective_database_url)
    try:
        with engine.connect() as connection:
            return sum(int(connection.scalar(
                select(func.count(func.distinct(InboxObject.sop_instance_uid)))
                .where(InboxObject.sop_instance_uid.in_(uids[i:i + _UID_CHUNK]))) or 0)
                for i in range(0, len(uids), _UID_CHUNK))
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _size(event: StoryEvent) -> int:
    return len(event.datasets) if isinstance(event, RenderedEvent) else 1


def demo(
    host: str = "127.0.0.1",
    port: int | None = None,
    ae_title: str = "DEMOPACS",
    called_ae: str | None = None,
    hl7_port: int | None = None,
    history: Annotated[bool, typer.Option(
        help="Also send about three years of screening and work-up (generated patients HIST-*), "
             "for the outcomes audit.")] = True,
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
    chosen = load_stories() + (history_stories() if history else [])
    stories = [(story, render_story(story, today)) for story in chosen]
    total = sum(_size(e) for _, events in stories for e in events)
    targets = Targets(host, port, hl7_port, ae_title, called_ae)
    uids = [str(ds.SOPInstanceUID) for _, events in stories for e in events
            if isinstance(e, RenderedEvent) for ds in e.datasets]
    # The local database is the listener's only when the listener is local.
    local = host in ("127.0.0.1", "localhost", "::1")
    known_before = received_count(settings, uids) if local else None

    table = Table(title=f"Demo pushed to {called_ae} at {host}:{port} (HL7 on {hl7_port})")
    for column in ("story", "events", "objects"):
        table.add_column(column, justify="left" if column == "story" else "right")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    history_rows = [0, 0, 0]  # patients, events, objects: one row for the generated history
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
            if str(story["id"]).startswith(HISTORY_PREFIX):
                history_rows[0] += 1
                history_rows[1] += len(events)
                history_rows[2] += stored
            else:
                table.add_row(str(story["id"]), str(len(events)), str(stored))
    if history_rows[0]:
        table.add_row(f"{HISTORY_PREFIX}* ({history_rows[0]} patients)", str(history_rows[1]),
                      str(history_rows[2]))
    console.print(table)
    known_after = received_count(settings, uids) if local else None
    if known_before is None or known_after is None:
        counts = "new and repeated ones cannot be told apart from here (the listener's database " \
                 "is not this machine's)"
    else:
        new = known_after - known_before
        counts = (f"{new} new, {len(uids) - new} already received "
                  "before (acknowledged, not stored twice)")
    console.print(f"{total} objects from {len(stories)} stories sent: {counts}. "
                  "Open the worklist to see the items.")
