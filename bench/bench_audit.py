"""The MQSA outcomes audit at scale: a year of 100,000 examinations on PostgreSQL.

A fresh database is migrated and filled by ``worklist db seed-scale`` (100,000 patients, 300,000
examinations over three years with their pathology). The audit of the latest twelve months whose
outcomes are all known (about 100,000 examinations; outcomes read up to a year past its end, for
the patients whose outcome the later reports can change) is timed in-process: the product's queries, the rules, every metric for the
facility, each physician and each quarter, then the CSV and the PDF. ``worklist audit`` is also
timed as a command (with its start-up). Peer: the same rows fetched bare through psycopg
(``bench/audit_peer.sql``), so the ratio shows what reading into the rules' records and counting
costs over the database's own work.

Run: ``python -m bench.run --only bench_audit`` (``--quick``: 6,000 examinations).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import psycopg

from bench.common import Figure, Section
from bench.databases import all_cores, bench_database, product_env, run_worklist
from rules.audit.exams import Purpose
from worklist.db.engine import make_engine, make_session_factory
from worklist.outcomes.export import to_csv
from worklist.outcomes.pdf import to_pdf
from worklist.outcomes.service import latest_known_year, run_audit

FULL = (100_000, 300_000)
QUICK = (2_000, 6_000)
TARGET_S = 10.0
PEER_SQL = Path(__file__).with_name("audit_peer.sql")
RUNS = 3


def _peer(url: str, start: object, end: object, horizon: object) -> tuple[float, int]:
    statements = [s for s in PEER_SQL.read_text().split("\n;\n") if s.strip()]
    values: dict[str, object] = {"start": start, "end": end, "horizon": horizon}
    with psycopg.connect(url) as db:
        clock = time.perf_counter()
        period = db.execute(statements[0], values).fetchall()
        values["positive"] = sorted({row[1] for row in period if any(
            pair.split(":")[1] not in ("1", "2", "6") for pair in (row[8] or "").split(","))})
        rows = len(period) + sum(len(db.execute(sql, values).fetchall())
                                 for sql in statements[1:])
        return time.perf_counter() - clock, rows


def measure(quick: bool = False) -> list[Section]:
    patients, exams = QUICK if quick else FULL
    notes: list[str] = []
    with ExitStack() as stack:
        stack.enter_context(all_cores())
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-audit-")))
        url = stack.enter_context(bench_database("bench_audit"))
        env = product_env(url, workdir / "data")
        run_worklist(env, "db", "upgrade")
        seeded = run_worklist(env, "db", "seed-scale", "--patients", str(patients), "--items",
                              "0", "--exams", str(exams)).strip()
        notes.append(f"`worklist db seed-scale --patients {patients} --items 0 --exams {exams}`: "
                     f"{seeded}.")
        engine = make_engine(url)
        stack.callback(engine.dispose)
        sessions = make_session_factory(engine)
        period = latest_known_year()
        ours, peers, rows = [], [], 0
        for _ in range(RUNS):
            clock = time.perf_counter()
            with sessions() as session:
                audit = run_audit(session, period)
            to_csv(audit)
            to_pdf(audit)
            ours.append(time.perf_counter() - clock)
            seconds, rows = _peer(url, period.start, period.end, period.end + timedelta(days=365))
            peers.append(seconds)
        screening = audit.summaries[Purpose.SCREENING]
        diagnostic = audit.summaries[Purpose.DIAGNOSTIC]
        year = screening.counts[0].value + diagnostic.counts[0].value
        clock = time.perf_counter()
        run_worklist(env, "audit", "--from", period.first.isoformat(), "--to",
                     period.last.isoformat(), "--out", str(workdir))
        command = time.perf_counter() - clock
        clock = time.perf_counter()
        run_worklist(env, "--help")
        startup = time.perf_counter() - clock
        metrics = {m.key: m.shown for m in screening.metrics}
    notes += [
        f"Period {period.label}: {year:,} examinations ({screening.counts[0].value:,} screening), "
        f"{rows:,} rows read (reports of the period, those of the year after that can change an "
        f"outcome, pathology); "
        f"{len(audit.readers)} physicians, {len(audit.trend)} quarters.",
        f"Screening: recall {metrics['recall_rate']}%, CDR {metrics['cdr']} per 1,000, PPV1 "
        f"{metrics['ppv1']}%, PPV2 {metrics['ppv2']}%, PPV3 {metrics['ppv3']}% (synthetic "
        "shares, see worklist/commands/seed_exams.py).",
        f"Median of {RUNS} runs in one process (the first includes warming the connection); "
        f"`worklist audit` as a command, start-up and files included: {command:.1f} s; its peer "
        f"is `worklist --help` ({startup:.1f} s), the command line's start-up alone (it imports "
        "every command, the report reader's NLP libraries among them).",
    ]
    section = Section(
        title=f"Outcomes audit ({exams // 3:,} examinations a year, PostgreSQL)",
        command="python -m bench.run --only bench_audit",
        peer="the same rows fetched bare through psycopg (bench/audit_peer.sql); for the command, "
             "`worklist --help`",
        figures=[
            Figure("audit of a year, in-process (queries, rules, CSV, PDF)", "s",
                   statistics.median(ours), statistics.median(peers), higher_is_better=False,
                   target=f"< {TARGET_S:g} s"),
            Figure("`worklist audit` command, start-up included", "s", command,
                   startup, higher_is_better=False),
        ],
        notes=notes,
    )
    return [section]
