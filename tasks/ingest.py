"""The ingest step: one inbox row in, the patient's case re-evaluated, items reconciled.

Exactly once in effect: the row is locked and its state re-checked inside the transaction that does
the work, and that transaction commits the facts, the items and the row's new state together. A
worker killed midway leaves nothing behind but the still-pending row, which runs again.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.readers.objects import UnreadableObject
from worklist.cases import backfill, conflicts, ingest, service
from worklist.cases.ingest import ReportReader
from worklist.db.base import utcnow
from worklist.db.models import Channel, InboxObject, InboxState
from tasks.reading import ReaderPool, ReadObject, read_spooled
from worklist.settings import Settings

log = logging.getLogger(__name__)

# Errors worth another try: the database or the disk was briefly unavailable, or two workers
# created the same patient at once. Anything else is a property of the object and will not heal.
TRANSIENT = (OperationalError, IntegrityError, OSError)


class Outcome(StrEnum):
    DONE = "done"
    HELD = "held"
    OUT_OF_SCOPE = "out-of-scope"
    ALREADY_DONE = "already-done"
    BUSY = "busy"
    FAILED = "failed"
    MISSING = "missing"


@dataclass(frozen=True)
class IngestContext:
    sessions: sessionmaker[Session]
    settings: Settings
    read_report: ReportReader
    now: Callable[[], datetime] = utcnow
    readers: ReaderPool | None = None
    """Read objects in budgeted reader processes (``tasks.reading``); None reads in this process,
    without a budget (tools and tests that feed known objects)."""


def _locked_row(session: Session, inbox_id: int) -> InboxObject | None:
    query = select(InboxObject).where(InboxObject.id == inbox_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).one_or_none()


def _count_attempt(context: IngestContext, inbox_id: int) -> Outcome | None:
    """Record this attempt in its own transaction, so a crash loop still reaches the limit.

    The row is locked before it is read (PostgreSQL; SQLite's write lock already serialises). A
    second delivery of a row another worker is processing leaves it to that worker, as ``_work``
    does, instead of counting, or failing, the row from a stale read and then overwriting the
    outcome the other worker commits."""
    with context.sessions.begin() as session:
        row = session.get(InboxObject, inbox_id, with_for_update={"skip_locked": True})
        if row is None:
            exists = session.get(InboxObject, inbox_id) is not None
            return Outcome.BUSY if exists else Outcome.MISSING
        if row.state != InboxState.PENDING:
            return Outcome.ALREADY_DONE
        row.attempts += 1
        if row.attempts > context.settings.max_attempts:
            row.state = InboxState.FAILED
            row.error = f"gave up after {context.settings.max_attempts} attempts"
            row.processed_at = context.now()
            return Outcome.FAILED
    return None


class _Hl7Message:
    """What ``_read`` returns for an HL7 message: ``tasks.ingest_hl7`` processes it."""


HL7 = _Hl7Message()


def _read(context: IngestContext, inbox_id: int) -> ReadObject | Outcome | _Hl7Message:
    """Read the spooled object and its report's facts before any lock is taken: parsing and
    language processing must not hold the row, or on SQLite the whole database."""
    with context.sessions() as session:
        row = session.get(InboxObject, inbox_id)
        if row is None:
            return Outcome.MISSING
        if row.state != InboxState.PENDING:
            return Outcome.ALREADY_DONE
        if row.channel == Channel.HL7:
            return HL7
        path = context.settings.spool_dir / Path(row.spool_path)
    if context.readers is not None:
        return context.readers.read(path)
    return read_spooled(path, context.settings.zone, context.read_report)


def _work(context: IngestContext, inbox_id: int) -> Outcome:
    read = _read(context, inbox_id)
    if isinstance(read, _Hl7Message):
        from tasks import ingest_hl7  # the HL7 channel reads and writes its own way

        return ingest_hl7.work(context, inbox_id)
    if isinstance(read, Outcome):
        return read
    result = read.result
    with context.sessions() as session, session.begin():
        row = _locked_row(session, inbox_id)
        if row is None:
            # Another worker holds the row (PostgreSQL skip-locked): it will finish the job.
            exists = session.get(InboxObject, inbox_id) is not None
            return Outcome.BUSY if exists else Outcome.MISSING
        if row.state != InboxState.PENDING:
            return Outcome.ALREADY_DONE
        now = context.now()
        if result.out_of_scope:
            row.state = InboxState.OUT_OF_SCOPE
            row.error = result.scope_reason[:500]
            row.processed_at = now
            return Outcome.OUT_OF_SCOPE
        found = conflicts.find(session, row, read)
        if found is not None:  # changes nothing until a person chooses what stands
            conflicts.hold(session, row, found, ingest.encode_read(read), now,
                           context.settings.site_config)
            return Outcome.HELD
        patient_pk = ingest.apply(session, row, result, read.facts, context.settings.zone)
        service.reevaluate_patient(
            session, patient_pk, actor="pipeline", now=now,
            site_config_path=context.settings.site_config,
            backfill=backfill.is_backfill(row, result.study.study_date, context.settings, now))
        row.state = InboxState.DONE
        row.error = None
        row.processed_at = now
        return Outcome.DONE


def _fail(context: IngestContext, inbox_id: int, message: str) -> None:
    with context.sessions.begin() as session:
        row = session.get(InboxObject, inbox_id)
        if row is not None and row.state == InboxState.PENDING:
            row.state = InboxState.FAILED
            row.error = message[:1000]
            row.processed_at = context.now()


def process(context: IngestContext, inbox_id: int) -> Outcome:
    """Process one inbox row. Raises only transient errors (for the caller to retry)."""
    counted = _count_attempt(context, inbox_id)
    if counted is not None:
        return counted
    try:
        outcome = _work(context, inbox_id)
    except UnreadableObject as error:
        # The reader's messages name the problem, never patient data.
        _fail(context, inbox_id, str(error))
        log.warning("inbox row %d failed: %s", inbox_id, error)
        return Outcome.FAILED
    except TRANSIENT:
        raise
    except DBAPIError as error:
        if error.connection_invalidated:
            raise
        _fail(context, inbox_id, f"database refused the case: {type(error.orig).__name__}")
        return Outcome.FAILED
    except Exception as error:  # a bug or an object the rules cannot take: visible, not retried
        _fail(context, inbox_id, f"processing error: {type(error).__name__}")
        # Frames only: an exception's message may quote the data it choked on.
        log.error("inbox row %d failed with %s\n%s", inbox_id, type(error).__name__,
                  "".join(traceback.format_tb(error.__traceback__)))
        return Outcome.FAILED
    log.info("inbox row %d: %s", inbox_id, outcome.value)
    return outcome
