"""Prometheus metrics, scraped over HTTP and read with prometheus-client's parser.

The web's ``GET /metrics`` reports the database's figures exactly (both backends) and opens only to
its own token; listener and worker processes serve their own counters on the metrics port, a
prefork worker summing what its children counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rules.items import ItemKind, Priority
from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.notifications.seed import add_item, add_patient
from tests.pipeline.processes import PrivateRedis, Worklist, wait_until
from tests.web.server import running
from worklist.db.base import utcnow
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import (
    AuditEntry, Digest, InboxObject, InboxState, ItemStatus, Notification,
)
from worklist.settings import Settings
from worklist.web.app import create_app

TOKEN = "scrape-4b1d"
Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def scrape(url: str, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return parse(response.text)


def _labels(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def _seed(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions.begin() as session:
        patient = add_patient(session)
        late = add_item(session, patient, ItemKind.UNSAMPLED_FINDING, now - timedelta(days=2),
                        key="a")
        add_item(session, patient, ItemKind.UNSAMPLED_FINDING, now + timedelta(days=9), key="b")
        add_item(session, patient, ItemKind.MALIGNANCY_REFERRAL, now + timedelta(days=1),
                 priority=Priority.URGENT, status=ItemStatus.ACKNOWLEDGED, key="c")
        add_item(session, patient, ItemKind.PATHOLOGY_PENDING, now - timedelta(days=5),
                 status=ItemStatus.RESOLVED, key="d")
        session.add_all([
            Notification(item_pk=late.id, level=0, channel="email", created_at=now, sent_at=now),
            Notification(item_pk=late.id, level=1, channel="email", created_at=now, sent_at=now),
            Notification(item_pk=late.id, level=1, channel="webhook", created_at=now,
                         error="ConnectError: delivery failed"),
            Digest(day=now.date(), audience="coordinators", created_at=now, sent_at=now),
            Digest(day=now.date() - timedelta(days=1), audience="coordinators", created_at=now,
                   error="SMTPException: delivery failed"),
        ])
        for n, (state, age) in enumerate([(InboxState.PENDING, 90), (InboxState.PENDING, 30),
                                          (InboxState.FAILED, 400), (InboxState.DONE, 500)]):
            session.add(InboxObject(
                sop_instance_uid=f"2.25.{n + 1}", sop_class_uid="1.2.840.10008.5.1.4.1.1.88.11",
                received_at=now - timedelta(seconds=age), size_bytes=10, sha256=f"{n:064d}",
                spool_path=f"x/{n}", state=state))
        session.add_all([AuditEntry(actor="mallory", action="login-failed", at=now)
                         for _ in range(3)] + [AuditEntry(actor="cora", action="login", at=now)])


def test_web_metrics_report_the_database_and_open_only_to_their_token(
    settings: Settings, sessions: sessionmaker[Session],
) -> None:
    _seed(sessions)
    app = create_app(settings.model_copy(update={"metrics_token": TOKEN}), sessions)
    with running(app) as base:
        assert httpx.get(f"{base}/metrics").status_code == 401
        assert httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer x"}).status_code == 401
        samples = scrape(f"{base}/metrics", TOKEN)
        with sessions.begin() as session:  # the next scrape reads only the new audit rows
            session.add(AuditEntry(actor="mallory", action="login-failed", at=utcnow()))
        again = scrape(f"{base}/metrics", TOKEN)

    assert samples["worklist_inbox_pending"][()] == 2
    assert 89 <= samples["worklist_inbox_oldest_pending_seconds"][()] < 150
    assert samples["worklist_inbox_failed"][()] == 1
    assert samples["worklist_items_open"] == {
        _labels(kind="unsampled-finding", priority="high"): 2,
        _labels(kind="malignancy-referral", priority="urgent"): 1}
    assert samples["worklist_items_overdue"] == {
        _labels(kind="unsampled-finding", priority="high"): 1,
        _labels(kind="malignancy-referral", priority="urgent"): 0}
    assert samples["worklist_notifications_total"] == {
        _labels(channel="email", outcome="sent"): 2, _labels(channel="webhook", outcome="failed"): 1}
    assert samples["worklist_digests_total"] == {
        _labels(outcome="sent"): 1, _labels(outcome="failed"): 1}
    assert samples["worklist_login_failures_total"][()] == 3
    assert again["worklist_login_failures_total"][()] == 4
    assert "process_cpu_seconds_total" in samples or "python_info" in samples


def test_metrics_are_off_without_a_token(settings: Settings,
                                         sessions: sessionmaker[Session]) -> None:
    with running(create_app(settings, sessions)) as base:
        response = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404 and "WORKLIST_METRICS_TOKEN" in response.text


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_listener_and_prefork_worker_serve_their_counters_on_the_metrics_port(
    postgres_url: str, broker: PrivateRedis, tmp_path: Path,
) -> None:
    dicom_port, listener_metrics, worker_metrics = free_port(), free_port(), free_port()
    common = {"WORKLIST_DATABASE_URL": postgres_url, "WORKLIST_BROKER_URL": broker.url,
              "WORKLIST_DATA_DIR": str(tmp_path / "data"), "WORKLIST_DICOM_HOST": "127.0.0.1",
              "WORKLIST_DICOM_PORT": str(dicom_port)}
    listener = Worklist(tmp_path / "listener", common | {
        "WORKLIST_METRICS_PORT": str(listener_metrics)})
    worker = Worklist(tmp_path / "worker", common | {"WORKLIST_METRICS_PORT": str(worker_metrics)})
    try:
        listening = listener.start("listener", name="listener")
        listening.wait_for("listening on", 90)
        worker.worker(concurrency=2).wait_for(" ready.", 90)
        files = [factories.write(factories.basic_text_sr(f"Finding {n}.", "BI-RADS 2."),
                                 tmp_path / f"{n}.dcm") for n in range(6)]
        files.append(factories.write(factories.malformed_sr(), tmp_path / "bad.dcm"))
        assert send(dicom_port, files) == [0] * 6 + [0xC212]

        sessions = make_session_factory(make_engine(postgres_url))

        def processed() -> bool:
            with sessions() as session:
                return session.scalar(select(func.count()).select_from(InboxObject).where(
                    InboxObject.state != InboxState.PENDING)) == 6

        wait_until(processed, 120, "the worker to process the six objects", every=0.2)
        counted = scrape(f"http://127.0.0.1:{listener_metrics}/metrics")
        assert counted["worklist_dicom_objects_total"] == {
            _labels(status="0x0000"): 6, _labels(status="0xC212"): 1}

        def all_timed() -> bool:
            samples = scrape(f"http://127.0.0.1:{worker_metrics}/metrics")
            counts = samples.get("worklist_pipeline_task_seconds_count", {})
            return sum(v for k, v in counts.items() if ("task", "ingest") in k) >= 6

        # Summed over the pool's children; a redelivered row may be timed twice, never less.
        wait_until(all_timed, 30, "the worker's children to report six ingest timings")
    finally:
        listener.stop_all()
        worker.stop_all()
