"""What happens to an inbox row once it is committed: the hand-off to the pipeline."""

from __future__ import annotations

from collections.abc import Callable

from worklist.settings import Settings

OnStored = Callable[[int], None]


def wait_as_pending(inbox_id: int) -> None:
    """Leave the row pending; the pipeline picks pending rows up when it runs."""


def handoff_for(settings: Settings) -> OnStored:
    """The hand-off for these settings: a Celery task with a broker, the in-process runner
    without. Until the pipeline exists, rows wait as pending either way."""
    return wait_as_pending
