"""The ingest step for an HL7 inbox row: the same promises as for a DICOM object.

The spooled message is parsed and its reports read before any lock is taken; then one transaction
locks the row, re-checks it, applies the message, evaluates the patients' cases and sets the row's
state. A worker killed midway leaves the row pending and nothing half-written.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path

from dicom_io.readers.objects import UnreadableObject
from hl7_io.header import parse
from hl7_io.readers import read
from hl7_io.records import Content, ResultMessage, ResultStatus
from hl7_io.refusals import Refused
from rules.facts import ReportFacts
from tasks.ingest import IngestContext, Outcome, _locked_row
from worklist.cases import service
from worklist.db.models import InboxObject, InboxState
from worklist.hl7.apply import apply_message


def _aware(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """HL7 times without an offset are the sender's local time: the site's."""
    return moment.replace(tzinfo=zone) if moment is not None and moment.tzinfo is None else moment


def localised(content: Content, zone: tzinfo) -> Content:
    if not isinstance(content, ResultMessage):
        return content
    results = tuple(
        replace(r, observed_at=_aware(r.observed_at, zone), reported_at=_aware(r.reported_at, zone),
                document=replace(r.document, observed_at=_aware(r.document.observed_at, zone)))
        for r in content.results
    )
    return replace(content, results=results)


def _read(context: IngestContext, inbox_id: int) -> tuple[Content, dict[int, ReportFacts | None]] | Outcome:
    with context.sessions() as session:
        row = session.get(InboxObject, inbox_id)
        if row is None:
            return Outcome.MISSING
        if row.state != InboxState.PENDING:
            return Outcome.ALREADY_DONE
        path = context.settings.spool_dir / Path(row.spool_path)
    try:
        content = localised(read(parse(path.read_bytes())), context.settings.zone)
    except Refused as refusal:  # the listener checked it; a file changed since is unreadable
        raise UnreadableObject(f"HL7 message cannot be read: {refusal.reason}") from None
    facts: dict[int, ReportFacts | None] = {}
    if isinstance(content, ResultMessage):
        for position, result in enumerate(content.results, start=1):
            readable = (result.in_scope and result.status is not ResultStatus.CANCELLED
                        and result.document.sections)
            facts[position] = context.read_report(result.document) if readable else None
    return content, facts


def work(context: IngestContext, inbox_id: int) -> Outcome:
    read_now = _read(context, inbox_id)
    if isinstance(read_now, Outcome):
        return read_now
    content, facts = read_now
    with context.sessions() as session, session.begin():
        row = _locked_row(session, inbox_id)
        if row is None:
            exists = session.get(InboxObject, inbox_id) is not None
            return Outcome.BUSY if exists else Outcome.MISSING
        if row.state != InboxState.PENDING:
            return Outcome.ALREADY_DONE
        now = context.now()
        applied = apply_message(session, row, content, facts,
                                context.settings.hl7_patient_namespaces, now)
        for patient_pk in applied.evaluate:
            service.reevaluate_patient(session, patient_pk, actor="pipeline", now=now,
                                       site_config_path=context.settings.site_config)
        row.state = applied.state
        row.error = applied.note[:500] or None
        row.processed_at = now
        row.patient_pk = applied.patient_pk
        return Outcome.DONE if applied.state is InboxState.DONE else Outcome.OUT_OF_SCOPE
