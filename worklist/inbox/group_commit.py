"""Group commit: objects arriving at the same time on different associations share one commit.

Each C-STORE handler calls ``store``: on its own thread the file goes to its final name and its
folder is fsynced (``prepare``, in parallel across associations), then the handler blocks. One
committer thread takes everything waiting (up to ``max_batch``), commits the rows with
``commit_many`` (one statement, one database log flush), and only then wakes each handler with its
own result, so no Success is answered before its row is committed. Batches form by themselves:
while one commits, the next arrivals queue up; a lone object is committed at once, never held back
to wait for company.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dicom_io.ports import ReceivedObject, SinkUnavailable, StoreResult
from worklist.inbox.sink import Prepared

log = logging.getLogger(__name__)

MAX_BATCH = 64


class BatchSink(Protocol):
    def prepare(self, received: ReceivedObject) -> Prepared:
        ...

    def commit_many(self, batch: Sequence[Prepared]) -> list[StoreResult | SinkUnavailable]:
        ...

    def release(self, prepared: Prepared) -> None:
        """Undo ``prepare`` for an object that will not be committed."""
        ...

    def reject_association(self, calling_ae: str, address: str, reason: str) -> None:
        ...


@dataclass
class _Waiting:
    prepared: Prepared
    done: threading.Event = field(default_factory=threading.Event)
    result: StoreResult | SinkUnavailable | None = None

    def answer(self, result: StoreResult | SinkUnavailable) -> None:
        self.result = result
        self.done.set()


class GroupCommitSink:
    """An ``InboxSink`` that batches the commits of concurrent ``store`` calls."""

    def __init__(self, sink: BatchSink, max_batch: int = MAX_BATCH) -> None:
        self.sink = sink
        self.max_batch = max_batch
        self.batches = 0
        self.committed = 0
        """Batches and objects handed to ``commit_many`` so far (for tests and diagnostics)."""
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def store(self, received: ReceivedObject) -> StoreResult:
        if self._closed.is_set():
            raise SinkUnavailable("the listener is stopping")
        waiting = _Waiting(self.sink.prepare(received))
        self._queue.put(waiting)
        while not waiting.done.wait(1.0):
            if not self._thread.is_alive() and not waiting.done.is_set():  # queued after close()
                self._fail(waiting, "the listener is stopping")
        if isinstance(waiting.result, StoreResult):
            return waiting.result
        raise waiting.result or SinkUnavailable("no result")

    def reject_association(self, calling_ae: str, address: str, reason: str) -> None:
        self.sink.reject_association(calling_ae, address, reason)

    def close(self, timeout: float = 30) -> None:
        """Commit what is already waiting, then stop; later calls to ``store`` fail."""
        self._closed.set()
        self._queue.put(None)
        self._thread.join(timeout)
        if self.batches:
            log.info("group commit: %d objects in %d commits", self.committed, self.batches)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                else:
                    batch.append(more)
            if batch:
                self._commit(batch)
        self._refuse_stragglers()

    def _commit(self, batch: list[_Waiting]) -> None:
        results: Sequence[StoreResult | SinkUnavailable]
        try:
            results = self.sink.commit_many([waiting.prepared for waiting in batch])
            if len(results) != len(batch):
                raise RuntimeError("commit_many answered for a different number of objects")
        except Exception as error:  # never leave a handler waiting, never answer it Success
            log.error("group commit failed: %s", type(error).__name__)
            for waiting in batch:  # rows may exist: the files stay, the peer's resend settles it
                waiting.answer(SinkUnavailable(type(error).__name__))
            return
        finally:
            self.batches += 1
            self.committed += len(batch)
        for waiting, result in zip(batch, results, strict=True):
            waiting.answer(result)

    def _fail(self, waiting: _Waiting, reason: str) -> None:
        """Answer a failure for an object never handed to ``commit_many``."""
        try:
            self.sink.release(waiting.prepared)
        except Exception as error:  # the file stays under its final name without a row
            log.error("could not release an uncommitted object: %s", type(error).__name__)
        waiting.answer(SinkUnavailable(reason))

    def _refuse_stragglers(self) -> None:
        # A store() that raced close() and queued after the sentinel.
        while True:
            try:
                waiting = self._queue.get_nowait()
            except queue.Empty:
                return
            if waiting is not None:
                self._fail(waiting, "the listener is stopping")
