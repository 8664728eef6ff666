"""The audit as CSV: every number with its numerator, denominator and benchmark, for the facility
and each interpreting physician, then the examinations lost to follow-up. Cells are made safe to
open in a spreadsheet (``worklist.spreadsheets``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from rules.audit.exams import Purpose
from rules.audit.metrics import Summary
from worklist.outcomes.service import Audit, reader_of
from worklist.spreadsheets import safe_row

HEADER = ["section", "purpose", "group", "measure", "numerator", "denominator", "value", "unit",
          "acceptable range", "BCSC median"]
FACILITY = "facility"


def _summary_rows(summary: Summary, group: str) -> Iterator[list[object]]:
    purpose = summary.purpose.value
    for m in summary.metrics:
        bench = m.benchmark
        yield ["metric", purpose, group, m.label, len(m.numerator), len(m.denominator),
               "" if m.value is None else f"{m.value:.2f}", m.unit,
               bench.text if bench else "", "" if bench is None or bench.median is None
               else f"{bench.median:g}"]
    for c in [*summary.counts, *summary.characteristics]:
        yield ["count", purpose, group, c.label, c.value, "", "", "", "", ""]


def rows(audit: Audit) -> Iterator[list[str]]:
    yield safe_row(["MQSA medical outcomes audit", audit.period.label,
                    "physician: " + (audit.reader or "all"),
                    "as of " + audit.as_of.date().isoformat()])
    yield safe_row(HEADER)
    for purpose in Purpose:
        yield from map(safe_row, _summary_rows(audit.summaries[purpose], audit.reader or FACILITY))
    if audit.reader is None:
        for name, summaries in audit.readers.items():
            for purpose in Purpose:
                yield from map(safe_row, _summary_rows(summaries[purpose], name))
    yield safe_row([])
    yield safe_row(["lost to follow-up", "purpose", "patient ID", "examination date", "physician",
                    "assessment", "report UID"])
    for purpose in Purpose:
        for r in audit.summaries[purpose].lost:
            yield safe_row(["lost", purpose.value, r.exam.patient_id,
                            r.exam.performed_at.date().isoformat(), reader_of(r),
                            r.exam.assessment.value, r.exam.uid])


def to_csv(audit: Audit) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(rows(audit))
    return out.getvalue()
