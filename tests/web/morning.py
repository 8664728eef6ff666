"""A coordinator's morning load for the web tests: many active items over many patients, each with
a report sentence, written straight to the database beside ``tests.web.seed``."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from worklist.db.base import utcnow
from worklist.db.models import Item, ItemStatus, Patient, Report, Study

KINDS = ("pathology-pending", "concordance-pending", "priors-pending", "follow-up-due",
         "magnification-views-pending", "supplemental-ultrasound-pending")
LONG_STEP = ("Retrieve the outside prior mammograms from the referring centre and compare them "
             "with today's study before the final assessment; call the patient if none arrive")


def add_morning_load(sessions: sessionmaker[Session], count: int = 40) -> list[int]:
    """``count`` active items, each of its own patient, due from a week ago to a month ahead;
    long next steps and locations, as real items have. Returns their ids, in insertion order."""
    now = utcnow()
    ids = []
    with sessions() as session:
        for n in range(count):
            patient = Patient(patient_id=f"MRN-{n:04d}", issuer="NFBC",
                              name=f"TESTPATIENT{n:02d}^ALEXANDRA^MARIA",
                              birth_date=date(1960 + n % 30, 1 + n % 12, 1 + n % 27), sex="F")
            session.add(patient)
            session.flush()
            study = Study(patient_pk=patient.id, study_uid=f"1.2.826.0.1.3680043.10.77.{n}",
                          accession=f"ACC-{n:05d}", study_date=now - timedelta(days=10 + n % 5),
                          description="DIAG MAMMO BILAT", modalities="MG")
            session.add(study)
            session.flush()
            uid = f"1.2.826.0.1.3680043.10.78.{n}"
            session.add(Report(sop_instance_uid=uid, patient_pk=patient.id, study_pk=study.id,
                               kind="radiology", title="mammo-diagnostic",
                               observed_at=now - timedelta(days=10),
                               text=f"FINDINGS: Item {n}. There is a group of amorphous "
                                    "calcifications.\nIMPRESSION: BI-RADS 4B."))
            priority, rank = (("urgent", 0), ("high", 1), ("routine", 2))[n % 3]
            item = Item(
                patient_pk=patient.id, item_key=f"morning:{n}", kind=KINDS[n % len(KINDS)],
                status=ItemStatus.OPEN, priority=priority, priority_rank=rank,
                priority_reasons=["calcifications over 15 mm"], laterality="LR"[n % 2],
                finding_key=f"{'LR'[n % 2]}:calcifications:{n}", finding_type="calcifications",
                location={"clock": 1 + n % 12, "quadrant": "UOQ", "depth": "posterior",
                          "nipple_distance_mm": 40 + n},
                next_step=LONG_STEP, closes_when="outside priors arrive",
                evidence=[{"source_uid": uid, "text": "There is a group of amorphous "
                                                      "calcifications."}],
                opened_at=now - timedelta(days=9), due_at=now + timedelta(days=n - 7),
            )
            session.add(item)
            session.flush()
            ids.append(item.id)
        session.commit()
    return ids
