"""Where a committed inbox row goes: a Celery task with a broker, the in-process pipeline without."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from worklist.settings import Settings


@dataclass
class Pipeline:
    on_stored: Callable[[int], None]
    stop: Callable[[], None]


def start_pipeline(settings: Settings, sessions: sessionmaker[Session]) -> Pipeline:
    if settings.uses_broker:
        from tasks.app import configure
        from tasks.dispatch import BrokerDispatcher

        app = configure(settings)
        broker = BrokerDispatcher(
            lambda ids: app.send_task("worklist.ingest_many", args=[ids], retry=False)
        )
        return Pipeline(broker.submit, broker.close)

    from rules.reader import read_report
    from tasks.ingest import IngestContext
    from tasks.inprocess import InProcessPipeline
    from tasks.reading import reader_pool

    pipeline = InProcessPipeline(IngestContext(sessions, settings, read_report,
                                               readers=reader_pool(settings)))
    pipeline.start()
    return Pipeline(pipeline.submit, pipeline.stop)
