"""Cases pushed over real DICOM associations to the listener end with the items they should.

The listener and the in-process pipeline run in this process, against a real database; the cases
are rendered to DICOM and sent one association per event, like PACS. In time order, after each
event the test waits for the service to be idle, as the evaluation runner does; in shuffled order
the end state must be the same.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.push import push_case
from dicom_io.synth import load_case
from tasks.wiring import start_pipeline
from tests.conftest import REPO_ROOT, SHARED_EXAMPLES, free_port
from tests.pipeline.expectations import StoredItem, problems
from worklist.commands.listener import start_listener
from worklist.db.models import InboxObject, InboxState, Item, Patient
from worklist.settings import Settings, load_settings

DAY0 = date(2026, 11, 21)


def _examples() -> list[Path]:
    return sorted((SHARED_EXAMPLES / "cases").glob("*.yaml"))


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    from worklist.db.engine import make_engine, make_session_factory

    settings = load_settings(database_url=database_url, data_dir=tmp_path / "data",
                             dicom_port=free_port(), broker_url="", allowed_aes=[])
    sessions = make_session_factory(make_engine(database_url))
    pipeline = start_pipeline(settings, sessions)
    server = start_listener(settings, sessions, pipeline.on_stored)
    yield settings, sessions
    server.shutdown()  # type: ignore[attr-defined]
    pipeline.stop()


def _wait_idle(sessions: sessionmaker[Session], timeout: float = 60) -> None:
    """Pending reads 0 twice in a row, as the evaluation runner waits."""
    deadline = time.monotonic() + timeout
    zeros = 0
    while time.monotonic() < deadline:
        with sessions() as session:
            pending = session.scalar(select(InboxObject.id).where(
                InboxObject.state == InboxState.PENDING).limit(1))
        zeros = zeros + 1 if pending is None else 0
        if zeros >= 2:
            return
        time.sleep(0.05)
    raise AssertionError("the pipeline did not become idle")


def _items(sessions: sessionmaker[Session], patient_id: str) -> list[StoredItem]:
    with sessions() as session:
        rows = session.execute(
            select(Item).join(Patient, Patient.id == Item.patient_pk).where(Patient.patient_id == patient_id)
        ).scalars().all()
        return [StoredItem(r.kind, r.status.value, r.laterality, r.finding_type, r.priority) for r in rows]


def _failed(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return [f"{r.id}: {r.error}" for r in session.scalars(
            select(InboxObject).where(InboxObject.state == InboxState.FAILED))]


def _push(settings: Settings, case: dict[str, Any], order: list[int] | None,
          sessions: sessionmaker[Session], wait_each: bool) -> None:
    events = order or list(range(1, len(case["events"]) + 1))
    for number in events:
        push_case(case, "127.0.0.1", settings.dicom_port, "EVALPACS", settings.ae_title,
                  day0=DAY0, order=[number])
        if wait_each:
            _wait_idle(sessions)
    _wait_idle(sessions)


@pytest.mark.slow
@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_example_in_time_order(service: tuple[Settings, sessionmaker[Session]], path: Path) -> None:
    settings, sessions = service
    case = load_case(path)
    _push(settings, case, None, sessions, wait_each=True)
    assert _failed(sessions) == []
    assert problems(case["expected"], _items(sessions, case["patient"]["id"]), check_closed=True) == []


@pytest.mark.slow
@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_example_in_shuffled_order(service: tuple[Settings, sessionmaker[Session]], path: Path) -> None:
    settings, sessions = service
    case = load_case(path)
    order = list(range(1, len(case["events"]) + 1))
    random.Random(path.stem).shuffle(order)
    _push(settings, case, order, sessions, wait_each=False)
    assert problems(case["expected"], _items(sessions, case["patient"]["id"]), check_closed=False) == []
