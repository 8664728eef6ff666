"""CPU time and resident memory of a process and its descendants, read from ``/proc`` (Linux).

A server that forks per association (``storescp --fork``) or runs several processes (``worklist
listener --processes N``) is measured as a tree: CPU counts the live and exited descendants (an
exited child's time moves to its parent's ``cutime``/``cstime`` once reaped, and a zombie still
reports its own); memory is sampled while the work runs, pages shared by forked processes counted
once (PSS).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name sits in parentheses and may hold spaces: split after its closing one.
    return raw[raw.rindex(")") + 2:].split()


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (one scan of /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, ()))
    return found


@dataclass(frozen=True)
class Cpu:
    """CPU seconds so far: user, system, and per live process (user + system)."""

    user: float
    system: float
    by_process: dict[int, float]

    @property
    def total(self) -> float:
        return self.user + self.system

    def __sub__(self, before: Cpu) -> Cpu:
        return Cpu(self.user - before.user, self.system - before.system,
                   {pid: spent - before.by_process.get(pid, 0.0)
                    for pid, spent in self.by_process.items()})


def cpu(root: int) -> Cpu:
    """CPU of the tree so far, reaped children included."""
    user = system = 0
    by_process = {}
    for pid in descendants(root):
        fields = _stat_fields(pid)
        if fields is None:
            continue
        # fields[11:15]: utime, stime, cutime, cstime (clock ticks)
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        user += utime + cutime
        system += stime + cstime
        by_process[pid] = (utime + stime) / _TICK
    return Cpu(user / _TICK, system / _TICK, by_process)


def cpu_seconds(root: int) -> float:
    return cpu(root).total


def resident_bytes(root: int) -> int:
    """Resident memory of the tree, each page shared between forked processes counted once
    (the sum of PSS; RSS where smaps_rollup is not available)."""
    total = 0
    for pid in descendants(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            fields = _stat_fields(pid)
            total += int(fields[21]) * _PAGE if fields is not None else 0
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
                break
    return total


@dataclass
class MemorySampler:
    """Samples the tree's resident memory in a thread until stopped; keeps the largest."""

    root: int
    interval: float = 0.05
    peak: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, resident_bytes(self.root))
            if self._stop.wait(self.interval):
                return
