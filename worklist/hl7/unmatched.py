"""HL7 results no imaging has matched: their patient is known to us only from HL7.

Such a result is kept, read and acted on like any other (a malignant result opens its items at
once); this list shows it until a DICOM object of the same patient arrives, so a person can spot a
patient identifier that does not match the PACS one (a site whose laboratory and PACS use different
assigning authorities, see ``WORKLIST_HL7_PATIENT_NAMESPACES``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from worklist.db.models import Hl7Result, Image, Report
from worklist.items.filters import PageRequest


def _unmatched() -> tuple[ColumnElement[bool], ...]:
    has_images = exists().where(Image.patient_pk == Hl7Result.patient_pk)
    has_dicom_reports = exists().where(Report.patient_pk == Hl7Result.patient_pk,
                                       Report.sop_instance_uid.not_like("hl7:%"))
    return (Hl7Result.patient_pk.is_not(None), ~has_images, ~has_dicom_reports)


def unmatched_results(session: Session, page: PageRequest) -> tuple[list[Hl7Result], int]:
    """HL7 result versions whose patient has no DICOM object, newest first, and their number."""
    conditions = _unmatched()
    total = session.scalar(select(func.count(Hl7Result.id)).where(*conditions)) or 0
    rows = session.scalars(select(Hl7Result).where(*conditions)
                           .order_by(Hl7Result.received_at.desc(), Hl7Result.id.desc())
                           .limit(page.size).offset(page.offset))
    return list(rows), int(total)
