"""The audit as a printable PDF (fpdf2): what an MQSA inspector asks to see for 21 CFR
900.12(f): the period, the facility's and each interpreting physician's numbers beside the
benchmarks, the definitions used, the examinations still awaiting outcome and those lost to
follow-up."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rules.audit.exams import Purpose
from rules.audit.metrics import Summary
from worklist.outcomes.service import Audit, reader_of

DEFINITIONS = (
    "Definitions (ACR BI-RADS Atlas 5th ed., follow-up and outcome monitoring). Positive screening "
    "examination: final assessment 0, 3, 4 or 5; positive diagnostic examination: 4 or 5; "
    "category 6 excluded. Cancer: invasive carcinoma or DCIS on tissue diagnosis within 365 days "
    "of the examination that led to it, per breast. Rates needing an outcome count only "
    "examinations whose year has passed; the others are listed as outcome pending. Benchmarks: "
    "ACR acceptable ranges for screening; medians from the Breast Cancer Surveillance Consortium "
    "(Lehman et al., Radiology 2017). 'Not computable' means no examination below the line."
)


def _latin(text: str) -> str:
    """The core PDF fonts are Latin-1; anything else prints as '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    title_line = ""

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 6, _latin(self.title_line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")


def _table(pdf: FPDF, head: list[str], body: list[list[str]], widths: list[float]) -> None:
    pdf.set_font("Helvetica", "B", 8)
    for text, width in zip(head, widths, strict=True):
        pdf.cell(width, 6, _latin(text), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for row in body:
        if pdf.get_y() > pdf.h - 25:
            pdf.add_page()
        for text, width in zip(row, widths, strict=True):
            pdf.cell(width, 5.5, _latin(text), border=1)
        pdf.ln()
    pdf.ln(3)


def _metrics(pdf: FPDF, summary: Summary, heading: str) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, _latin(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    body = []
    for m in summary.metrics:
        bench = m.benchmark
        within = {True: "within", False: "outside", None: ""}[m.within]
        body.append([m.label, f"{len(m.numerator)} / {len(m.denominator)}",
                     f"{m.shown} {m.unit}" if m.value is not None else m.shown,
                     bench.text if bench else "", "" if bench is None or bench.median is None
                     else f"{bench.median:g}", within])
    _table(pdf, ["measure", "count", "value", "acceptable", "BCSC median", "range"], body,
           [62, 24, 32, 24, 22, 18])
    counts = [[c.label, str(c.value)] for c in [*summary.counts, *summary.characteristics]]
    _table(pdf, ["examinations and cancers", "number"], counts, [92, 24])


def to_pdf(audit: Audit, facility: str = "") -> bytes:
    pdf = _Report(format="A4")
    pdf.title_line = "MQSA medical outcomes audit - " + audit.period.label
    pdf.set_title("MQSA medical outcomes audit")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, "Medical outcomes audit (21 CFR 900.12(f))", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    for line in (f"Facility: {facility or 'this facility'}",
                 f"Examinations made from {audit.period.label}",
                 f"Interpreting physician: {audit.reader or 'all (facility audit)'}",
                 f"Outcomes known as of {audit.as_of:%Y-%m-%d %H:%M} UTC",
                 f"Reports left out (no final assessment, category 6 only, or not audited): "
                 f"{audit.left_out}"):
        pdf.cell(0, 6, _latin(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(0, 4, _latin(DEFINITIONS), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for purpose in Purpose:
        _metrics(pdf, audit.summaries[purpose], f"{purpose.value.capitalize()} examinations")
    if audit.reader is None and audit.readers:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, "Each interpreting physician (screening)", new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        body = []
        for name, summaries in audit.readers.items():
            s = summaries[Purpose.SCREENING]
            values = {m.key: m for m in s.metrics}
            body.append([name, str(s.counts[0].value),
                         *(values[k].shown for k in ("recall_rate", "cdr", "ppv1", "ppv2", "ppv3")),
                         str(next(c.value for c in s.counts if c.key == "pending"))])
        _table(pdf, ["physician", "exams", "recall %", "CDR /1000", "PPV1 %", "PPV2 %", "PPV3 %",
                     "pending"], body, [52, 16, 18, 20, 18, 18, 18, 18])
    lost = [r for p in Purpose for r in audit.summaries[p].lost]
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, f"Lost to follow-up ({len(lost)})", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, ["patient ID", "examination", "purpose", "assessment", "physician"],
           [[r.exam.patient_id, r.exam.performed_at.date().isoformat(), r.exam.purpose.value,
             f"BI-RADS {r.exam.assessment.value}", reader_of(r)] for r in lost],
           [40, 28, 26, 24, 62])
    return bytes(pdf.output())
