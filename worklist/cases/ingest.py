"""Apply one read object to the system of record: patient, study, image header or report facts.

The reading itself (DICOM to records, text to facts) happens before, outside any transaction lock
(``localised`` and ``readable_report`` prepare it); ``apply`` only writes, inside the caller's
transaction, and never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from dicom_io.readers.objects import ObjectKind, ReadResult
from rules.documents import ReportDocument
from rules.facts import ReportFacts
from worklist.cases import repository
from worklist.cases.codec import decode, to_json
from worklist.db.models import Image, InboxObject, Patient, Report, Study

ReportReader = Callable[[ReportDocument], ReportFacts]


@dataclass(frozen=True)
class ReadObject:
    """A spooled object read into records, with its report's facts when it is a readable report."""

    result: ReadResult
    facts: ReportFacts | None


def encode_read(read: ReadObject) -> dict[str, Any]:
    """As JSON: what a reader process answers, and what a held object keeps until its choice."""
    return {"result": to_json(read.result), "facts": to_json(read.facts)}


def decode_read(data: dict[str, Any]) -> ReadObject:
    facts = data["facts"]
    return ReadObject(decode(ReadResult, data["result"]),
                      decode(ReportFacts, facts) if facts is not None else None)


def readable_report(result: ReadResult) -> ReportDocument | None:
    """The document to read facts from, when the object is a machine-readable report in scope."""
    if result.in_scope and result.machine_readable and result.report is not None:
        return result.report
    return None


def _fill_patient(patient: Patient, result: ReadResult) -> None:
    header = result.patient
    patient.name = header.name or patient.name
    patient.birth_date = header.birth_date or patient.birth_date
    patient.sex = header.sex or patient.sex


def _fill_study(study: Study, result: ReadResult, zone: tzinfo) -> None:
    header = result.study
    study.accession = study.accession or header.accession
    study.description = study.description or header.description
    if study.study_date is None:
        study.study_date = header.started_at or (
            datetime.combine(header.study_date, time(), tzinfo=zone) if header.study_date else None
        )
    modality = result.series.modality
    if modality and modality not in study.modalities.split(","):
        study.modalities = ",".join(m for m in (*study.modalities.split(","), modality) if m)[:64]


def _store_image(session: Session, inbox: InboxObject, patient: Patient, study: Study,
                 result: ReadResult) -> None:
    record = result.image
    assert record is not None
    image = repository.image_by_uid(session, record.sop_instance_uid)
    if image is None:
        image = Image(sop_instance_uid=record.sop_instance_uid)
        session.add(image)
    image.inbox_pk = inbox.id
    image.patient_pk = patient.id
    image.study_pk = study.id
    image.modality = record.modality.value
    image.laterality = record.laterality.value if record.laterality else None
    image.view = record.view.value if record.view else None
    image.modifiers = sorted(m.value for m in record.modifiers)
    image.specimen = record.specimen
    image.biopsy_guidance = record.biopsy_guidance
    image.outside_prior = record.outside_prior
    image.institution = record.institution[:64]
    image.acquired_at = record.acquired_at
    image.study_description = record.study_description[:200]
    image.series_description = record.series_description[:200]


def _store_report(session: Session, inbox: InboxObject, patient: Patient, study: Study,
                  result: ReadResult, facts: ReportFacts | None) -> None:
    uid = result.sop_instance_uid
    report = repository.report_by_uid(session, uid)
    if report is None:
        report = Report(sop_instance_uid=uid)
        session.add(report)
    report.inbox_pk = inbox.id
    report.patient_pk = patient.id
    report.study_pk = study.id
    report.machine_readable = facts is not None
    report.title = (result.document_title or result.study.description)[:200]
    if facts is not None and result.report is not None:
        report.kind = facts.kind.value
        report.observed_at = result.report.observed_at
        report.predecessor_uids = list(result.report.predecessor_uids)
        report.text = result.report.text
        report.facts = to_json(facts)
        report.interpreter = result.report.interpreter[:128]
    else:
        report.kind = "other"
        report.facts = {}


def _aware(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """DICOM times without an offset are the site's local time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone)


def localised(result: ReadResult, zone: tzinfo) -> ReadResult:
    """The same result with every time made timezone-aware, before anything compares them."""
    study = replace(result.study, started_at=_aware(result.study.started_at, zone))
    report = result.report and replace(result.report,
                                       observed_at=_aware(result.report.observed_at, zone))
    image = result.image and replace(result.image, acquired_at=_aware(result.image.acquired_at, zone))
    return replace(result, study=study, report=report, image=image)


def apply(session: Session, inbox: InboxObject, result: ReadResult, facts: ReportFacts | None,
          zone: tzinfo = UTC, patient_pk: int | None = None) -> int:
    """Write what ``result`` (already ``localised``) and the report's ``facts`` say, and return the
    patient's primary key. The patient's evaluation lock is taken before anything is written.
    ``patient_pk``: file it under that patient whatever its header says (a person's choice, after
    its study arrived under a second Patient ID); the header then fills nothing in."""
    if patient_pk is not None:
        patient = session.get_one(Patient, patient_pk)
        repository.lock_patient(session, patient.id)
    else:
        patient = repository.get_or_create_patient(
            session, patient_id=result.patient.patient_id, issuer=result.patient.issuer
        )
        repository.lock_patient(session, patient.id)
        _fill_patient(patient, result)
    study = repository.get_or_create_study(session, patient=patient, study_uid=result.study.study_uid,
                                           accession=result.study.accession)
    _fill_study(study, result, zone)
    if result.kind is ObjectKind.IMAGE and result.image is not None:
        _store_image(session, inbox, patient, study, result)
    elif result.kind in (ObjectKind.REPORT, ObjectKind.DOCUMENT):
        _store_report(session, inbox, patient, study, result, facts)
    inbox.patient_pk = patient.id
    return patient.id
