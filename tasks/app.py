"""The Celery application: explicit task names, JSON arguments carrying ids only, late acks.

Tasks are idempotent (they lock and re-check their row), so a message delivered twice, or
redelivered after a worker died, changes nothing the second time.
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

from worklist.inbox.retention import PRUNE_EVERY_SECONDS
from worklist.settings import Settings

celery_app = Celery("worklist", set_as_current=False)


def configure(settings: Settings) -> Celery:
    """Point the app at the configured broker and install the beat schedule."""
    _forget_broker_connections()
    celery_app.conf.update(
        broker_url=settings.broker_url,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        # A message whose worker vanished comes back after this long; the inbox sweeper usually
        # republishes the row sooner, and the task's own check makes the second run a no-op.
        broker_transport_options={"visibility_timeout": 900},
        # The digest's crontab hour is the site's local hour (``digest_hour``); times in messages
        # stay UTC (enable_utc).
        timezone=settings.timezone,
        beat_schedule={
            "sweep-inbox": {
                "task": "worklist.sweep_inbox", "schedule": settings.sweep_every_seconds,
            },
            "remind": {"task": "worklist.remind", "schedule": settings.remind_every_seconds},
            "prune-spool": {"task": "worklist.prune_spool", "schedule": PRUNE_EVERY_SECONDS},
            "digest": {
                "task": "worklist.digest",
                "schedule": crontab(hour=settings.digest_hour, minute=0),
            },
        },
    )
    return celery_app


def _forget_broker_connections() -> None:
    """Drop pooled connections to a previously configured broker. ``close()`` alone keeps the
    producer pool, which would go on publishing to the old broker (a process pointed at a second
    broker, as tests do)."""
    celery_app.close()
    amqp = celery_app.__dict__.get("amqp")  # created on first use
    if amqp is not None:
        amqp._producer_pool = None
