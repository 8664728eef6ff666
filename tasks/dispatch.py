"""Handing inbox rows to the pipeline, after their commit.

The listener calls ``submit(inbox_id)`` once the row is committed. With a broker, a background
thread publishes the rows waiting at that moment as one ``worklist.ingest_many`` message, so a
slow or absent broker never delays a C-STORE answer; a row whose
message is lost stays pending and the sweeper republishes it. Without a broker, a small thread
pool runs the same task function in this process.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def submit(self, inbox_id: int) -> None: ...

    def close(self) -> None: ...


RETRY_DELAYS = (0.2, 1.0, 5.0, 30.0)
"""Seconds before each new try of a transiently failing row; after the last, the sweeper's turn."""


class InProcessDispatcher:
    """Runs ``work(inbox_id)`` on a small thread pool; a row already queued is not queued twice,
    and a transient failure is tried again after a short, growing delay."""

    def __init__(self, work: Callable[[int], object], workers: int = 2) -> None:
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pipeline")
        self._queued: set[int] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def submit(self, inbox_id: int, attempt: int = 0) -> None:
        with self._lock:
            if inbox_id in self._queued or self._closed.is_set():
                return
            self._queued.add(inbox_id)
        self._pool.submit(self._run, inbox_id, attempt)

    def _run(self, inbox_id: int, attempt: int) -> None:
        with self._lock:
            self._queued.discard(inbox_id)
        try:
            self._work(inbox_id)
        except Exception as error:  # still pending: try again soon, else the sweeper will
            log.warning("inbox row %d will be retried: %s", inbox_id, type(error).__name__)
            if attempt < len(RETRY_DELAYS) and not self._closed.is_set():
                timer = threading.Timer(RETRY_DELAYS[attempt], self.submit, (inbox_id, attempt + 1))
                timer.daemon = True
                timer.start()

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=True, cancel_futures=False)


MAX_IDS_PER_MESSAGE = 16
"""Rows one broker message may carry. A message costs the listener about as much CPU as reading an
object's header; sharing it across the rows committed together takes that cost off a burst, and a
small cap keeps each task short, so a report is not queued behind a long run of images."""


class BrokerDispatcher:
    """Publishes the committed rows from a background thread, with no retries of its own: the
    rows waiting at that moment go together in one message (up to ``MAX_IDS_PER_MESSAGE``), a
    lone row at once."""

    def __init__(self, publish: Callable[[list[int]], None],
                 max_ids: int = MAX_IDS_PER_MESSAGE) -> None:
        self._publish = publish
        self._max_ids = max_ids
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="publisher", daemon=True)
        self._thread.start()

    def submit(self, inbox_id: int) -> None:
        self._queue.put(inbox_id)

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            ids: list[int] = []
            item = self._queue.get()
            while item is not None:
                ids.append(item)
                if len(ids) == self._max_ids:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            stopping = item is None
            if ids:
                self._send(ids)

    def _send(self, ids: list[int]) -> None:
        try:
            self._publish(ids)
        except Exception as error:
            log.warning("could not publish %d inbox rows (%s); the sweeper will",
                        len(ids), type(error).__name__)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)
