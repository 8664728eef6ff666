"""``worklist audit``: the MQSA medical outcomes audit for a period, printed as tables and written
as CSV and PDF (the same numbers as the audit page). Running it is recorded in the audit trail
like a view of patient data, as ``cli:<login>``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rules.audit.exams import Purpose
from rules.audit.metrics import Summary
from rules.site import load_site_config
from worklist.commands.users import database, fail, operator
from worklist.outcomes.export import to_csv
from worklist.outcomes.pdf import to_pdf
from worklist.outcomes.service import (Audit, Period, latest_known_year, record_audit_view,
                                       run_audit)


def _metrics_table(summary: Summary, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("measure", "count", "value", "acceptable", "BCSC median", ""):
        table.add_column(column, justify="left" if column in ("measure", "") else "right")
    for m in summary.metrics:
        bench = m.benchmark
        mark = {True: "[green]within[/]", False: "[red]outside[/]", None: ""}[m.within]
        table.add_row(m.label, f"{len(m.numerator)} / {len(m.denominator)}",
                      f"{m.shown} {m.unit}" if m.value is not None else m.shown,
                      bench.text if bench else "",
                      "" if bench is None or bench.median is None else f"{bench.median:g}", mark)
    return table


def _counts_table(audit: Audit) -> Table:
    table = Table(title="Examinations and cancers", title_justify="left")
    table.add_column("")
    for purpose in Purpose:
        table.add_column(purpose.value, justify="right")
    screening, diagnostic = (audit.summaries[p] for p in Purpose)
    for a, b in zip([*screening.counts, *screening.characteristics],
                    [*diagnostic.counts, *diagnostic.characteristics], strict=True):
        table.add_row(a.label, str(a.value), str(b.value))
    return table


def _readers_table(audit: Audit) -> Table:
    table = Table(title="Each interpreting physician (screening | diagnostic)",
                  title_justify="left",
                  caption="- : not computable (nothing below the line)", caption_justify="left")
    for column in ("physician", "screens", "recall %", "CDR", "PPV1 %", "PPV2 %", "PPV3 %",
                   "diagnostic", "abnormal %", "PPV3 %", "pending"):
        table.add_column(column, justify="left" if column == "physician" else "right")
    for name, summaries in audit.readers.items():
        s, d = summaries[Purpose.SCREENING], summaries[Purpose.DIAGNOSTIC]
        sm, dm = ({m.key: m.shown.replace("not computable", "-") for m in x.metrics}
                  for x in (s, d))
        pending = sum(c.value for x in (s, d) for c in x.counts if c.key == "pending")
        table.add_row(name, str(s.counts[0].value), sm["recall_rate"], sm["cdr"], sm["ppv1"],
                      sm["ppv2"], sm["ppv3"], str(d.counts[0].value), dm["recall_rate"],
                      dm["ppv3"], str(pending))
    return table


def print_audit(audit: Audit, console: Console) -> None:
    console.print(f"[bold]MQSA medical outcomes audit[/], examinations {audit.period.label}; "
                  f"physician: {audit.reader or 'all'}; outcomes as of "
                  f"{audit.as_of:%Y-%m-%d %H:%M} UTC; {audit.left_out} reports left out")
    for purpose in Purpose:
        console.print(_metrics_table(audit.summaries[purpose],
                                     f"{purpose.value.capitalize()} examinations"))
    console.print(_counts_table(audit))
    if audit.reader is None:
        console.print(_readers_table(audit))
    lost = [r for p in Purpose for r in audit.summaries[p].lost]
    console.print(f"Lost to follow-up: {len(lost)} examination(s) (patient IDs in the files).")


def outcomes_audit(
    from_: datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"],
                                      help="First day of the period (default: the latest 12 "
                                           "months whose year has passed)."),
    to: datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"],
                                   help="Last day of the period, included (default: a year "
                                        "and a day ago)."),
    physician: str | None = typer.Option(None, help="One interpreting physician, as listed."),
    out: Path = typer.Option(Path("."), help="Directory for the CSV and PDF files."),
    facility: str = typer.Option("", help="Facility name printed on the PDF."),
) -> None:
    """The MQSA medical outcomes audit: prints the numbers and writes CSV and PDF files."""
    default = latest_known_year()
    period = Period(from_.date() if from_ else default.first, to.date() if to else default.last)
    if period.last < period.first:
        raise fail("--to is before --from")
    with database() as (session, settings):
        words = load_site_config(settings.site_config).audit.words()
        audit = run_audit(session, period, physician, words=words)
        record_audit_view(session, audit, operator().name, "", "cli")
    print_audit(audit, Console(width=140))
    out.mkdir(parents=True, exist_ok=True)
    stem = f"outcomes-audit-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    (out / f"{stem}.csv").write_text(to_csv(audit), encoding="utf-8")
    (out / f"{stem}.pdf").write_bytes(to_pdf(audit, facility))
    typer.echo(f"wrote {out / stem}.csv and {out / stem}.pdf")
