"""What a process counts as it works: DICOM store answers by status, pipeline task durations.

Every instrument has labels, so its per-label values are created when first used: in a Celery
worker that is in the forked child, where multiprocess mode (``exposition``) can see them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from prometheus_client import Counter, Histogram

T = TypeVar("T")

DICOM_OBJECTS = Counter(
    "worklist_dicom_objects",
    "C-STORE requests answered, by DICOM status (0x0000 stored; 0xA7xx, 0xA9xx, 0xC2xx refused).",
    ["status"],
)
TASK_SECONDS = Histogram(
    "worklist_pipeline_task_seconds",
    "Time a pipeline task took, by task and outcome.",
    ["task", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)


def count_store_status(status: int) -> None:
    DICOM_OBJECTS.labels(status=f"0x{status:04X}").inc()


@contextmanager
def timed(task: str) -> Iterator[Callable[[str], None]]:
    """Time a task; the body may name its outcome through the yielded setter (default ``done``;
    an exception records ``error`` and propagates)."""
    outcome = ["done"]
    started = time.perf_counter()
    try:
        yield lambda value: outcome.__setitem__(0, value)
    except BaseException:
        outcome[0] = "error"
        raise
    finally:
        TASK_SECONDS.labels(task=task, outcome=outcome[0]).observe(time.perf_counter() - started)


def _done(_: object) -> str:
    return "done"


def outcome_value(outcome: object) -> str:
    """An ingest ``Outcome``'s value (``done``, ``out-of-scope``, ``failed``...)."""
    return str(getattr(outcome, "value", outcome))


def run_timed(task: str, work: Callable[[], T], outcome_of: Callable[[T], str] = _done) -> T:
    """``work()`` timed as ``task``, its result's ``outcome_of`` as the outcome label."""
    with timed(task) as outcome:
        result = work()
        outcome(outcome_of(result))
        return result
