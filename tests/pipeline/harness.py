"""Drive the service like PACS and the evaluation runner: push events, wait for idle, read items."""

from __future__ import annotations

import random
import time
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.push import push_case
from tests.pipeline.expectations import StoredItem, problems
from worklist.db.models import InboxObject, InboxState, Item, Patient
from worklist.settings import Settings

DAY0 = date(2026, 11, 21)
"""The render day of the shared examples."""


def wait_idle(sessions: sessionmaker[Session], timeout: float = 60) -> None:
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


def stored_items(sessions: sessionmaker[Session], patient_id: str) -> list[StoredItem]:
    with sessions() as session:
        rows = session.execute(
            select(Item).join(Patient, Patient.id == Item.patient_pk).where(Patient.patient_id == patient_id)
        ).scalars().all()
        return [StoredItem(r.kind, r.status.value, r.laterality, r.finding_type, r.priority) for r in rows]


def failed_rows(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return [f"{r.id}: {r.error}" for r in session.scalars(
            select(InboxObject).where(InboxObject.state == InboxState.FAILED))]


def push(settings: Settings, case: dict[str, Any], order: list[int] | None,
          sessions: sessionmaker[Session], wait_each: bool) -> None:
    events = order or list(range(1, len(case["events"]) + 1))
    for number in events:
        push_case(case, "127.0.0.1", settings.dicom_port, "EVALPACS", settings.ae_title,
                  day0=DAY0, order=[number])
        if wait_each:
            wait_idle(sessions)
    wait_idle(sessions)


def check_in_time_order(settings: Settings, sessions: sessionmaker[Session], case: dict[str, Any]) -> None:
    """Push each event after the service went idle on the one before; the end state must match
    the case's expected block, closed items included."""
    push(settings, case, None, sessions, wait_each=True)
    assert failed_rows(sessions) == []
    assert problems(case["expected"], stored_items(sessions, case["patient"]["id"]), check_closed=True) == []


def check_shuffled(settings: Settings, sessions: sessionmaker[Session], case: dict[str, Any],
                   seed: str) -> None:
    """Push the events in a (seeded) random order without waiting; the same open items must result."""
    order = list(range(1, len(case["events"]) + 1))
    random.Random(seed).shuffle(order)
    push(settings, case, order, sessions, wait_each=False)
    assert failed_rows(sessions) == []
    assert problems(case["expected"], stored_items(sessions, case["patient"]["id"]), check_closed=False) == []
