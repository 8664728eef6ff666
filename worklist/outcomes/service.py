"""Run the outcomes audit for a period: the facility, each interpreting physician, the quarters."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from rules.audit.exams import PurposeWords, Purpose, build_exams
from rules.audit.metrics import Summary, in_period, quarters, summarize
from rules.audit.outcomes import WINDOW, ExamOutcome, outcomes
from worklist import audit as trail
from worklist.db.base import utcnow
from worklist.outcomes import repository
from worklist.outcomes.lost import marked_lost

NOT_NAMED = "(not named)"
"""The group of examinations whose report names no interpreting physician."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    """Both days included."""

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def latest_known_year(today: date | None = None) -> Period:
    """The default period: the latest twelve months whose examinations have all had their year,
    so every outcome is known (examinations made after it are still pending)."""
    today = today or utcnow().date()
    last = today - timedelta(days=366)
    return Period(last - timedelta(days=364), last)


@dataclass
class Audit:
    period: Period
    reader: str | None
    as_of: datetime
    summaries: dict[Purpose, Summary]
    readers: dict[str, dict[Purpose, Summary]]
    """Each interpreting physician of the period (all of them, even with a reader chosen)."""
    trend: list[tuple[str, Period, Summary]]
    """Screening, by calendar quarter of the period (cut to the period)."""
    exams: dict[str, ExamOutcome] = field(default_factory=dict)
    left_out: int = 0

    def exam_list(self, purpose: Purpose, key: str) -> list[ExamOutcome]:
        uids = self.summaries[purpose].lists().get(key, ())
        return [self.exams[uid] for uid in uids]


def reader_of(outcome: ExamOutcome) -> str:
    return outcome.exam.reader or NOT_NAMED


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A year's audit makes about a million short-lived records that form no cycles; the
    garbage collector's full passes over them cost as much as the audit itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_audit(session: Session, period: Period, reader: str | None = None,
              as_of: datetime | None = None, words: PurposeWords = PurposeWords()) -> Audit:
    """The audit of examinations made in ``period``. Outcomes look a year past its end: later
    examinations and tissue diagnoses decide which examination a cancer belongs to."""
    with _collector_paused():
        return _run_audit(session, period, reader, as_of or utcnow(), words)


def _run_audit(session: Session, period: Period, reader: str | None, as_of: datetime,
               words: PurposeWords) -> Audit:
    horizon = min(period.end + WINDOW, as_of + timedelta(days=1))
    reports = repository.radiology_reports(session, period.start, horizon,
                                           only_relevant_after=period.end)
    exams, left_out = build_exams(reports, words)
    tissue = repository.tissue_results(session, period.start, horizon)
    rows = outcomes(exams, tissue, as_of, marked_lost(session, [e.uid for e in exams]))
    chosen = in_period(rows, period.start, period.end)
    mine = [r for r in chosen if reader is None or reader_of(r) == reader]
    by_reader: dict[str, list[ExamOutcome]] = {}
    for r in chosen:
        by_reader.setdefault(reader_of(r), []).append(r)
    readers = {name: {p: summarize(by_reader[name], p, name) for p in Purpose}
               for name in sorted(by_reader)}
    trend = [(label, Period(q_start.date(), (q_end - timedelta(days=1)).date()),
              summarize(in_period(mine, q_start, q_end), Purpose.SCREENING, reader))
             for label, q_start, q_end in quarters(period.start, period.end)]
    return Audit(
        period=period, reader=reader, as_of=as_of,
        summaries={p: summarize(mine, p, reader) for p in Purpose},
        readers=readers, trend=trend, exams={r.exam.uid: r for r in mine},
        left_out=sum(1 for r in left_out if period.start <= r.performed_at < period.end),
    )


def record_audit_view(session: Session, audit: Audit, actor: str, remote_addr: str, via: str,
                      action: str = "view-outcomes-audit", detail: dict[str, str] | None = None
                      ) -> None:
    """Viewing the audit is a view of patient data: one entry for the audit itself, and one per
    patient whose examinations it names (those lost to follow-up)."""
    detail = {"period": audit.period.label, "physician": audit.reader or "", "via": via} | (
        detail or {})
    trail.record(session, actor=actor, action=action, object_type="outcomes-audit",
                 object_id=audit.period.label, remote_addr=remote_addr, detail=detail)
    named = {r.exam.patient_pk for p in Purpose for r in audit.summaries[p].lost}
    for patient_pk in sorted(named):
        trail.record(session, actor=actor, action=action, object_type="outcomes-audit",
                     object_id=audit.period.label, patient_pk=patient_pk,
                     remote_addr=remote_addr, detail=detail)
