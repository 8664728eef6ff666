"""The pipeline as production runs it: real ``worklist worker`` and ``worklist beat`` processes, a
real PostgreSQL database, a private ``redis-server`` as the broker, the DICOM listener in this
process wired to the broker as ``worklist listener`` wires it.

- A worker SIGKILLed in the middle of a task leaves nothing half-written; after a new worker
  starts, the object's effect is exactly that of one clean run.
- With Redis down, C-STORE still succeeds; once Redis is back everything is processed with no
  manual step.
- Two beat processes racing send exactly one e-mail per (item, level).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from rules.items import ItemKind
from rules.reader import read_report
from tasks.app import celery_app, configure
from tasks.ingest import IngestContext, Outcome, process
from tasks.wiring import start_pipeline
from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.notifications.seed import (
    ADMINS, COORDINATORS, PATIENT_ID, PATIENT_NAME, RADIOLOGISTS, add_item, add_patient,
)
from tests.notifications.servers import SmtpServer, running_smtp
from tests.pipeline.processes import PrivateRedis, Worklist, wait_until
from worklist.cases import repository
from worklist.commands.listener import start_listener
from worklist.db.base import utcnow
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import (
    Finding, Image, InboxObject, InboxState, Item, ItemEvent, Notification, Patient, Report,
)
from worklist.settings import Settings, load_settings

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

# Starting a worker loads the report reader's language models: allow for a busy machine.
START = 90.0


@dataclass
class Stack:
    """What a test runs against: settings as environment variables, and the processes."""

    env: dict[str, str]
    processes: Worklist
    broker: PrivateRedis
    sessions: sessionmaker[Session]

    @property
    def settings(self) -> Settings:
        return load_settings(**{k.removeprefix("WORKLIST_").lower(): v
                                for k, v in self.env.items()})


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(postgres_url: str, broker: PrivateRedis, tmp_path: Path) -> Iterator[Stack]:
    env = {
        "WORKLIST_DATABASE_URL": postgres_url,
        "WORKLIST_BROKER_URL": broker.url,
        "WORKLIST_DATA_DIR": str(tmp_path / "data"),
        "WORKLIST_DICOM_HOST": "127.0.0.1",
        "WORKLIST_DICOM_PORT": str(free_port()),
        # The sweeper is what recovers rows whose message died with a worker or a broker.
        "WORKLIST_SWEEP_EVERY_SECONDS": "1",
        "WORKLIST_SWEEP_AFTER_SECONDS": "1",
        # Reminders would escalate the items under test; only the test about them wants them.
        "WORKLIST_REMIND_EVERY_SECONDS": "3600",
    }
    processes = Worklist(tmp_path / "processes", env)
    engine = make_engine(postgres_url)
    yield Stack(env, processes, broker, make_session_factory(engine))
    processes.stop_all()
    engine.dispose()
    print(processes.logs())  # shown by pytest only when the test failed


@contextmanager
def listener(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[None]:
    """The DICOM listener handing rows to the broker, as ``worklist listener`` does."""
    pipeline = start_pipeline(settings, sessions)
    server = start_listener(settings, sessions, pipeline.on_stored)
    try:
        yield
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        pipeline.stop()
        celery_app.close()  # the next test's broker is another server: drop pooled connections


# -- the objects: a left mass assessed BI-RADS 4, then its ultrasound-guided biopsy -------------

@functools.cache
def _objects() -> tuple[Dataset, Dataset]:
    """The same two objects for every test (each test has its own database)."""
    return _mass_report(), _biopsy_report()


def _mass_report() -> Dataset:
    return factories.breast_imaging_sr(study_uid=generate_uid())


def _biopsy_report() -> Dataset:
    ds = factories.basic_text_sr(
        "Ultrasound-guided core needle biopsy of the left breast mass at 2 o'clock was performed "
        "with a 14-gauge needle. Four cores were obtained. A clip was placed.",
        "Successful ultrasound-guided biopsy of the left breast mass at 2 o'clock. The biopsied "
        "mass corresponds to the mammographic finding. Pathology pending.",
        study_uid=generate_uid(), StudyDate="20260112", study_description="US BIOPSY LEFT")
    ds.ConceptNameCodeSequence = DicomSequence([factories.code("28570-0", "LN", "Procedure note")])
    ds.ContentDate = "20260112"
    return ds


def _push(settings: Settings, folder: Path, *datasets: Dataset) -> list[int]:
    paths = [factories.write(ds, folder / f"{ds.SOPInstanceUID}.dcm") for ds in datasets]
    return send(settings.dicom_port, paths)


def _rows(sessions: sessionmaker[Session]) -> dict[str, InboxObject]:
    with sessions() as session:
        return {r.sop_instance_uid: r for r in session.scalars(select(InboxObject))}


def _state(sessions: sessionmaker[Session], uid: str) -> InboxState | None:
    row = _rows(sessions).get(uid)
    return row.state if row is not None else None


def case_state(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Everything the pipeline writes, without database ids and wall-clock times."""
    with sessions() as session:
        items = []
        for item in session.scalars(select(Item).order_by(Item.item_key)):
            events = session.scalars(select(ItemEvent.action).where(
                ItemEvent.item_pk == item.id).order_by(ItemEvent.id)).all()
            items.append((item.item_key, item.kind, item.status.value, item.laterality,
                          item.due_at, tuple(events)))
        return {
            "patients": session.scalar(select(func.count()).select_from(Patient)),
            "reports": sorted(session.scalars(select(Report.sop_instance_uid)).all()),
            "images": sorted(session.scalars(select(Image.sop_instance_uid)).all()),
            "findings": sorted(session.scalars(select(Finding.finding_key)).all()),
            "items": items,
        }


def reference_state(sqlite_template: Path, directory: Path,
                    datasets: list[Dataset]) -> dict[str, Any]:
    """The same objects processed once each, in order, by the embedded product (SQLite)."""
    database = directory / "worklist.db"
    shutil.copyfile(sqlite_template, database)
    settings = load_settings(database_url=f"sqlite:///{database}", data_dir=directory,
                             broker_url="", dicom_host="127.0.0.1", dicom_port=free_port())
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    server = start_listener(settings, sessions)  # rows stay pending: processed below, in order
    try:
        assert _push(settings, directory / "out", *datasets) == [0] * len(datasets)
    finally:
        server.shutdown()  # type: ignore[attr-defined]
    context = IngestContext(sessions, settings, read_report)
    for ds in datasets:
        assert process(context, _rows(sessions)[ds.SOPInstanceUID].id) is Outcome.DONE
    state = case_state(sessions)
    engine.dispose()
    return state


@pytest.fixture(scope="module")
def expected(sqlite_template: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Callable[[], dict[str, Any]]:
    """The reference end state, computed once, when first asked for (while processes start)."""
    computed: list[dict[str, Any]] = []

    def state() -> dict[str, Any]:
        if not computed:
            computed.append(reference_state(sqlite_template, tmp_path_factory.mktemp("reference"),
                                            list(_objects())))
        return computed[0]

    return state


def _client_backends(sessions: sessionmaker[Session], condition: str) -> int:
    """Other client backends of this database in the given state (pg_stat_activity columns)."""
    with sessions() as session:
        return int(session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND " + condition)) or 0)


def _waiting_on_patient_lock(sessions: sessionmaker[Session]) -> int:
    """Backends blocked on an advisory lock (the patient's evaluation lock)."""
    return _client_backends(sessions, "wait_event_type = 'Lock' AND wait_event = 'advisory'")


def _open_transactions(sessions: sessionmaker[Session]) -> int:
    return _client_backends(sessions, "xact_start IS NOT NULL")


def test_a_worker_killed_mid_task_leaves_no_trace_and_the_row_runs_once(
    stack: Stack, tmp_path: Path, expected: Callable[[], dict[str, Any]],
) -> None:
    settings, sessions = stack.settings, stack.sessions
    mass, biopsy = _objects()
    first_worker = stack.processes.worker("first")
    stack.processes.beat()
    # The biopsy resolves the mass's item and opens pathology-pending: events on several items.
    assert {kind for _, kind, *_ in expected()["items"]} == {"unsampled-finding",
                                                           "pathology-pending"}
    with listener(settings, sessions):
        assert _push(settings, tmp_path / "out", mass) == [0]
        wait_until(lambda: _state(sessions, mass.SOPInstanceUID) is InboxState.DONE, START,
                   "the first worker to process the mass report")
        after_mass = case_state(sessions)
        assert after_mass["items"], "the mass report opens items"

        # Hold the patient's evaluation lock, so the biopsy's task stops inside its transaction:
        # the row locked, the report read, the patient loaded, nothing committed.
        holder = sessions()
        holder.begin()
        try:
            patient_pk = holder.scalars(select(Patient.id)).one()
            repository.lock_patient(holder, patient_pk)
            assert _push(settings, tmp_path / "out", biopsy) == [0]
            wait_until(lambda: _waiting_on_patient_lock(sessions) == 1, START,
                       "the worker's task to block on the patient's lock")
            assert _rows(sessions)[biopsy.SOPInstanceUID].attempts == 1

            first_worker.kill()
            assert not first_worker.running

            # Nothing of the biopsy is visible: no report, no item changed.
            assert _state(sessions, biopsy.SOPInstanceUID) is InboxState.PENDING
            assert case_state(sessions) == after_mass
        finally:
            holder.rollback()
            holder.close()
        # The dead worker's transaction is rolled back by the server, not committed.
        wait_until(lambda: _open_transactions(sessions) == 0, 30,
                   "the killed worker's transaction to end")
        assert case_state(sessions) == after_mass

        stack.processes.worker("second")
        wait_until(lambda: _state(sessions, biopsy.SOPInstanceUID) is InboxState.DONE, START,
                   "a new worker to process the biopsy report")

    rows = _rows(sessions)
    assert rows[biopsy.SOPInstanceUID].attempts == 2, "one killed attempt, one that finished"
    assert case_state(sessions) == expected()


def test_c_store_succeeds_while_redis_is_down_and_everything_is_processed_after(
    stack: Stack, tmp_path: Path, expected: Callable[[], dict[str, Any]],
) -> None:
    settings, sessions = stack.settings, stack.sessions
    datasets = list(_objects())
    worker, beat = stack.processes.worker(), stack.processes.beat()
    reference = expected()
    # Both are connected when the broker goes away, as in production.
    worker.wait_for(" ready.", START)
    beat.wait_for("Sending due task sweep-inbox", START)

    with listener(settings, sessions):
        stack.broker.stop()
        assert not stack.broker.answers()
        assert _push(settings, tmp_path / "out", *datasets) == [0, 0]
        assert {_state(sessions, ds.SOPInstanceUID) for ds in datasets} == {InboxState.PENDING}

        stack.broker.start()
        wait_until(lambda: {_state(sessions, ds.SOPInstanceUID) for ds in datasets}
                   == {InboxState.DONE}, START, "both objects to be processed after the outage")

    assert case_state(sessions) == reference


def test_rows_sent_together_are_each_processed_once_and_a_repeated_message_changes_nothing(
    stack: Stack, tmp_path: Path, expected: Callable[[], dict[str, Any]],
) -> None:
    settings, sessions = stack.settings, stack.sessions
    datasets = list(_objects())
    server = start_listener(settings, sessions)  # no hand-off: the rows stay pending
    try:
        assert _push(settings, tmp_path / "out", *datasets) == [0, 0]
    finally:
        server.shutdown()  # type: ignore[attr-defined]
    rows = _rows(sessions)
    ids = [rows[ds.SOPInstanceUID].id for ds in datasets]
    worker = stack.processes.worker()
    app = configure(settings)
    try:
        # As the listener's publisher sends rows committed together; an id that no longer
        # exists must not stop the others.
        app.send_task("worklist.ingest_many", args=[[*ids, max(ids) + 1000]])
        worker.wait_for("{'done': 2, 'missing': 1}", START)
        assert {_state(sessions, ds.SOPInstanceUID) for ds in datasets} == {InboxState.DONE}
        assert case_state(sessions) == expected()

        app.send_task("worklist.ingest_many", args=[ids])  # a redelivery
        worker.wait_for("{'already-done': 2}", START)
    finally:
        app.close()
    assert [row.attempts for row in _rows(sessions).values()] == [1, 1]
    assert case_state(sessions) == expected()


def _mails_by_item_and_level(smtp: SmtpServer) -> list[tuple[int, int]]:
    found = []
    for mail in smtp.mailbox.mails:
        subject = mail.subject
        item = int(subject.split("(item ")[1].split(")")[0])
        level = 0 if "] Reminder:" in subject else int(
            subject.split("Escalation level ")[1].split(":")[0])
        found.append((item, level))
    return sorted(found)


def test_two_beats_send_one_email_per_item_and_level(stack: Stack, tmp_path: Path) -> None:
    now = utcnow()
    with stack.sessions.begin() as session:
        patient = add_patient(session)
        kind = ItemKind.UNSAMPLED_FINDING  # reminder 3 days ahead, escalations [0, 7, 14]
        due = {"soon": timedelta(days=2), "due": -timedelta(hours=1),
               "week": -timedelta(days=8), "fortnight": -timedelta(days=15),
               "later": timedelta(days=20)}
        ids = {name: add_item(session, patient, kind, now + offset, key=f"{kind.value}:{name}").id
               for name, offset in due.items()}
    expected = sorted([(ids["soon"], 0), (ids["due"], 1), (ids["week"], 2), (ids["fortnight"], 3)])

    with running_smtp() as smtp:
        stack.processes.env.update({
            "WORKLIST_SMTP_HOST": smtp.host, "WORKLIST_SMTP_PORT": str(smtp.port),
            "WORKLIST_NOTIFY_COORDINATORS": ",".join(COORDINATORS),
            "WORKLIST_NOTIFY_RADIOLOGISTS": ",".join(RADIOLOGISTS),
            "WORKLIST_NOTIFY_ADMINS": ",".join(ADMINS),
            "WORKLIST_REMIND_EVERY_SECONDS": "1",
        })
        worker = stack.processes.worker(concurrency=2)
        beats = [stack.processes.beat("beat-1"), stack.processes.beat("beat-2")]

        def sent_by_each_beat() -> list[int]:
            return [b.output().count("Sending due task remind") for b in beats]

        def two_more_sweeps_from_each_beat() -> None:
            seen = sent_by_each_beat()
            wait_until(lambda: all(n >= s + 2 for n, s in zip(sent_by_each_beat(), seen)), 30,
                       "both beats to send two more reminder sweeps")
            target = sum(sent_by_each_beat())
            wait_until(lambda: _finished_reminds(worker.output()) >= target, 30,
                       "the worker to finish those sweeps")

        wait_until(lambda: len(smtp.mailbox.mails) >= len(expected), START,
                   "the first reminders and escalations")
        # Let both schedulers fire several more sweeps, and the worker finish them.
        two_more_sweeps_from_each_beat()
        assert _mails_by_item_and_level(smtp) == expected

        # A week later for "due": its next level, once.
        with stack.sessions.begin() as session:
            session.get_one(Item, ids["due"]).due_at = now - timedelta(days=7, hours=1)
        wait_until(lambda: len(smtp.mailbox.mails) > len(expected), 30, "the next escalation")
        two_more_sweeps_from_each_beat()
        assert _mails_by_item_and_level(smtp) == sorted(expected + [(ids["due"], 2)])
        stack.processes.stop_all()

    for mail in smtp.mailbox.mails:
        raw = mail.raw.decode("utf-8", errors="replace").upper()
        assert PATIENT_ID not in raw and PATIENT_NAME.split("^")[0] not in raw
    with stack.sessions() as session:
        rows = session.scalars(select(Notification)).all()
        assert len(rows) == len(expected) + 1 and all(r.error is None for r in rows)
        events = session.scalars(select(ItemEvent).where(ItemEvent.action == "escalated")).all()
        assert sorted((e.item_pk, e.data["level"]) for e in events) == sorted(
            [(ids["due"], 1), (ids["week"], 2), (ids["fortnight"], 3), (ids["due"], 2)])


def _finished_reminds(log: str) -> int:
    return sum(1 for line in log.splitlines()
               if "Task worklist.remind[" in line and " succeeded in " in line)
