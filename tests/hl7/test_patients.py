"""ADT: A08 updates a known patient's demographics; A40 merges a retired identifier's record into
the survivor, with items on both, nothing deleted, the merge in the audit trail; objects still
arriving under the retired identifier join the survivor."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dicom_io.push import send_event
from dicom_io.synth import render_case
from hl7_io.synth import SynthPatient, adt_a08, adt_a40
from tests.hl7.conftest import LAB, PATIENT, RECEIVER, Hl7Service, mllp_send, result
from tests.pipeline.harness import DAY0
from worklist.accounts.actor import Actor
from worklist.db.models import (
    AuditEntry, InboxObject, InboxState, Item, ItemEvent, Patient, Role, User,
)
from worklist.items import service as items_service

pytestmark = pytest.mark.slow

TEMPORARY = SynthPatient("TMP-0042", "NFBC", "UNKNOWN^FEMALE", None, "F")
SENT = datetime(2026, 11, 20, 8, 0)


def _send(service: Hl7Service, tmp_path: Path, *messages: str) -> None:
    answers = mllp_send(service.port, *messages, tmp_path=tmp_path)
    assert [code for code, _ in answers] == ["AA"] * len(messages), answers
    service.wait_idle()


def _patient(service: Hl7Service, patient_id: str) -> Patient:
    with service.sessions() as session:
        return session.scalars(select(Patient).where(Patient.patient_id == patient_id)).one()


def _items(service: Hl7Service, patient_pk: int) -> list[Item]:
    with service.sessions() as session:
        return list(session.scalars(select(Item).where(Item.patient_pk == patient_pk)
                                    .order_by(Item.id)))


def _imaging(service: Hl7Service, patient_id: str) -> None:
    """A diagnostic work-up over DICOM: a left 2 o'clock mass recommended for biopsy."""
    case = {
        "id": f"MERGE-{patient_id}", "patient": {"id": patient_id, "name": "QUILLFEATHER^ROSALIND"},
        "site": {"issuer": "NFBC"},
        "events": [
            {"day": -20, "kind": "image", "study": "dx", "modality": "US", "laterality": "L",
             "count": 1},
            {"day": -20, "kind": "report", "study": "dx", "title": "us-breast", "sections": {
                "Findings": "Left breast: 11 mm irregular hypoechoic mass at 2 o'clock, 4 cm "
                            "from the nipple.",
                "Impression": "BI-RADS 4C. Ultrasound-guided core biopsy is recommended."}},
        ],
    }
    for event in render_case(case, DAY0):
        send_event(event, "127.0.0.1", service.settings.dicom_port, "PACS", "WORKLIST")
    service.wait_idle()


def test_a08_updates_a_known_patient_and_ignores_others(hl7_service: Hl7Service,
                                                         tmp_path: Path) -> None:
    _send(hl7_service, tmp_path, result("A08-R", diagnosis="Fibroadenoma."))
    renamed = SynthPatient(PATIENT.patient_id, "NFBC", "QUILLFEATHER-HART^ROSALIND",
                           PATIENT.birth_date, "F")
    stranger = SynthPatient("NOBODY-1", "NFBC", "NOBODY^KNOWN", None, "M")
    _send(hl7_service, tmp_path,
          adt_a08(sender=LAB, receiver=RECEIVER, control_id="A08-1", sent_at=SENT, patient=renamed),
          adt_a08(sender=LAB, receiver=RECEIVER, control_id="A08-2", sent_at=SENT,
                  patient=stranger))
    assert _patient(hl7_service, PATIENT.patient_id).name == "QUILLFEATHER-HART^ROSALIND"
    states = {row.hl7_control_id: row.state for row in hl7_service.hl7_rows()}
    assert states["A08-1"] == InboxState.DONE and states["A08-2"] == InboxState.OUT_OF_SCOPE
    with hl7_service.sessions() as session:
        assert session.scalar(select(func.count(Patient.id)).where(
            Patient.patient_id == "NOBODY-1")) == 0  # registration's patients are not ours


def test_a40_merges_items_of_both_identifiers(hl7_service: Hl7Service, tmp_path: Path) -> None:
    # Pathology arrives under a temporary identifier; imaging under the real one.
    _send(hl7_service, tmp_path, result("M-1", patient=TEMPORARY,
                                        diagnosis="Invasive ductal carcinoma, grade 2."))
    _imaging(hl7_service, PATIENT.patient_id)
    temporary = _patient(hl7_service, TEMPORARY.patient_id)
    real = _patient(hl7_service, PATIENT.patient_id)
    before_temporary = _items(hl7_service, temporary.id)
    before_real = _items(hl7_service, real.id)
    assert {i.kind for i in before_temporary} >= {"malignancy-referral"}
    assert {i.kind for i in before_real} >= {"unsampled-finding"}
    with hl7_service.sessions() as session:
        events_before = {i.id: len(session.scalars(select(ItemEvent).where(
            ItemEvent.item_pk == i.id)).all()) for i in [*before_temporary, *before_real]}

    _send(hl7_service, tmp_path, adt_a40(sender=LAB, receiver=RECEIVER, control_id="MERGE-1",
                                         sent_at=SENT, survivor=PATIENT,
                                         merged_id=TEMPORARY.patient_id, merged_authority="NFBC"))
    after = _items(hl7_service, real.id)
    moved = {i.id for i in before_temporary}
    assert moved | {i.id for i in before_real} <= {i.id for i in after}  # nothing lost
    assert _items(hl7_service, temporary.id) == []
    with hl7_service.sessions() as session:
        for item_id, count in events_before.items():  # every item keeps its history
            assert len(session.scalars(select(ItemEvent).where(
                ItemEvent.item_pk == item_id)).all()) >= count
        merged = session.get(Patient, temporary.id)
        assert merged is not None and merged.merged_into_pk == real.id  # kept, not deleted
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "patient.merged")
                                ).all()
        assert {entry.patient_pk for entry in audit} == {temporary.id, real.id}
        assert all("QUILLFEATHER" not in str(entry.detail) for entry in audit)
    # The survivor's case now holds the pathology: the biopsy's result is on file for it.
    kinds = {(i.kind, i.status.value) for i in after}
    assert ("malignancy-referral", "open") in kinds

    # An image still sent under the retired identifier joins the survivor.
    case = {"id": "LATE-TMP", "patient": {"id": TEMPORARY.patient_id, "name": "UNKNOWN^FEMALE"},
            "site": {"issuer": "NFBC"},
            "events": [{"day": -1, "kind": "image", "modality": "MG", "laterality": "L",
                        "views": ["CC"]}]}
    [event] = render_case(case, DAY0)
    send_event(event, "127.0.0.1", hl7_service.settings.dicom_port, "PACS", "WORKLIST")
    hl7_service.wait_idle()
    with hl7_service.sessions() as session:
        row = session.scalars(select(InboxObject).order_by(InboxObject.id.desc())).first()
        assert row is not None and row.patient_pk == real.id


def test_a40_with_the_same_step_on_both_records_keeps_the_persons_history(
    hl7_service: Hl7Service, tmp_path: Path
) -> None:
    """The same result first filed under the temporary identifier, then re-sent under the real
    one: both records held an item for the same step. The one a coordinator acknowledged carries
    on; the other keeps its history and is closed naming it."""
    _send(hl7_service, tmp_path, result("S-1", patient=TEMPORARY, diagnosis="Ductal carcinoma "
                                        "in situ, intermediate grade."))
    temporary = _patient(hl7_service, TEMPORARY.patient_id)
    [referral] = [i for i in _items(hl7_service, temporary.id) if i.kind == "malignancy-referral"]
    with hl7_service.sessions() as session, session.begin():
        user = User(username="cora", password_hash="-", role=Role.COORDINATOR)
        session.add(user)
        session.flush()
        item = session.get(Item, referral.id)
        assert item is not None
        items_service.acknowledge(session, item, Actor("cora", user.id, Role.COORDINATOR))
    # The laboratory corrects the patient: the same result under the real identifier.
    _send(hl7_service, tmp_path, result("S-2", status="C", diagnosis="Ductal carcinoma in situ, "
                                        "intermediate grade.", reported=datetime(2026, 11, 13)))
    real = _patient(hl7_service, PATIENT.patient_id)
    [twin] = [i for i in _items(hl7_service, real.id) if i.kind == "malignancy-referral"]
    assert twin.item_key == referral.item_key and twin.status.value == "open"

    _send(hl7_service, tmp_path, adt_a40(sender=LAB, receiver=RECEIVER, control_id="MERGE-2",
                                         sent_at=SENT, survivor=PATIENT,
                                         merged_id=TEMPORARY.patient_id, merged_authority="NFBC"))
    items = {i.id: i for i in _items(hl7_service, real.id)}
    assert referral.id in items and twin.id in items  # both kept
    carried, retired = items[referral.id], items[twin.id]
    assert carried.item_key == referral.item_key and carried.status.value in ("open",
                                                                             "acknowledged")
    assert retired.item_key.endswith(f"~merged-{temporary.id}")
    assert retired.status.value == "dismissed"
    with hl7_service.sessions() as session:
        actions = [e.action for e in session.scalars(select(ItemEvent).where(
            ItemEvent.item_pk == carried.id).order_by(ItemEvent.id))]
        assert "acknowledged" in actions  # the person's action is still on the carried item
        reasons = [e.reason for e in session.scalars(select(ItemEvent).where(
            ItemEvent.item_pk == retired.id))]
        assert any(f"continues as item {carried.id}" in r for r in reasons)
