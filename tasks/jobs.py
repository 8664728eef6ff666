"""The Celery tasks. Bodies are the plain functions of ``tasks.ingest``, ``tasks.sweep`` and
``worklist.notifications``; these wrappers add names, retries and the process's runtime."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any

from celery.signals import worker_process_init, worker_shutting_down

from dicom_io.spool import Spool
from rules.site import SiteConfig, load_site_config
from tasks import runtime
from tasks.app import celery_app
from tasks.ingest import TRANSIENT, IngestContext, process
from tasks.reading import reader_pool, stop_descendant_readers
from tasks.sweep import stranded
from worklist.db.base import utcnow
from worklist.inbox import retention
from worklist.inbox.repository import reports_first
from worklist.metrics.instruments import outcome_value, run_timed
from worklist.notifications import service as notifications
from worklist.notifications.senders import configured_senders


log = logging.getLogger(__name__)


class TransientError(Exception):
    """Raised for a retry; carries only the error's class name, never its message."""


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    runtime.reset_after_fork()
    _context.cache_clear()  # reader processes belong to the process that started them


@worker_shutting_down.connect
def _stop_reads(**_: Any) -> None:
    """A warm shutdown waits for running tasks: end their reads now, so an object being read for
    its whole time budget does not hold the worker up. Their rows stay pending."""
    stopped = stop_descendant_readers()
    if stopped:
        log.info("stopped %d reader processes", stopped)


@lru_cache(maxsize=1)
def _context() -> IngestContext:
    from rules.reader import read_report

    settings = runtime.settings()
    return IngestContext(runtime.sessions(), settings, read_report, readers=reader_pool(settings))


@lru_cache(maxsize=1)
def _site() -> SiteConfig:
    return load_site_config(runtime.settings().site_config)


def _retry_delay(retries: int) -> int:
    return min(2**retries, 300)


@celery_app.task(name="worklist.ingest", bind=True, acks_late=True, reject_on_worker_lost=True,
                 max_retries=8)
def ingest(self: Any, inbox_id: int) -> str:
    try:
        return run_timed("ingest", lambda: process(_context(), inbox_id), outcome_value).value
    except TRANSIENT as error:
        raise self.retry(exc=TransientError(type(error).__name__),
                         countdown=_retry_delay(self.request.retries)) from None


@celery_app.task(name="worklist.ingest_many", acks_late=True, reject_on_worker_lost=True)
def ingest_many(inbox_ids: list[int]) -> dict[str, int]:
    """The rows the listener committed together, reports first (they carry the clinical facts;
    images add views), one after the other, each in its own transaction: a redelivery after a
    crash finds the finished ones done. A row that meets a transient error goes on alone as
    ``worklist.ingest``, with that task's retries."""
    outcomes: dict[str, int] = {}
    with _context().sessions() as session:
        ordered = reports_first(session.connection(), inbox_ids)
    for inbox_id in ordered:
        try:
            outcome = run_timed("ingest", lambda: process(_context(), inbox_id),
                                outcome_value).value
        except TRANSIENT:
            ingest.apply_async(args=[inbox_id], countdown=_retry_delay(0))
            outcome = "retrying"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@celery_app.task(name="worklist.sweep_inbox", acks_late=True)
def sweep_inbox() -> int:
    settings = runtime.settings()
    ids = run_timed("sweep", lambda: stranded(
        runtime.sessions(), utcnow(), timedelta(seconds=settings.sweep_after_seconds)))
    for inbox_id in ids:
        ingest.apply_async(args=[inbox_id])
    return len(ids)


@celery_app.task(name="worklist.prune_spool", acks_late=True)
def prune_spool() -> int:
    settings = runtime.settings()
    return run_timed("prune-spool", lambda: retention.prune_spool(
        runtime.sessions(), Spool(settings.spool_dir), utcnow(), settings.spool_retention_days))


@celery_app.task(name="worklist.remind", acks_late=True)
def remind() -> int:
    settings = runtime.settings()
    return run_timed("remind", lambda: notifications.remind(
        runtime.sessions(), settings, _site(), configured_senders(settings), utcnow()))


@celery_app.task(name="worklist.digest", acks_late=True)
def digest() -> bool:
    settings = runtime.settings()
    now = utcnow()
    # Beat runs this at the local digest hour; the digest is for the site's local day.
    return run_timed("digest", lambda: notifications.digest(
        runtime.sessions(), settings, configured_senders(settings),
        now.astimezone(settings.zone).date(), now))
