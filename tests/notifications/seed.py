"""Items seeded through the ORM, and settings that point notifications at the test's receivers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from rules.items import ItemKind, Priority
from worklist.db.models import Item, ItemStatus, Patient
from worklist.settings import Settings, load_settings

# Distinctive patient data that must never leave the system of record in a notification.
PATIENT_NAME = "QUIXOTE^DULCINEA"
PATIENT_ID = "NTF-7734-XQ"
COORDINATORS = ["coord@example.org", "desk@example.org"]
RADIOLOGISTS = ["rad@example.org"]
ADMINS = ["lead@example.org"]
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def notify_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url, "data_dir": data_dir, "broker_url": "",
        "allowed_aes": [], "notify_coordinators": COORDINATORS,
        "notify_radiologists": RADIOLOGISTS, "notify_admins": ADMINS,
        "public_url": "https://worklist.example.org/",
    }
    values.update(overrides)
    return load_settings(**values)


def add_patient(session: Session, patient_id: str = PATIENT_ID,
                name: str = PATIENT_NAME) -> Patient:
    patient = Patient(patient_id=patient_id, issuer="TESTSITE", name=name, sex="F")
    session.add(patient)
    session.flush()
    return patient


def add_item(session: Session, patient: Patient, kind: ItemKind, due_at: datetime | None, *,
             status: ItemStatus = ItemStatus.OPEN, priority: Priority = Priority.HIGH,
             key: str | None = None) -> Item:
    item = Item(
        patient_pk=patient.id, item_key=key or f"{kind.value}:{due_at}:{status.value}",
        kind=kind.value, status=status, priority=priority.value, priority_rank=priority.rank,
        laterality="L", next_step="Stereotactic or DBT-guided core biopsy, clip.",
        opened_at=datetime(2026, 10, 1, tzinfo=UTC), due_at=due_at,
    )
    session.add(item)
    session.flush()
    return item
