"""A small case load for the web layer's tests (pages, API, roles, audit, logs), written straight
to the database.

The seed item is the design's first seed case: a right focal asymmetry whose ultrasound-guided
biopsy sampled a different lesion, so the asymmetry is still unsampled. The rows stand in for what
the pipeline stores, without the report facts the rules read: tests of what documenting
concordance does to items use the case pushed through the real pipeline
(``tests.web.through_pipeline``) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from worklist.accounts.passwords import hash_password
from worklist.accounts.service import create_token
from worklist.db.base import utcnow
from worklist.db.models import (
    Finding,
    InboxObject,
    InboxState,
    Item,
    ItemStatus,
    PathologyResult,
    Patient,
    Procedure,
    Report,
    Study,
    User,
)

PASSWORD = "correct horse battery"
USERS = {"cora": "coordinator", "rafa": "radiologist", "ada": "admin"}

SEED_NAME = "QUILLFEATHER^ZENOBIA"
SEED_PATIENT_ID = "SENT-7731"
SEED_SENTENCE = ("RIGHT: The screening-detected focal asymmetry is still seen on spot compressed "
                 "views at 7 o'clock, mid depth, roughly 7 cm from the nipple.")
PROCEDURE_SENTENCE = ("The sonographic target is therefore felt to be an incidental lesion; the "
                      "asymmetry has not been explained and was not sampled today.")


@lru_cache(maxsize=1)
def _password_hash() -> str:
    """Argon2 is slow by design (about a second here): hash the shared test password once."""
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class Seeded:
    seed_item: int
    seed_finding: int
    biopsied_finding: int
    """The 4 o'clock lesion the ultrasound-guided biopsy sampled, with its pathology."""
    seed_patient_pk: int
    other_item: int
    tokens: dict[str, str]


def _report(session: Session, patient: Patient, study: Study | None, uid: str, title: str,
            kind: str, days_ago: int, text: str) -> Report:
    report = Report(sop_instance_uid=uid, patient_pk=patient.id,
                    study_pk=study.id if study else None, kind=kind, title=title,
                    observed_at=utcnow() - timedelta(days=days_ago), text=text)
    session.add(report)
    return report


def add_users(session: Session) -> dict[str, str]:
    """A coordinator, a radiologist and an administrator (password ``PASSWORD``); their API
    tokens by username."""
    tokens = {}
    for username, role in USERS.items():
        session.add(User(username=username, password_hash=_password_hash(), role=role))
        session.flush()
        tokens[username] = create_token(session, username)
    return tokens


def seed(sessions: sessionmaker[Session]) -> Seeded:
    now = utcnow()
    with sessions() as session:
        tokens = add_users(session)

        patient = Patient(patient_id=SEED_PATIENT_ID, issuer="NFBC", name=SEED_NAME,
                          birth_date=date(1970, 10, 30), sex="F")
        other = Patient(patient_id="PUB-0003", issuer="NFBC", name="MORROW^ELSPETH",
                        birth_date=date(1961, 2, 2), sex="F")
        session.add_all([patient, other])
        session.flush()

        dx = Study(patient_pk=patient.id, study_uid="1.2.826.0.1.3680043.10.1.1",
                   accession="NF-760110", study_date=now - timedelta(days=36),
                   description="DIAG MAMMO RT W SPOTS", modalities="MG US")
        bx = Study(patient_pk=patient.id, study_uid="1.2.826.0.1.3680043.10.1.2",
                   accession="NF-760655", study_date=now - timedelta(days=28),
                   description="US BX RT", modalities="US MG")
        session.add_all([dx, bx])
        session.flush()
        mammo = _report(session, patient, dx, "1.2.826.0.1.3680043.10.2.1", "mammo-diagnostic",
                        "radiology", 36, SEED_SENTENCE)
        procedure_report = _report(session, patient, bx, "1.2.826.0.1.3680043.10.2.2",
                                   "procedure", "procedure", 28, PROCEDURE_SENTENCE)
        path_report = _report(session, patient, None, "1.2.826.0.1.3680043.10.2.3", "pathology",
                              "pathology", 25, "Benign breast parenchyma with PASH. No atypia.")
        session.flush()

        location = {"clock": 7, "quadrant": "LOQ", "depth": "middle", "nipple_distance_mm": 70}
        asymmetry = Finding(patient_pk=patient.id, finding_key="R:asymmetry:7", type="asymmetry",
                            laterality="R", location=location, summary={"birads": "4A"},
                            first_seen_at=now - timedelta(days=36))
        lesion = Finding(patient_pk=patient.id, finding_key="R:mass:4", type="mass",
                         laterality="R", location={"clock": 4, "nipple_distance_mm": 30},
                         first_seen_at=now - timedelta(days=36))
        session.add_all([asymmetry, lesion])
        session.flush()
        biopsy = Procedure(patient_pk=patient.id, procedure_key="bx:R:4", finding_pk=lesion.id,
                           report_pk=procedure_report.id, guidance="ultrasound", laterality="R",
                           target_type="mass", performed_at=now - timedelta(days=28))
        session.add(biopsy)
        session.flush()
        session.add(PathologyResult(patient_pk=patient.id, report_pk=path_report.id,
                                    procedure_pk=biopsy.id, category="benign", laterality="R",
                                    diagnosis="Pseudoangiomatous stromal hyperplasia (PASH)",
                                    lesions=["pash"], calcifications=False))

        seed_item = Item(
            patient_pk=patient.id, item_key="unsampled-finding:R:asymmetry:7",
            kind="unsampled-finding", status=ItemStatus.OPEN, priority="urgent",
            priority_rank=0, priority_reasons=["asymmetry without a sonographic correlate"],
            laterality="R", finding_key="R:asymmetry:7", finding_type="asymmetry",
            location=location,
            next_step="Stereotactic or DBT-guided core biopsy of the asymmetry, with clip",
            closes_when="a biopsy that corresponds to the asymmetry is performed",
            evidence=[{"source_uid": mammo.sop_instance_uid, "text": SEED_SENTENCE},
                      {"source_uid": procedure_report.sop_instance_uid,
                       "text": PROCEDURE_SENTENCE}],
            opened_at=now - timedelta(days=28), due_at=now - timedelta(days=7),
        )
        follow_up = Item(
            patient_pk=other.id, item_key="follow-up-due:B", kind="follow-up-due",
            status=ItemStatus.OPEN, priority="routine", priority_rank=2, laterality="B",
            next_step="Schedule the annual screening mammogram",
            evidence=[{"source_uid": "1.2.826.0.1.3680043.10.2.9",
                       "text": "RECOMMENDATION: Screening mammogram in 1 year."}],
            opened_at=now - timedelta(days=4), due_at=now + timedelta(days=361),
        )
        magnification = Item(
            patient_pk=other.id, item_key="magnification-views-pending:L", kind=
            "magnification-views-pending", status=ItemStatus.ACKNOWLEDGED, priority="high",
            priority_rank=1, laterality="L", finding_type="calcifications",
            next_step="Spot-magnification views before any biopsy decision",
            opened_at=now - timedelta(days=10), due_at=now + timedelta(days=4),
        )
        closed = Item(
            patient_pk=patient.id, item_key="pathology-pending:bx:R:4", kind="pathology-pending",
            status=ItemStatus.RESOLVED, priority="high", priority_rank=1, laterality="R",
            next_step="Chase the pathology result", opened_at=now - timedelta(days=28),
            due_at=now - timedelta(days=21), closed_at=now - timedelta(days=25),
        )
        session.add_all([seed_item, follow_up, magnification, closed])
        session.add(InboxObject(sop_instance_uid="1.2.826.0.1.3680043.10.9.9",
                                sop_class_uid="1.2.840.10008.5.1.4.1.1.88.11", size_bytes=2048,
                                sha256="0" * 64, spool_path="ab/cd.dcm", category="report",
                                calling_ae="EVALPACS", state=InboxState.FAILED, attempts=3,
                                error="SR content tree has no Findings container"))
        session.commit()
        return Seeded(seed_item=seed_item.id, seed_finding=asymmetry.id,
                      biopsied_finding=lesion.id, seed_patient_pk=patient.id,
                      other_item=follow_up.id, tokens=tokens)
