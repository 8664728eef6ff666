"""The MQSA medical outcomes audit for administrators and radiologists: the numbers beside their
benchmarks, a trend by quarter, the examinations behind every number, CSV and PDF.

Viewing it is recorded like a view of patient data (``record_audit_view``): the audit itself, and
each patient whose examinations a page or file names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rules.audit.exams import Purpose
from rules.audit.metrics import SCREENING_BENCHMARKS
from rules.site import load_site_config
from worklist.db.models import Role
from worklist.outcomes.export import to_csv
from worklist.outcomes.pdf import to_pdf
from worklist.outcomes.service import (Audit, Period, latest_known_year, reader_of,
                                       record_audit_view, run_audit)
from worklist.web.auth import Principal, db_session, require
from worklist.web.charts import LineChart, Point, line_chart
from worklist.web.pages.worklist import day
from worklist.web.params import DayText, FilterText, FromDayText, LongFilterText
from worklist.web.templating import render
from worklist.web.viewing import record_view

router = APIRouter(prefix="/outcomes")
Reader = Annotated[Principal, Depends(require(Role.RADIOLOGIST, Role.ADMIN))]
Db = Annotated[Session, Depends(db_session)]
MAX_PERIOD_DAYS = 3 * 366
"""Longer periods are refused: an MQSA audit covers 12 months, a trend a few years."""
MAX_LISTED = 2000


class PurposeChoice(StrEnum):
    SCREENING = "screening"
    DIAGNOSTIC = "diagnostic"


def _period(first: str, last: str) -> Period:
    default = latest_known_year()
    period = Period(day(first, "from") or default.first, day(last, "to") or default.last)
    if period.last < period.first:
        raise HTTPException(422, "to: before from")
    if (period.last - period.first).days > MAX_PERIOD_DAYS:
        raise HTTPException(422, f"the period is limited to {MAX_PERIOD_DAYS} days")
    return period


def _audit(request: Request, session: Session, period: Period, physician: str) -> Audit:
    settings = request.app.state.settings
    words = load_site_config(settings.site_config).audit.words()
    return run_audit(session, period, physician.strip() or None, words=words)


def _query(period: Period, physician: str, **more: str) -> str:
    values = {"from": period.first.isoformat(), "to": period.last.isoformat(),
              "physician": physician.strip()} | more
    return urlencode({k: v for k, v in values.items() if v})


def _trend(audit: Audit, physician: str) -> list[LineChart]:
    """Recall rate and cancer detection by quarter, each point linking to its quarter's audit."""
    recall, cdr = [], []
    for label, quarter, summary in audit.trend:
        metrics = {m.key: m for m in summary.metrics}
        pending = next(c.value for c in summary.counts if c.key == "pending")
        link = "/outcomes?" + _query(quarter, physician)
        rate, found = metrics["recall_rate"], metrics["cdr"]
        recall.append(Point(label, rate.value, link,
                            note=f"{len(rate.numerator)} of {len(rate.denominator)} recalled"))
        cdr.append(Point(label, found.value, link,
                         note=f"{len(found.numerator)} cancers in {len(found.denominator)} "
                              f"screens; {pending} pending"))
    bench = SCREENING_BENCHMARKS
    return [line_chart("Screening recall rate by quarter", "%", recall,
                       bench["recall_rate"].low, bench["recall_rate"].high),
            line_chart("Cancers detected per 1,000 screens by quarter (year passed)", "per 1,000",
                       cdr, bench["cdr"].low, None)]


@router.get("")
def outcomes_page(
    request: Request, principal: Reader, session: Db,
    first: FromDayText = "", to: DayText = "", physician: LongFilterText = "",
) -> Response:
    period = _period(first, to)
    audit = _audit(request, session, period, physician)
    record_audit_view(session, audit, principal.username, principal.remote_addr, principal.via)
    session.commit()
    return render(request, "outcomes.html", principal, audit=audit, purposes=list(Purpose),
                  readers=sorted(audit.readers), physician=physician.strip(),
                  period=period, query=_query(period, physician),
                  charts=_trend(audit, physician), reader_of=reader_of)


@router.get("/exams")
def outcomes_exams(
    request: Request, principal: Reader, session: Db, purpose: PurposeChoice,
    number: FilterText, first: FromDayText = "", to: DayText = "",
    physician: LongFilterText = "",
) -> Response:
    """The examinations behind one number (``number``: a count's key, or a metric's
    ``key.numerator`` / ``key.denominator``)."""
    period = _period(first, to)
    audit = _audit(request, session, period, physician)
    chosen = Purpose(purpose.value)
    lists = audit.summaries[chosen].lists()
    if number not in lists:
        raise HTTPException(404, "no such number in this audit")
    rows = audit.exam_list(chosen, number)
    shown = rows[:MAX_LISTED]
    labels = {c.key: c.label for c in [*audit.summaries[chosen].counts,
                                       *audit.summaries[chosen].characteristics]}
    labels |= {f"{m.key}.{part}": f"{m.label}, {part}"
               for m in audit.summaries[chosen].metrics for part in ("numerator", "denominator")}
    record_view(session, principal, "view-outcomes-exams", object_type="outcomes-audit",
                object_id=period.label, patient_pks=[r.exam.patient_pk for r in shown],
                detail={"purpose": chosen.value, "number": number,
                        "physician": physician.strip()})
    session.commit()
    return render(request, "outcomes_exams.html", principal, audit=audit, rows=shown,
                  total=len(rows), purpose=chosen, label=labels[number], period=period,
                  physician=physician.strip(), query=_query(period, physician),
                  reader_of=reader_of)


@router.get(".csv")
def outcomes_csv(
    request: Request, principal: Reader, session: Db,
    first: FromDayText = "", to: DayText = "", physician: LongFilterText = "",
) -> Response:
    return _export(request, principal, session, _period(first, to), physician, "csv")


@router.get(".pdf")
def outcomes_pdf(
    request: Request, principal: Reader, session: Db,
    first: FromDayText = "", to: DayText = "", physician: LongFilterText = "",
) -> Response:
    return _export(request, principal, session, _period(first, to), physician, "pdf")


# Per format: how the audit is written, its media type and how the browser should take it.
_EXPORTS = {
    "csv": (to_csv, "text/csv; charset=utf-8", "attachment"),
    "pdf": (to_pdf, "application/pdf", "inline"),
}


def _export(request: Request, principal: Principal, session: Session, period: Period,
            physician: str, fmt: str) -> Response:
    """An export names patients like the page does, so it is audited the same way."""
    write, media_type, disposition = _EXPORTS[fmt]
    audit = _audit(request, session, period, physician)
    record_audit_view(session, audit, principal.username, principal.remote_addr, principal.via,
                      action="export-outcomes-audit", detail={"format": fmt})
    session.commit()
    return Response(write(audit), media_type=media_type,
                    headers={"Content-Disposition":
                             f'{disposition}; filename="{_stem(period)}.{fmt}"',
                             "Cache-Control": "no-store"})


def _stem(period: Period) -> str:
    return f"outcomes-audit-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
