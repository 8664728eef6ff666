"""Applying an ORU^R01 to the patient's case: each result's version is kept, and the version that
stands (the latest by report time) is what the patient's report holds.

- preliminary, final, corrected: the standing version's text and facts are the report's; a later
  version replaces them and the case is evaluated again;
- cancelled: the report is withdrawn (no facts), so what it opened is dismissed as no longer
  supported, and a step it closed opens again; its earlier versions stay on record;
- the same result again (same text and status): recorded, and nothing changes.

The report is stored under the result's UID (``hl7:<sender>:<accession>:<observed>``), so items cite
it as they cite an SR, and it joins the study with its accession (``worklist.hl7.studies``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hl7_io.records import Department, PatientRecord, ResultRecord, ResultStatus
from rules.facts import ReportFacts
from worklist.cases.codec import to_json
from worklist.db.models import Hl7Result, InboxObject, PathologyResult, Patient, Report
from worklist.hl7.studies import study_for_accession

_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ResultOutcome:
    changed: bool
    """The patient's report changed: the case needs evaluating."""
    previous_patient_pk: int | None = None
    """The patient the report belonged to before, when a new version names another."""


def fill_demographics(patient: Patient, record: PatientRecord, overwrite: bool) -> list[str]:
    """Copy name, birth date and sex from PID; the names of the fields that changed."""
    changed = []
    for name, new in (("name", record.name), ("birth_date", record.birth_date),
                      ("sex", record.sex)):
        old = getattr(patient, name)
        if new and new != old and (overwrite or not old):
            setattr(patient, name, new)
            changed.append(name)
    return changed


def _order(version: Hl7Result) -> tuple[datetime, int, int]:
    moment = version.reported_at or version.observed_at or version.received_at or _EPOCH
    return moment, ResultStatus(version.status).rank, version.inbox_pk


def _title(result: ResultRecord) -> str:
    return f"{result.service or 'Result'} ({result.accession}, {result.sender})"[:200]


def _version(row: InboxObject, position: int, result: ResultRecord, patient: Patient,
             received_at: datetime) -> Hl7Result:
    return Hl7Result(
        inbox_pk=row.id, position=position, result_key=result.key[:160],
        sender=result.sender[:64], accession=result.accession, department=result.department.value,
        placer_accession=result.placer_accession, service=result.service, status=result.status.value,
        observed_at=result.observed_at, reported_at=result.reported_at, received_at=received_at,
        patient_pk=patient.id, document_uid=result.document.uid, document=to_json(result.document),
        text_hash=result.text_hash,
    )


def apply_result(session: Session, row: InboxObject, position: int, result: ResultRecord,
                 facts: ReportFacts | None, patient: Patient) -> ResultOutcome:
    """Record this version of ``result`` and bring the patient's report in line (no commit)."""
    version = _version(row, position, result, patient, row.received_at)
    session.add(version)
    session.flush()
    versions = session.scalars(select(Hl7Result).where(
        Hl7Result.result_key == version.result_key)).all()
    standing = max(versions, key=_order)
    report_pk = next((v.report_pk for v in versions if v.report_pk is not None), None)
    if standing is not version:  # an older version arrived late: on record, nothing changes
        version.report_pk = report_pk
        return ResultOutcome(changed=False)
    before = max((v for v in versions if v is not version), key=_order, default=None)
    if before is not None and before.text_hash == version.text_hash \
            and before.document_uid == version.document_uid \
            and before.patient_pk == version.patient_pk:
        version.report_pk = report_pk  # the same result again
        return ResultOutcome(changed=False)
    report = session.get(Report, report_pk) if report_pk is not None else None
    if report is None and result.status is ResultStatus.CANCELLED:
        return ResultOutcome(changed=False)  # withdraws what never arrived
    if report is None:
        report = Report(sop_instance_uid=result.document.uid, patient_pk=patient.id)
        session.add(report)
    previous_patient = report.patient_pk if report.patient_pk != patient.id else None
    if previous_patient is not None and report.id is not None:
        # The laboratory re-sent the result under another patient: its pathology goes along.
        session.execute(update(PathologyResult).where(PathologyResult.report_pk == report.id)
                        .values(patient_pk=patient.id))
    _fill_report(session, report, row, result, facts, patient)
    session.flush()
    for each in versions:
        each.report_pk = report.id
    return ResultOutcome(changed=True, previous_patient_pk=previous_patient)


def _fill_report(session: Session, report: Report, row: InboxObject, result: ResultRecord,
                 facts: ReportFacts | None, patient: Patient) -> None:
    accessions = ([result.placer_accession, result.accession]
                  if result.department is Department.RADIOLOGY
                  else [result.accession, result.placer_accession])
    study = study_for_accession(session, patient.id, accessions, result.service,
                                result.observed_at)
    report.sop_instance_uid = result.document.uid
    report.inbox_pk = row.id
    report.patient_pk = patient.id
    report.study_pk = study.id
    report.observed_at = result.document.observed_at
    report.predecessor_uids = []
    cancelled = result.status is ResultStatus.CANCELLED
    report.title = (_title(result) + (" - cancelled" if cancelled else ""))[:200]
    if facts is not None and not cancelled:
        report.kind = facts.kind.value
        report.text = result.document.text
        report.facts = to_json(facts)
        report.interpreter = result.document.interpreter[:128]
        report.machine_readable = True
    else:
        report.kind = "other"
        report.facts = {}
        report.machine_readable = False
        if not cancelled:
            report.text = result.document.text

