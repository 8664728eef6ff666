"""The pipeline without a broker: the same task bodies on a thread pool, with a small scheduler
for the periodic jobs. ``worklist serve`` uses this, so one command runs the whole product."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from dicom_io.spool import Spool
from rules.site import load_site_config
from tasks.dispatch import InProcessDispatcher
from tasks.ingest import IngestContext, process
from tasks.sweep import stranded
from worklist.db.base import utcnow
from worklist.inbox.retention import PRUNE_EVERY_SECONDS, prune_spool
from worklist.metrics.instruments import outcome_value, run_timed
from worklist.notifications import service as notifications
from worklist.notifications.senders import configured_senders

log = logging.getLogger(__name__)


@dataclass
class InProcessPipeline:
    context: IngestContext
    dispatcher: InProcessDispatcher = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.dispatcher = InProcessDispatcher(
            lambda inbox_id: run_timed("ingest", lambda: process(self.context, inbox_id),
                                       outcome_value),
            workers=self.context.settings.workers,
        )

    def submit(self, inbox_id: int) -> None:
        self.dispatcher.submit(inbox_id)

    def sweep(self, older_than: timedelta | None = None) -> int:
        settings = self.context.settings
        age = older_than if older_than is not None else timedelta(seconds=settings.sweep_after_seconds)
        ids = stranded(self.context.sessions, utcnow(), age)
        for inbox_id in ids:
            self.dispatcher.submit(inbox_id)
        return len(ids)

    def start(self) -> None:
        """Pick up what was left pending, then run the periodic jobs until ``stop``."""
        self.sweep(older_than=timedelta(0))
        settings = self.context.settings
        site = load_site_config(settings.site_config)
        senders = configured_senders(settings)
        last_digest: list[date] = []

        def remind() -> None:
            now = utcnow()
            run_timed("remind", lambda: notifications.remind(
                self.context.sessions, settings, site, senders, now))
            day = notifications.digest_day(settings, now)
            if day is not None and day not in last_digest:
                run_timed("digest", lambda: notifications.digest(
                    self.context.sessions, settings, senders, day, now))
                last_digest.append(day)

        self._every(settings.sweep_every_seconds, lambda: run_timed("sweep", self.sweep),
                    "sweeper")
        self._every(settings.remind_every_seconds, remind, "reminders")
        self._every(PRUNE_EVERY_SECONDS, lambda: run_timed("prune-spool", lambda: prune_spool(
            self.context.sessions, Spool(settings.spool_dir), utcnow(),
            settings.spool_retention_days)), "spool-retention")

    def _every(self, seconds: float, job: Callable[[], object], name: str) -> None:
        def loop() -> None:
            while not self._stop.wait(seconds):
                try:
                    job()
                except Exception as error:  # a periodic job never takes the process down
                    log.warning("%s failed: %s", name, type(error).__name__)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop at once: a read in progress is abandoned (its row stays pending), never awaited."""
        self._stop.set()
        if self.context.readers is not None:
            self.context.readers.close()
        self.dispatcher.close()
