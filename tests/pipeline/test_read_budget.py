"""One poison object never stalls the pipeline or its shutdown.

The poison is a valid Basic Text SR with thirty thousand content items, pushed over a real
association. It must end failed with the budget it broke as the reason, while ordinary reports
pushed at the same time are processed; and stopping ``worklist serve`` or a Celery worker while it
is being read must take seconds, leaving its row pending for the next start.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydicom.uid import generate_uid
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fastapi.testclient import TestClient

from tasks.app import celery_app
from tasks.reading import READER_MODULE
from tasks.wiring import start_pipeline
from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import LISTENER_AE, client_ae, send
from tests.pipeline.harness import wait_idle
from tests.pipeline.poison import giant_sr
from tests.pipeline.processes import PrivateRedis, Process, Worklist, wait_until
from tests.web.seed import add_users
from tests.web.test_pages import login
from worklist.commands.listener import start_listener
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import InboxObject, InboxState, Item, Patient
from worklist.settings import Settings, load_settings
from worklist.web.app import create_app

pytestmark = pytest.mark.slow

POISON_ITEMS = 30_000
# The listener refuses SRs past its receipt limits (tests/dicom/test_edge_receipt.py); a site may
# raise them, and the pipeline's own budget must then hold: these tests raise them past the poison.
RAISED_LIMITS = {"WORKLIST_SR_MAX_ITEMS": "1000000", "WORKLIST_SR_MAX_BYTES": str(2 * 1024**3)}
STOP_WITHIN = 15.0
"""Seconds a SIGTERMed process may take to end while the poison is being read (it used to take
as long as the read: over half an hour)."""


POISON_UID = generate_uid()


@pytest.fixture(scope="module")
def poison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 21 MB of 30,000 content items: reading it needs about 300 MB and, on a quiet
    machine, over ten seconds (the incident's object had 100,000)."""
    return giant_sr(tmp_path_factory.mktemp("poison") / "poison.dcm", items=POISON_ITEMS,
                    text_bytes=600, PatientID="POISON-1", sop_instance_uid=POISON_UID)


ANOTHER_UID = POISON_UID[:-1] + str((int(POISON_UID[-1]) + 1) % 10)


def _another(poison: Path, target: Path) -> Path:
    """The same poison under ``ANOTHER_UID`` (same length), without rebuilding it."""
    target.write_bytes(poison.read_bytes().replace(POISON_UID.encode(), ANOTHER_UID.encode()))
    return target


def _send_patiently(port: int, path: Path) -> list[int]:
    """C-STORE one large object, waiting as long as the listener needs to check and keep it."""
    ae = client_ae()
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 600
    assoc = ae.associate("127.0.0.1", port, ae_title=LISTENER_AE)
    assert assoc.is_established, "association refused"
    try:
        status = assoc.send_c_store(path)
        return [int(status.Status) if status else -1]
    finally:
        assoc.release()


def _ordinary(directory: Path, count: int) -> list[Path]:
    """BI-RADS 4 reports of other patients: each opens an unsampled-finding item."""
    return [factories.write(factories.breast_imaging_sr(PatientID=f"FLOW-{n}",
                                                        StudyInstanceUID=generate_uid()),
                            directory / f"ordinary-{n}.dcm")
            for n in range(count)]


def _row(sessions: sessionmaker[Session], sop_uid: str | None = None) -> InboxObject | None:
    with sessions() as session:
        query = select(InboxObject)
        if sop_uid is not None:
            query = query.where(InboxObject.sop_instance_uid == sop_uid)
        return session.scalars(query.order_by(InboxObject.id)).first()


@pytest.fixture
def budgeted(request: pytest.FixtureRequest, database_url: str,
             tmp_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    memory_mb, seconds = request.param
    settings = load_settings(database_url=database_url, data_dir=tmp_path / "data",
                             dicom_port=free_port(), broker_url="", allowed_aes=[],
                             read_memory_mb=memory_mb, read_timeout_seconds=seconds,
                             remind_every_seconds=3600.0, sr_max_items=1_000_000,
                             sr_max_bytes=2 * 1024**3)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    pipeline = start_pipeline(settings, sessions)
    server = start_listener(settings, sessions, pipeline.on_stored)
    yield settings, sessions
    server.shutdown()  # type: ignore[attr-defined]
    pipeline.stop()
    engine.dispose()


@pytest.mark.parametrize(("budgeted", "reason"), [
    ((128, 120.0), "needed more than 128 MB (WORKLIST_READ_MEMORY_MB)"),
    ((8192, 3.0), "took longer than 3 s (WORKLIST_READ_TIMEOUT_SECONDS)"),
], indirect=["budgeted"], ids=["memory", "time"])
def test_poison_fails_with_its_reason_while_the_others_flow(
    budgeted: tuple[Settings, sessionmaker[Session]], reason: str, poison: Path, tmp_path: Path
) -> None:
    settings, sessions = budgeted
    ordinary = _ordinary(tmp_path / "ordinary", 4)
    statuses: dict[str, list[int]] = {}
    pushing = threading.Thread(target=lambda: statuses.update(
        poison=_send_patiently(settings.dicom_port, poison)))
    pushing.start()
    wait_until(lambda: _row(sessions) is not None, 600, "the poison's inbox row")
    statuses["ordinary"] = send(settings.dicom_port, ordinary)
    pushing.join(timeout=600)
    assert statuses == {"poison": [0], "ordinary": [0, 0, 0, 0]}
    wait_idle(sessions, timeout=180)

    with sessions() as session:
        rows = session.scalars(select(InboxObject).order_by(InboxObject.id)).all()
        poisoned = rows[0]
        assert poisoned.state == InboxState.FAILED, poisoned.error
        assert poisoned.error is not None and reason in poisoned.error
        assert poisoned.attempts == 1  # failed for good, not retried
        assert [r.state for r in rows[1:]] == [InboxState.DONE] * 4
        opened = session.scalars(select(Patient.patient_id).join(Item, Item.patient_pk == Patient.id)
                                 .where(Item.kind == "unsampled-finding")).all()
        assert sorted(opened) == [f"FLOW-{n}" for n in range(4)]
        assert session.scalar(select(Patient.id).where(Patient.patient_id == "POISON-1")) is None
        poisoned_id = poisoned.id
        assert poisoned.processed_at is not None
        print(f"poison failed {(poisoned.processed_at - poisoned.received_at).total_seconds():.1f}"
              f" s after its receipt: {poisoned.error}")

    # Visible to people: in the API and on the failed page, with its reason.
    with sessions.begin() as session:
        tokens = add_users(session)
    with TestClient(create_app(settings, sessions)) as client:
        listed = client.get("/api/v1/inbox", params={"state": "failed"},
                            headers={"Authorization": f"Bearer {tokens['cora']}"}).json()
        assert [(r["id"], reason in (r["error"] or "")) for r in listed["rows"]] == [
            (poisoned_id, True)]
        login(client, "cora")
        assert reason in client.get("/failed").text


def _readers_in_session(session_id: int) -> list[int]:
    """Reader processes in the given session (a test process and everything it started)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if READER_MODULE.encode() in argv and int(fields[3]) == session_id:
            found.append(int(entry))
    return found


def _stop_while_reading(process: Process, sessions: sessionmaker[Session], port: int,
                        poison: Path, sop_uid: str = POISON_UID) -> float:
    """Push the poison, wait until it is being read, SIGTERM the process alone (as a container
    stop does), and return how long it took to exit."""
    assert _send_patiently(port, poison) == [0]

    def reading() -> bool:
        row = _row(sessions, sop_uid=sop_uid)
        return (row is not None and row.attempts == 1 and row.state == InboxState.PENDING
                and bool(_readers_in_session(process.popen.pid)))

    wait_until(reading, 180, "the poison to be read", every=0.2)
    time.sleep(2.0)  # well into the read
    started = time.monotonic()
    os.kill(process.popen.pid, signal.SIGTERM)
    process.popen.wait(timeout=120)
    took = time.monotonic() - started
    print(f"{process.log.stem} exited with {process.popen.returncode} {took:.1f} s after SIGTERM")
    wait_until(lambda: not _readers_in_session(process.popen.pid), 10, "the readers to end")
    row = _row(sessions, sop_uid=sop_uid)
    assert row is not None and row.state == InboxState.PENDING, row and row.error
    return took


def test_serve_stops_promptly_while_the_poison_is_read(postgres_url: str, poison: Path,
                                                       tmp_path: Path) -> None:
    dicom_port, http_port = free_port(), free_port()
    worklist = Worklist(tmp_path / "run", {
        "WORKLIST_DATABASE_URL": postgres_url, "WORKLIST_DATA_DIR": str(tmp_path / "data"),
        "WORKLIST_DICOM_HOST": "127.0.0.1", "WORKLIST_DICOM_PORT": str(dicom_port),
        "WORKLIST_HTTP_PORT": str(http_port), "WORKLIST_HL7_PORT": str(free_port()),
        "WORKLIST_HL7_HOST": "127.0.0.1", "WORKLIST_METRICS_PORT": str(free_port()),
        "WORKLIST_READ_TIMEOUT_SECONDS": "3600", "WORKLIST_READ_MEMORY_MB": "8192",
        "WORKLIST_REMIND_EVERY_SECONDS": "3600", **RAISED_LIMITS,
    })
    engine = make_engine(postgres_url)
    try:
        process = worklist.start("serve", name="serve")

        def answers() -> bool:
            assert process.running, process.output()[-3000:]
            try:
                return httpx.get(f"http://127.0.0.1:{http_port}/health").status_code in (200, 503)
            except httpx.HTTPError:
                return False

        wait_until(answers, 120, "worklist serve to answer /health", every=0.2)
        took = _stop_while_reading(process, make_session_factory(engine), dicom_port, poison)
        print(f"worklist serve stopped {took:.1f} s after SIGTERM")
        assert took < STOP_WITHIN, worklist.logs()
    finally:
        worklist.stop_all()
        engine.dispose()


@pytest.mark.redis
def test_celery_workers_fail_the_poison_and_stop_promptly_while_reading_it(
    postgres_url: str, poison: Path, tmp_path: Path
) -> None:
    """A worker with a small budget fails the poison and processes the others; a worker with a
    budget it will not reach stops within seconds of SIGTERM while reading it."""
    broker = PrivateRedis(tmp_path / "redis")
    broker.start()
    env = {
        "WORKLIST_DATABASE_URL": postgres_url, "WORKLIST_BROKER_URL": broker.url,
        "WORKLIST_DATA_DIR": str(tmp_path / "data"), "WORKLIST_DICOM_HOST": "127.0.0.1",
        "WORKLIST_DICOM_PORT": str(free_port()), "WORKLIST_REMIND_EVERY_SECONDS": "3600",
        "WORKLIST_METRICS_PORT": str(free_port()), **RAISED_LIMITS,
    }
    settings = load_settings(**{k.removeprefix("WORKLIST_").lower(): v for k, v in env.items()})
    small = Worklist(tmp_path / "small", {**env, "WORKLIST_READ_MEMORY_MB": "128"})
    large = Worklist(tmp_path / "large", {**env, "WORKLIST_READ_MEMORY_MB": "8192",
                                          "WORKLIST_READ_TIMEOUT_SECONDS": "3600"})
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    pipeline = start_pipeline(settings, sessions)
    server = start_listener(settings, sessions, pipeline.on_stored)
    try:
        worker = small.worker()
        worker.wait_for("ready", 120)
        assert _send_patiently(settings.dicom_port, poison) == [0]
        assert send(settings.dicom_port, _ordinary(tmp_path / "ordinary", 3)) == [0, 0, 0]
        wait_idle(sessions, timeout=300)
        with sessions() as session:
            rows = session.scalars(select(InboxObject).order_by(InboxObject.id)).all()
            assert rows[0].state == InboxState.FAILED and rows[0].error is not None
            assert "needed more than 128 MB (WORKLIST_READ_MEMORY_MB)" in rows[0].error
            assert [r.state for r in rows[1:]] == [InboxState.DONE] * 3
        worker.stop()

        worker = large.worker()
        worker.wait_for("ready", 120)
        took = _stop_while_reading(worker, sessions, settings.dicom_port,
                                   _another(poison, tmp_path / "another.dcm"), ANOTHER_UID)
        print(f"celery worker stopped {took:.1f} s after SIGTERM")
        assert took < STOP_WITHIN, small.logs() + large.logs()
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        pipeline.stop()
        celery_app.close()
        small.stop_all()
        large.stop_all()
        broker.stop()
        engine.dispose()
