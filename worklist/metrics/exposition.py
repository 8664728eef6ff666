"""How metrics are served.

The web process answers ``GET /metrics`` (``worklist.web.metrics``, behind a bearer token): its own
instruments and the database's figures, which in ``worklist serve`` include the listener's and the
pipeline's. Listener, worker and beat processes of a distributed install serve their own
instruments on ``WORKLIST_METRICS_PORT`` (plain HTTP, bound to ``WORKLIST_METRICS_HOST``,
localhost by default). A Celery worker's tasks, and a listener's ``--processes``, run in forked
children: those count through prometheus-client's multiprocess mode, in a private temporary
directory.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, start_http_server
from prometheus_client import multiprocess, values
from sqlalchemy.orm import Session, sessionmaker

from worklist.metrics.database import DatabaseCollector
from worklist.settings import Settings

log = logging.getLogger("worklist.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def web_registry(sessions: sessionmaker[Session]) -> CollectorRegistry:
    """This process's instruments and the database's figures, for ``GET /metrics``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Process())
    registry.register(DatabaseCollector(sessions))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


class _Process:
    """The process-wide default registry, as one collector of another registry."""

    def collect(self):  # type: ignore[no-untyped-def]
        return REGISTRY.collect()


def serve_port(settings: Settings, registry: CollectorRegistry = REGISTRY) -> bool:
    """Serve ``registry`` on the metrics port when one is set; False when none is. A port that
    cannot be had raises ``OSError`` (the commands check it first, ``commands.preflight``)."""
    if not settings.metrics_port:
        return False
    start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=registry)
    log.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    return True


def serve_port_for_forked_children(settings: Settings) -> bool:
    """For a process whose work runs in forked children (a prefork Celery worker): count in
    per-process files and serve their sum. Call before the children start."""
    if not settings.metrics_port:
        return False
    # Local to this machine and this process: the counting files are memory-mapped.
    directory = tempfile.mkdtemp(prefix="worklist-metrics-")
    atexit.register(shutil.rmtree, directory, True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    values.ValueClass = values.MultiProcessValue()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return serve_port(settings, registry)
