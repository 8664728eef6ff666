"""The rows the outcomes audit reads: radiology reports with their assessments, and pathology
results dated by their biopsy. Only the JSON keys the audit needs leave the database."""

from __future__ import annotations

from datetime import datetime

import json

from sqlalchemy import (ColumnElement, Integer, String, and_, case, func, literal, literal_column,
                        or_, select)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from rules.anatomy import Laterality
from rules.audit.exams import RadiologyReport
from rules.audit.outcomes import TissueResult
from rules.facts import Birads, Lesion, PathologyCategory
from worklist.db.models import Patient, PathologyResult, Procedure, Report, Study

_SIDES = {side.value: side for side in Laterality}
_CATEGORIES = {c.value: c for c in Birads}
_LESIONS = {lesion.value: lesion for lesion in Lesion}


def _assessments(folded: str | None) -> tuple[tuple[Laterality | None, Birads], ...]:
    """``L:4A,:1`` (side, category per assessment, folded in the query) as pairs."""
    found = []
    for pair in (folded or "").split(","):
        side, _, category = pair.partition(":")
        if category in _CATEGORIES:
            found.append((_SIDES.get(side), _CATEGORIES[category]))
    return tuple(found)


def _folded_assessments(dialect: str) -> ColumnElement[str]:
    """Each assessment's side and category as ``side:category``, comma-separated, worked out by
    the database so that no report's JSON crosses the wire."""
    if dialect == "postgresql":
        sql = ("(SELECT string_agg(COALESCE(a ->> 'laterality', '') || ':' || (a ->> 'category'),"
               " ',') FROM json_array_elements(reports.facts -> 'assessments') AS a)")
    else:
        sql = ("(SELECT group_concat(COALESCE(json_extract(a.value, '$.laterality'), '') || ':'"
               " || json_extract(a.value, '$.category'), ',')"
               " FROM json_each(reports.facts, '$.assessments') AS a)")
    return literal_column(sql, String)


def _amends(dialect: str) -> ColumnElement[str]:
    """The predecessor list as text, only when there is one (most reports amend nothing)."""
    del dialect  # json_array_length is the same on both
    return literal_column(
        "CASE WHEN json_array_length(reports.predecessor_uids) > 0 "
        "THEN CAST(reports.predecessor_uids AS TEXT) END", String)


def _in(start: datetime, end: datetime) -> ColumnElement[bool]:
    return or_(and_(Report.observed_at >= start, Report.observed_at < end),
               and_(Report.observed_at.is_(None), Study.study_date >= start,
                    Study.study_date < end))


def radiology_reports(session: Session, start: datetime, end: datetime,
                      only_relevant_after: datetime | None = None) -> list[RadiologyReport]:
    """Radiology reports made from ``start`` to ``end`` (excluded), dated by the report's
    observation time, else its study's date.

    With ``only_relevant_after`` (PostgreSQL), reports from that moment on are read only where
    they can change an earlier examination's outcome: patients with a tissue diagnosis, patients
    with a positive (not BI-RADS 1, 2 or 6) report before that moment, and addenda.
    """
    dialect = session.get_bind().dialect.name
    if only_relevant_after is None or dialect != "postgresql":
        return _read(session, dialect, _in(start, end))
    found = _read(session, dialect, _in(start, only_relevant_after))
    positive = sorted({r.patient_pk for r in found
                       if any(c not in _NEGATIVE for _, c in r.assessments)})
    relevant = or_(Report.patient_pk.in_(select(PathologyResult.patient_pk)),
                   Report.patient_pk.in_(select(func.unnest(literal(positive, ARRAY(Integer))))),
                   literal_column("json_array_length(reports.predecessor_uids)") > 0)
    return found + _read(session, dialect, and_(_in(only_relevant_after, end), relevant))


_NEGATIVE = frozenset({Birads.B1, Birads.B2, Birads.B6})


def _read(session: Session, dialect: str, when: ColumnElement[bool]) -> list[RadiologyReport]:
    moment = func.coalesce(Report.observed_at, Study.study_date)
    statement = (
        select(Report.sop_instance_uid, Report.patient_pk, Patient.patient_id, moment,
               Report.title, Study.description, Report.interpreter, _amends(dialect),
               _folded_assessments(dialect))
        .select_from(Report)
        .join(Patient, Patient.id == Report.patient_pk)
        .outerjoin(Study, Study.id == Report.study_pk)
        .where(Report.kind == "radiology", when)
    )
    # Core rows, not ORM ones: a year is some 100,000 of them.
    rows = session.connection().execute(statement)
    found = []
    for uid, patient_pk, patient_id, performed_at, title, description, interpreter, amends, \
            assessments in rows:
        if performed_at is None:
            continue
        found.append(RadiologyReport(
            uid, patient_pk, patient_id, performed_at, title or "", description or "",
            interpreter or "", _assessments(assessments),
            tuple(json.loads(amends)) if amends else ()))
    return found


def tissue_results(session: Session, start: datetime, end: datetime) -> list[TissueResult]:
    """Pathology results whose biopsy (else report) falls from ``start`` to ``end``; the report's
    text comes along only for malignant results (the cancer's stated size and nodes)."""
    moment = func.coalesce(Procedure.performed_at, Report.observed_at)
    malignant = PathologyResult.category == PathologyCategory.MALIGNANT.value
    rows = session.connection().execute(
        select(Report.sop_instance_uid, PathologyResult.specimen_index, PathologyResult.patient_pk,
               func.coalesce(PathologyResult.laterality, Procedure.laterality), moment,
               PathologyResult.category, PathologyResult.lesions,
               case((malignant, Report.text), else_=""))
        .join(Report, Report.id == PathologyResult.report_pk)
        .outerjoin(Procedure, Procedure.id == PathologyResult.procedure_pk)
        .where(moment >= start, moment < end)
    )
    return [TissueResult(f"{uid}#{index}", patient_pk, _SIDES.get(side or ""), diagnosed_at,
                         PathologyCategory(category),
                         tuple(_LESIONS[x] for x in lesions or () if x in _LESIONS), text or "")
            for uid, index, patient_pk, side, diagnosed_at, category, lesions, text in rows
            if diagnosed_at is not None]
