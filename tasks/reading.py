"""Reading one spooled object within a time and memory budget.

Decoding a DICOM object and running the report reader over it is the one step whose cost the
sender controls: a valid structured report with a hundred thousand content items once kept a
worker busy for over half an hour while it grew to gigabytes, and the process could not stop
until it was done. So the pipeline reads in separate reader processes (``tasks.reader_process``),
each capped in address space (``RLIMIT_AS``: the reader's own size plus
``WORKLIST_READ_MEMORY_MB``) and given ``WORKLIST_READ_TIMEOUT_SECONDS`` to answer. An object past
either limit fails with that reason; the reader is replaced, and the other objects go on. Stopping
the pipeline kills the readers at once, leaving the row being read pending for the next start.

A reader is a long-lived process (starting one costs about a second of imports), reused for the
next object and replaced after a failure or once its heap has grown.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any, NamedTuple

from dicom_io.readers.objects import UnreadableObject, read_object
from worklist.cases import ingest
from worklist.cases.ingest import ReadObject, ReportReader, decode_read
from worklist.settings import Settings

log = logging.getLogger(__name__)

READER_MODULE = "tasks.reader_process"
"""What a reader process runs; also how a Celery worker finds its pool's readers at shutdown."""


def read_spooled(path: Path, zone: tzinfo, read_report: ReportReader) -> ReadObject:
    """Read in this process, with no budget: what a reader process runs for each object."""
    result = ingest.localised(read_object(path), zone)
    document = ingest.readable_report(result)
    return ReadObject(result, read_report(document) if document is not None else None)


class OverBudget(UnreadableObject):
    """The object took more time or memory to read than the budget allows: it fails visibly."""


class ReaderStopped(OSError):
    """The reader was stopped from outside (shutdown): the row stays pending, to be read again.

    An ``OSError``, so the pipeline treats it as transient like any other interrupted I/O."""


@dataclass(frozen=True)
class ReadBudget:
    seconds: float
    memory_mb: int

    def timed_out(self) -> str:
        return (f"reading the object took longer than {self.seconds:g} s "
                "(WORKLIST_READ_TIMEOUT_SECONDS); not retried")

    def out_of_memory(self) -> str:
        return (f"reading the object needed more than {self.memory_mb} MB "
                "(WORKLIST_READ_MEMORY_MB); not retried")


class LogChoice(NamedTuple):
    """The parent's log level and format: a reader's warnings (pydicom's, about the object it
    decodes) reach the same stream, redacted the same way."""

    level: str
    format: str


# A reader recycles itself once its heap has grown by this share of the budget: Python seldom
# hands memory back, and the next object deserves the whole budget.
RECYCLE_SHARE = 0.5
STARTUP_SECONDS = 60.0
"""How long a new reader may take to import its libraries before the pool gives up on it."""


class _Reader:
    """One reader process and its pipes; used by one thread at a time."""

    def __init__(self, budget: ReadBudget, zone_name: str, logs: LogChoice) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        argv = [sys.executable, "-m", READER_MODULE, str(budget.memory_mb), zone_name,
                str(os.getpid()), logs.level, logs.format]
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=env, close_fds=True)
        self.killed_by_us = False

    def wait_ready(self) -> None:
        """Wait for the reader's imports; killed meanwhile (the pool closing), it never answers."""
        if self._answer(STARTUP_SECONDS) != {"ready": True}:
            self.kill()
            raise ReaderStopped("the reader process did not start")

    @property
    def stdin(self) -> IO[bytes]:
        assert self.process.stdin is not None
        return self.process.stdin

    def _answer(self, timeout: float) -> dict[str, Any] | None:
        """The next line from the reader, or None if it did not come in time or the reader died."""
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            return None
        line = stdout.readline()
        return json.loads(line) if line else None

    def ask(self, path: Path, budget: ReadBudget) -> dict[str, Any] | None:
        try:
            self.stdin.write(json.dumps({"path": str(path)}).encode() + b"\n")
            self.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        return self._answer(budget.seconds)

    def kill(self, how: int = signal.SIGKILL) -> None:
        self.killed_by_us = True
        if self.process.poll() is None:
            try:
                self.process.send_signal(how)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    def died_of(self) -> int | None:
        """The reader's exit status once it has ended (negative: the signal that ended it)."""
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None


class ReaderPool:
    """Reader processes shared by the threads of one pipeline process."""

    def __init__(self, budget: ReadBudget, zone_name: str,
                 logs: LogChoice = LogChoice("INFO", "text")) -> None:
        self.budget = budget
        self._zone_name = zone_name
        self._logs = logs
        self._idle: list[_Reader] = []
        self._busy: set[_Reader] = set()
        self._lock = threading.Lock()
        self._closed = False

    def _take(self) -> _Reader:
        with self._lock:
            if self._closed:
                raise ReaderStopped("the pipeline is stopping")
            reader = self._idle.pop() if self._idle else None
        if reader is not None and reader.process.poll() is not None:
            reader.kill()  # ended while idle: close its pipes
            reader = None
        starting = reader is None
        if reader is None:
            reader = _Reader(self.budget, self._zone_name, self._logs)
        with self._lock:
            self._busy.add(reader)  # from now on close() kills it, starting or not
            closed = self._closed
        if closed:
            self._give_back(reader, keep=False)
            raise ReaderStopped("the pipeline is stopping")
        if starting:
            try:
                reader.wait_ready()
            except ReaderStopped:
                self._give_back(reader, keep=False)
                raise
        return reader

    def _give_back(self, reader: _Reader, keep: bool) -> None:
        with self._lock:
            self._busy.discard(reader)
            if keep and not self._closed:
                self._idle.append(reader)
                return
        reader.kill()

    def read(self, path: Path) -> ReadObject:
        """Read ``path`` in a reader process. Raises ``OverBudget`` or ``UnreadableObject`` for
        the object's own faults, ``ReaderStopped`` when stopped from outside."""
        reader = self._take()
        started = time.monotonic()
        answer = reader.ask(path, self.budget)
        if answer is None:
            return self._no_answer(reader, time.monotonic() - started)
        self._give_back(reader, keep="ok" in answer and not answer.get("recycle", False))
        if "ok" in answer:
            return decode_read(answer["ok"])
        if "memory" in answer:
            raise OverBudget(self.budget.out_of_memory())
        if "unreadable" in answer:
            raise UnreadableObject(answer["unreadable"])
        raise RuntimeError(f"the reader failed with {answer.get('error', 'an unknown error')}")

    def _no_answer(self, reader: _Reader, waited: float) -> ReadObject:
        stopped_by_pool = reader.killed_by_us  # close() killed it while we waited
        status = reader.process.poll()
        if status is None and waited >= self.budget.seconds:
            self._give_back(reader, keep=False)
            raise OverBudget(self.budget.timed_out())
        status = reader.died_of() if status is None else status
        self._give_back(reader, keep=False)
        if stopped_by_pool or self._closed or status in (-signal.SIGTERM, -signal.SIGKILL):
            # SIGTERM or SIGKILL come from outside (a stopping worker, an operator); the address
            # space limit ends a reader with MemoryError, which it reports, never with a signal.
            raise ReaderStopped("the reader process was stopped")
        raise OverBudget(f"the reader process ended while reading the object (status {status}); "
                         "not retried")

    def close(self) -> None:
        """Kill every reader, the busy ones too: their threads see ``ReaderStopped`` at once."""
        with self._lock:
            self._closed = True
            readers = [*self._idle, *self._busy]
            self._idle.clear()
        for reader in readers:
            reader.kill()


def reader_pool(settings: Settings) -> ReaderPool:
    return ReaderPool(ReadBudget(settings.read_timeout_seconds, settings.read_memory_mb),
                      settings.timezone, LogChoice(settings.log_level, settings.log_format))


def stop_descendant_readers(root_pid: int | None = None) -> int:
    """SIGTERM the reader processes below ``root_pid`` (this process by default): how a Celery
    worker's main process, which cannot reach into its pool's tasks, stops their reads at once
    on shutdown. Returns how many it signalled."""
    signalled = 0
    for pid in _descendants(root_pid or os.getpid()):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if READER_MODULE.encode() in argv:
            try:
                os.kill(pid, signal.SIGTERM)
                signalled += 1
            except ProcessLookupError:
                pass
    return signalled


def _descendants(root: int) -> list[int]:
    found: list[int] = []
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                frontier.append(child)
    return found
