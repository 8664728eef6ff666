"""What happens to an inbox row once it is committed: the hand-off to the pipeline.

The commands pass the pipeline's ``on_stored`` (``tasks.wiring``); a sink built without one leaves
rows pending, for the sweeper or a later run to pick up.
"""

from __future__ import annotations

from collections.abc import Callable

OnStored = Callable[[int], None]


def wait_as_pending(inbox_id: int) -> None:
    """Leave the row pending; the pipeline picks pending rows up when it runs."""
