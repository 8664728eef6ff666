"""Results over HL7 change the items as the issue states: a final result acts like an SR's
pathology; a corrected one replaces it and the case is evaluated again; a cancelled one withdraws
it; a late preliminary or the same result again changes nothing. A radiology report over HL7 joins
the DICOM study with its accession. A result for a patient no image has named is kept, acted on,
and shown as unmatched until imaging arrives."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dicom_io.push import send_event
from dicom_io.synth import render_case
from tests.hl7.conftest import PATIENT, Hl7Service, mllp_send, result
from tests.pipeline.harness import DAY0
from worklist.db.models import Hl7Result, Item, ItemEvent, Patient, Report, Study
from worklist.hl7.unmatched import unmatched_results
from worklist.items.filters import PageRequest

pytestmark = pytest.mark.slow

MALIGNANT = "Invasive ductal carcinoma, grade 2."
BENIGN = "Fibroadenoma. No atypia or malignancy."


def _items(service: Hl7Service, patient_id: str = PATIENT.patient_id) -> dict[str, str]:
    with service.sessions() as session:
        rows = session.scalars(select(Item).join(Patient, Patient.id == Item.patient_pk)
                               .where(Patient.patient_id == patient_id)).all()
        return {f"{r.kind}:{r.laterality}": r.status.value for r in rows}


def _events(service: Hl7Service) -> int:
    with service.sessions() as session:
        return int(session.scalar(select(func.count(ItemEvent.id))) or 0)


def _send(service: Hl7Service, tmp_path: Path, *messages: str) -> None:
    answers = mllp_send(service.port, *messages, tmp_path=tmp_path)
    assert [code for code, _ in answers] == ["AA"] * len(messages), answers
    service.wait_idle()


def test_final_corrected_and_cancelled_results(hl7_service: Hl7Service, tmp_path: Path) -> None:
    _send(hl7_service, tmp_path, result("R-1", diagnosis=BENIGN,
                                        reported=datetime(2026, 11, 12, 14, 0)))
    assert _items(hl7_service).get("malignancy-referral:L") is None
    assert _items(hl7_service)["concordance-pending:L"] == "open"

    # The evidence names the HL7 result: sender, accession, observation time.
    with hl7_service.sessions() as session:
        item = session.scalars(select(Item).where(Item.kind == "concordance-pending")).one()
        uid = item.evidence[0]["source_uid"]
        report = session.scalars(select(Report).where(Report.sop_instance_uid == uid)).one()
    assert uid == "hl7:LIS:NFP-26-0001:202611100930"
    assert "NFP-26-0001" in report.title and "LIS" in report.title and report.kind == "pathology"

    # Corrected: malignant. The earlier text no longer counts; the case is evaluated again.
    _send(hl7_service, tmp_path, result("R-2", status="C", diagnosis=MALIGNANT,
                                        reported=datetime(2026, 11, 13, 9, 0)))
    items = _items(hl7_service)
    assert items["malignancy-referral:L"] == "open"
    with hl7_service.sessions() as session:
        [report] = session.scalars(select(Report)).all()
        assert "carcinoma" in report.text and "Fibroadenoma" not in report.text
        assert session.scalar(select(func.count(Hl7Result.id))) == 2  # both versions on record

    # A late preliminary (reported before the final) changes nothing.
    before = _events(hl7_service)
    _send(hl7_service, tmp_path, result("R-3", status="P", diagnosis="Pending; see final.",
                                        reported=datetime(2026, 11, 11, 8, 0)))
    assert _events(hl7_service) == before
    # The same result again under a new control id changes nothing either.
    _send(hl7_service, tmp_path, result("R-4", status="C", diagnosis=MALIGNANT,
                                        reported=datetime(2026, 11, 13, 9, 0)))
    assert _events(hl7_service) == before

    # Cancelled: the result is withdrawn, what it opened is dismissed, pathology is pending again.
    _send(hl7_service, tmp_path, result("R-5", status="X", diagnosis="",
                                        reported=datetime(2026, 11, 14, 10, 0)))
    items = _items(hl7_service)
    assert items["malignancy-referral:L"] == "dismissed"
    assert items["concordance-pending:L"] in ("dismissed", "resolved")
    with hl7_service.sessions() as session:
        [report] = session.scalars(select(Report)).all()
        assert not report.machine_readable and report.facts == {}
        assert report.title.endswith("cancelled")


def test_versions_in_any_order_reach_the_same_end(hl7_service: Hl7Service, tmp_path: Path) -> None:
    """The corrected version arrives before the final it corrects (an engine's queue reordered)."""
    _send(hl7_service, tmp_path,
          result("O-2", status="C", diagnosis=MALIGNANT, reported=datetime(2026, 11, 13, 9, 0)),
          result("O-1", status="F", diagnosis=BENIGN, reported=datetime(2026, 11, 12, 14, 0)))
    assert _items(hl7_service)["malignancy-referral:L"] == "open"
    with hl7_service.sessions() as session:
        assert "carcinoma" in session.scalars(select(Report.text)).one()


def test_a_radiology_report_over_hl7_joins_the_dicom_study(hl7_service: Hl7Service,
                                                           tmp_path: Path) -> None:
    """Report from the RIS first, images from PACS after: one study, found by accession."""
    case = {
        "id": "HL7-STUDY", "patient": {"id": PATIENT.patient_id, "name": "QUILLFEATHER^ROSALIND"},
        "site": {"issuer": "NFBC"},
        "events": [{"day": -3, "kind": "image", "study": "dx", "accession": "RAD-77",
                    "modality": "MG", "laterality": "L", "views": ["CC", "MLO"]}],
    }
    report = result("RAD-1", accession="RAD-77", department="RAD", service="MAMMO DIAG LEFT",
                    sections=[("Findings", "Left breast: a 9 mm irregular mass at 2 o'clock."),
                              ("Impression", "BI-RADS 4B. Ultrasound-guided core biopsy is "
                                             "recommended.")])
    _send(hl7_service, tmp_path, report)
    [event] = render_case(case, DAY0)
    send_event(event, "127.0.0.1", hl7_service.settings.dicom_port, "PACS", "WORKLIST")
    hl7_service.wait_idle()
    with hl7_service.sessions() as session:
        [study] = session.scalars(select(Study)).all()
        assert study.accession == "RAD-77"
        assert study.study_uid == str(event.datasets[0].StudyInstanceUID)
        assert session.scalars(select(Report.study_pk)).one() == study.id
    assert _items(hl7_service)["unsampled-finding:L"] == "open"


def test_a_result_for_an_unknown_patient_is_kept_acted_on_and_listed(
    hl7_service: Hl7Service, tmp_path: Path
) -> None:
    _send(hl7_service, tmp_path, result("U-1", diagnosis=MALIGNANT))
    assert _items(hl7_service)["malignancy-referral:L"] == "open"  # safety first
    with hl7_service.sessions() as session:
        rows, total = unmatched_results(session, PageRequest(1, 50))
        assert total == 1 and rows[0].accession == "NFP-26-0001"
    case = {
        "id": "HL7-LATE", "patient": {"id": PATIENT.patient_id, "name": "QUILLFEATHER^ROSALIND"},
        "site": {"issuer": "NFBC"},
        "events": [{"day": -9, "kind": "image", "study": "bx", "modality": "US",
                    "laterality": "L", "count": 1}],
    }
    [event] = render_case(case, DAY0)
    send_event(event, "127.0.0.1", hl7_service.settings.dicom_port, "PACS", "WORKLIST")
    hl7_service.wait_idle()
    with hl7_service.sessions() as session:
        assert unmatched_results(session, PageRequest(1, 50)) == ([], 0)
        assert session.scalar(select(func.count(Patient.id))) == 1


def test_the_same_result_re_sent_under_another_patient_moves(hl7_service: Hl7Service,
                                                             tmp_path: Path) -> None:
    """The laboratory corrects the patient and sends the identical result again: it is the other
    patient's now (not 'the same result again', which would leave it on the wrong record)."""
    from tests.hl7.test_patients import TEMPORARY

    _send(hl7_service, tmp_path, result("W-1", patient=TEMPORARY, diagnosis=MALIGNANT))
    assert _items(hl7_service, TEMPORARY.patient_id)["malignancy-referral:L"] == "open"
    _send(hl7_service, tmp_path, result("W-2", diagnosis=MALIGNANT))
    assert _items(hl7_service)["malignancy-referral:L"] == "open"
    assert _items(hl7_service, TEMPORARY.patient_id)["malignancy-referral:L"] == "dismissed"
