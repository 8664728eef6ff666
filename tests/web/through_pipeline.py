"""Seed 000 stored by the real pipeline, the way PACS and the evaluation runner drive the service.

The shared example PUB-0002 (a right focal asymmetry; the ultrasound-guided biopsy sampled an
incidental 4 o'clock lesion instead, and pathology shows PASH) is rendered to DICOM and sent over
real associations, one per event, to a listener running here with the in-process pipeline, into
the test's database; after each event the test waits for the service to be idle. Only the events
up to the pathology report go: the radiologist's addendum that states concordance is left out, so
concordance is pending and a person documents it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.push import push_case
from dicom_io.synth import load_case
from tasks.wiring import start_pipeline
from tests.conftest import SHARED_EXAMPLES, free_port, service_missing
from tests.pipeline.harness import failed_rows, wait_idle
from tests.web.seed import add_users
from worklist.commands.listener import start_listener
from worklist.db.base import utcnow
from worklist.db.models import Finding, Item, Patient
from worklist.items.filters import ACTIVE_STATUSES
from worklist.settings import Settings

SEED_CASE = "PUB-0002"
CALLING_AE = "EVALPACS"


@dataclass(frozen=True)
class PushedCase:
    patient_pk: int
    concordance_item: int
    """``concordance-pending`` for the ultrasound-guided biopsy of the 4 o'clock lesion."""
    unsampled_item: int
    """``unsampled-finding`` for the 7 o'clock asymmetry: the lesion's result does not close it."""
    biopsied_finding: int
    asymmetry_finding: int
    tokens: dict[str, str]


def seed_case() -> dict[str, Any]:
    path = SHARED_EXAMPLES / "cases" / f"{SEED_CASE}.yaml"
    if not path.exists():
        service_missing(f"the shared example case {SEED_CASE}")
    return load_case(path)


def up_to_pathology(case: dict[str, Any]) -> list[int]:
    """The case's event numbers (1-based, time order) up to its first pathology report."""
    last = next(number for number, event in enumerate(case["events"], 1)
                if event.get("kind") == "report" and event.get("title") == "pathology")
    return list(range(1, last + 1))


def push_events(settings: Settings, sessions: sessionmaker[Session], case: dict[str, Any],
                events: list[int]) -> None:
    """Start a listener and the in-process pipeline on a free loopback port, push each event over
    its own association, wait for idle after each, then stop them."""
    listening = settings.model_copy(update={"dicom_host": "127.0.0.1", "dicom_port": free_port()})
    day0 = utcnow().date()  # dates relative to today, so "overdue" on the pages is real
    pipeline = start_pipeline(listening, sessions)
    server = start_listener(listening, sessions, pipeline.on_stored)
    try:
        for number in events:
            push_case(case, "127.0.0.1", listening.dicom_port, CALLING_AE, listening.ae_title,
                      day0=day0, order=[number])
            wait_idle(sessions)
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        pipeline.stop()


def push_seed_case(settings: Settings, sessions: sessionmaker[Session]) -> PushedCase:
    """Seed 000 up to its pathology, and the coordinator, radiologist and administrator."""
    case = seed_case()
    push_events(settings, sessions, case, up_to_pathology(case))
    assert failed_rows(sessions) == []
    with sessions.begin() as session:
        patient = session.scalars(select(Patient).where(
            Patient.patient_id == case["patient"]["id"])).one()
        active = session.scalars(select(Item).where(
            Item.patient_pk == patient.id,
            Item.status.in_([s.value for s in ACTIVE_STATUSES]))).all()
        kinds = sorted((item.kind, item.laterality) for item in active)
        assert kinds == [("concordance-pending", "R"), ("unsampled-finding", "R")], kinds
        by_kind = {item.kind: item for item in active}
        pending, unsampled = by_kind["concordance-pending"], by_kind["unsampled-finding"]
        assert (unsampled.finding_type or "").endswith("asymmetry"), unsampled.finding_type
        findings = {finding.finding_key: finding for finding in session.scalars(
            select(Finding).where(Finding.patient_pk == patient.id))}
        biopsied = findings[pending.finding_key or ""]
        asymmetry = findings[unsampled.finding_key or ""]
        assert biopsied.type == "mass", biopsied.type
        return PushedCase(
            patient_pk=patient.id, concordance_item=pending.id, unsampled_item=unsampled.id,
            biopsied_finding=biopsied.id, asymmetry_finding=asymmetry.id,
            tokens=add_users(session),
        )
