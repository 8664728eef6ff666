"""What every benchmark returns: figures for our code beside a peer measured in the same run."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """One measured quantity for us and for the peer; the ratio is always "ours relative to peer".

    ``higher_is_better`` decides the direction: for rates the ratio is ours/peer, for latencies
    peer/ours, so a ratio above 1 always means we are faster.
    """

    metric: str
    unit: str
    ours: float
    peer: float | None = None
    higher_is_better: bool = True
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if self.peer is None or self.peer == 0 or self.ours == 0:
            return None
        return self.ours / self.peer if self.higher_is_better else self.peer / self.ours


@dataclass
class Section:
    """One benchmark's results: its figures, the exact command, and what limits it."""

    title: str
    command: str
    peer: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def pin_to_one_core() -> None:
    """Single-core figures are the ones comparable between machines."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def rate(work: Callable[[], object], seconds: float, batch: int = 50) -> float:
    """Calls per CPU-second of this process, after one warm-up call."""
    work()
    count, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        for _ in range(batch):
            work()
        count += batch
    return count / elapsed


def children_peak_rss_mib() -> float:
    """Peak resident memory of the largest child process waited for so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start
