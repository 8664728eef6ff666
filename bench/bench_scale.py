"""The worklist at scale: a PostgreSQL database seeded with 1M items over 100k patients.

A fresh database is migrated (``worklist db upgrade``) and filled by ``worklist db seed-scale``;
``worklist web`` (uvicorn, the real app) then serves it in its own process. An authenticated
client (a coordinator and a bearer token made by the product's account functions) times the
open-worklist API with its common filters and the worklist page, each request in turn. Peer,
per figure: the same SQL statements the product issues for that request (captured from the
repository, with their parameters) run bare through psycopg, so the ratio is the share of a
request that is database work; the rest is the framework, the ORM, the audit rows each view
writes, and rendering. Then EXPLAIN (ANALYZE, BUFFERS) of those statements names the indexes
used, and the reminder sweep runs over the whole database with a sender that only counts.

Run: ``python -m bench.run --only bench_scale`` (``--quick``: 20k items over 2k patients).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bench.common import Figure, Section, percentile
from bench.databases import (
    Process,
    all_cores,
    bench_database,
    free_port,
    product_env,
    run_worklist,
    wait_until,
    worklist_command,
)
from rules.items import ItemKind, Priority
from rules.site import SiteConfig, load_site_config
from worklist.accounts.service import create_token, create_user
from worklist.db.base import utcnow
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import Item, ItemStatus
from worklist.items import repository
from worklist.items.filters import ACTIVE_STATUSES, ItemFilter, PageRequest
from worklist.notifications.levels import reached_level
from worklist.notifications.senders import Message
from worklist.notifications.service import remind
from worklist.settings import load_settings

FULL = (100_000, 1_000_000)
QUICK = (2_000, 20_000)
API_TARGET_MS = 50.0
KIND = ItemKind.CONCORDANCE_PENDING
PAGE_SIZE = 25
"""The worklist page's page size (worklist/web/pages/worklist.py)."""
PASSWORD = "bench-scale-password"
SWEEP_NEW = 200
"""Reminders left for the timed sweep to send: a busy day's worth of items crossing a level."""


@dataclass(frozen=True)
class Case:
    """One request the bench times, and the repository calls that stand for its database work."""

    name: str
    path: str
    params: list[tuple[str, str]]
    queries: Callable[[Session, datetime], object]
    api: bool = True
    held: bool = True
    """Held to the open-worklist API target."""


def _api_list(filters: ItemFilter, page: int = 1) -> Callable[[Session, datetime], object]:
    def queries(session: Session, now: datetime) -> object:
        result = repository.list_items(session, filters, page=PageRequest(page, 50), now=now)
        return repository.findings_for_items(session, [row.item for row in result.rows])

    return queries


def _page(filters: ItemFilter) -> Callable[[Session, datetime], object]:
    def queries(session: Session, now: datetime) -> object:
        repository.list_items(session, filters, page=PageRequest(1, PAGE_SIZE), now=now)
        repository.count_by_kind(session, filters, now)
        return repository.alarms(session, now)

    return queries


def _cases(patient_id: str, last_page: int) -> list[Case]:
    active = [("status", s.value) for s in ACTIVE_STATUSES]
    today = date.today()
    week = (today, today + timedelta(days=6))
    page = min(50, last_page)
    open_list = ItemFilter(statuses=ACTIVE_STATUSES)
    return [
        Case("API every status", "/api/v1/items", [("status", s.value) for s in ItemStatus],
             _api_list(ItemFilter(statuses=tuple(ItemStatus))), held=False),
        Case("API open worklist", "/api/v1/items", active, _api_list(open_list)),
        Case("API open, kind", "/api/v1/items", [*active, ("kind", KIND.value)],
             _api_list(ItemFilter(statuses=ACTIVE_STATUSES, kinds=(KIND,)))),
        Case("API open, priority=urgent", "/api/v1/items", [*active, ("priority", "urgent")],
             _api_list(ItemFilter(statuses=ACTIVE_STATUSES, priorities=(Priority.URGENT,)))),
        Case("API overdue", "/api/v1/items", [("overdue", "true")],
             _api_list(ItemFilter(statuses=ACTIVE_STATUSES, overdue=True))),
        Case("API one patient", "/api/v1/items", [("patient_id", patient_id)],
             _api_list(ItemFilter(statuses=ACTIVE_STATUSES, patient_id=patient_id))),
        Case("API open, due this week", "/api/v1/items",
             [*active, ("due_from", week[0].isoformat()), ("due_to", week[1].isoformat())],
             _api_list(ItemFilter(statuses=ACTIVE_STATUSES, due_from=week[0], due_to=week[1]))),
        Case(f"API open, page {page}", "/api/v1/items", [*active, ("page", str(page))],
             _api_list(open_list, page)),
        Case("page: worklist", "/", [], _page(open_list), api=False),
        Case("page: kind", "/", [("kind", KIND.value)],
             _page(ItemFilter(statuses=ACTIVE_STATUSES, kinds=(KIND,))), api=False),
        Case("page: overdue", "/", [("overdue", "yes")],
             _page(ItemFilter(statuses=ACTIVE_STATUSES, overdue=True)), api=False),
        Case("page: patient search", "/", [("patient", patient_id)],
             _page(ItemFilter(statuses=ACTIVE_STATUSES, patient_text=patient_id)), api=False),
    ]


Statement = tuple[str, Any]


@contextmanager
def _capturing(engine: Engine) -> Iterator[list[Statement]]:
    """The SQL (with parameters) the product sends, as the driver receives it."""
    captured: list[Statement] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _statements(engine: Engine, sessions: sessionmaker[Session], case: Case) -> list[Statement]:
    with sessions() as session, _capturing(engine) as captured:
        case.queries(session, utcnow())
    return list(captured)


def _timed(call: Callable[[], object], count: int, warm: int = 5) -> list[float]:
    for _ in range(warm):
        call()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _raw(db: psycopg.Connection[Any], statements: list[Statement]) -> Callable[[], object]:
    def run() -> None:
        for statement, parameters in statements:
            db.execute(statement, parameters).fetchall()

    return run


@dataclass
class PlanUse:
    indexes: set[str] = field(default_factory=set)
    seq_scans: set[str] = field(default_factory=set)


def _walk(node: dict[str, Any], use: PlanUse) -> None:
    if "Index Name" in node:
        only = " (index-only)" if node["Node Type"] == "Index Only Scan" else ""
        use.indexes.add(node["Index Name"] + only)
    if node["Node Type"] == "Seq Scan":
        use.seq_scans.add(node["Relation Name"])
    for child in node.get("Plans", []):
        _walk(child, use)


def _explain(db: psycopg.Connection[Any], statements: list[Statement]) -> PlanUse:
    use = PlanUse()
    for statement, parameters in statements:
        row = db.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                         parameters).fetchone()
        assert row is not None
        plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
        _walk(plan[0]["Plan"], use)
    return use


class CountingSender:
    """Delivers nothing; counts what the sweep would send."""

    channel = "email"

    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: Message) -> None:
        self.sent += 1


def _settle_reminders(db: psycopg.Connection[Any], sessions: sessionmaker[Session],
                      site: SiteConfig, leave: int) -> int:
    """Mark every reached level notified and escalated except ``leave`` of them, spread over the
    list: the state a running system's earlier sweeps leave. Levels come from the product's own
    rule (``notifications.levels.reached_level``)."""
    now = utcnow()
    with sessions() as session:
        rows = session.execute(
            select(Item.id, Item.kind, Item.due_at)
            .where(Item.status.in_([s.value for s in ACTIVE_STATUSES]), Item.due_at.is_not(None))
            .order_by(Item.id)
        ).all()
    reached = [(item_id, level) for item_id, kind, due_at in rows if due_at is not None
               and (level := reached_level(site.policy(ItemKind(kind)), due_at, now)) is not None]
    step = max(1, len(reached) // max(1, leave))
    kept = [pair for index, pair in enumerate(reached) if index % step or index // step >= leave]
    with db.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE settled (item_pk integer, level integer)")
        with cursor.copy("COPY settled (item_pk, level) FROM STDIN") as copy:
            for pair in kept:
                copy.write_row(pair)
        cursor.execute("INSERT INTO notifications (item_pk, level, channel, created_at, sent_at) "
                       "SELECT item_pk, level, %s, %s, %s FROM settled",
                       (CountingSender.channel, now, now))
        cursor.execute("UPDATE items SET escalation_level = s.level FROM settled AS s "
                       "WHERE items.id = s.item_pk AND items.escalation_level < s.level")
        cursor.execute("DROP TABLE settled")
    return len(reached)


def _credentials(sessions: sessionmaker[Session]) -> str:
    """A coordinator and a bearer token, made by the product's own account functions."""
    with sessions() as session:
        create_user(session, "bench-coordinator", PASSWORD, "coordinator")
        token = create_token(session, "bench-coordinator", "bench")
        session.commit()
    return token


def _web(stack: ExitStack, env: dict[str, str], log: Path) -> str:
    port = free_port()
    handle = stack.enter_context(open(log, "wb"))
    process = Process(worklist_command("web"), env | {"WORKLIST_HTTP_PORT": str(port)}, handle)
    stack.callback(process.stop)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code in (200, 503)
        except httpx.HTTPError:
            return False

    wait_until(up, 120, "the web server", interval=0.2)
    return base


def measure(quick: bool = False) -> list[Section]:
    patients, items = QUICK if quick else FULL
    requests = 40 if quick else 200
    figures: list[Figure] = []
    notes: list[str] = []
    plans: list[str] = []
    with ExitStack() as stack:
        stack.enter_context(all_cores())
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
        url = stack.enter_context(bench_database("bench_scale"))
        env = product_env(url, workdir / "data", dicom_port=str(free_port()))
        run_worklist(env, "db", "upgrade")
        clock = time.perf_counter()
        seeded = run_worklist(env, "db", "seed-scale", "--exams", "0", "--patients", str(patients),
                              "--items", str(items)).strip()
        seed_wall = time.perf_counter() - clock
        notes.append(f"`worklist db seed-scale --patients {patients} --items {items}`: {seeded} "
                     f"({seed_wall:.0f} s with the command's start-up).")

        engine = make_engine(url)
        stack.callback(engine.dispose)
        sessions = make_session_factory(engine)
        token = _credentials(sessions)
        db = stack.enter_context(psycopg.connect(url, autocommit=True))
        active_row = db.execute(
            "SELECT count(*) FROM items WHERE status IN ('open', 'acknowledged')").fetchone()
        active = int(active_row[0]) if active_row else 0
        # A patient in the middle of the seeded range, with the ~10 items of an average patient.
        patient_id = f"SEED-{patients // 2:07d}"
        cases = _cases(patient_id, max(1, math.ceil(active / 50)))

        base = _web(stack, env, workdir / "web.log")
        client = stack.enter_context(httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60))
        health = _timed(lambda: client.get("/health").raise_for_status(), requests)

        for case in cases:
            def get(case: Case = case) -> None:
                client.get(case.path, params=tuple(case.params)).raise_for_status()

            # Pages cost more and vary less than API calls: half as many suffice.
            ours = _timed(get, requests if case.api else requests // 2)
            statements = _statements(engine, sessions, case)
            raw = _timed(_raw(db, statements), requests // 2)
            target = f"p95 < {API_TARGET_MS:g} ms" if case.api and case.held else ""
            for q in (50, 95):
                figures.append(Figure(f"{case.name} p{q}", "ms", percentile(ours, q),
                                      percentile(raw, q), higher_is_better=False,
                                      target=target if q == 95 else ""))
            use = _explain(db, statements)
            scans = f"; sequential scans: {', '.join(sorted(use.seq_scans))}" if use.seq_scans \
                else ""
            plans.append(f"EXPLAIN {case.name}: {', '.join(sorted(use.indexes)) or 'no index'}"
                         f"{scans}.")

        settings = load_settings(database_url=url, data_dir=workdir / "data")
        site = load_site_config(None)
        leave = SWEEP_NEW // 10 if quick else SWEEP_NEW
        reached = _settle_reminders(db, sessions, site, leave=leave)
        sweeps = []
        for _ in range(2):
            sender = CountingSender()
            clock = time.perf_counter()
            remind(sessions, settings, site, [sender], utcnow())
            sweeps.append((time.perf_counter() - clock, sender.sent))
    (first, sent), (steady, repeated) = sweeps
    per_message = (first - steady) / max(1, sent) * 1000
    figures += [
        Figure("reminder sweep, nothing new", "s", steady, higher_is_better=False,
               target="well under its 60 s period"),
        Figure("reminder sweep, per reminder sent", "ms", per_message, higher_is_better=False),
    ]
    notes += [
        f"{patients:,} patients, {items:,} items, {active:,} of them active (open or "
        f"acknowledged); {requests} requests per API case and {requests // 2} per page (and per "
        "peer), one at a time, after 5 warm-up requests; "
        "uvicorn serves `worklist web` in its own process; the client is httpx with keep-alive.",
        "The API lists active items unless asked for others; asked for every status, its total "
        "counts every item ever opened, a full index scan, so that case is not held to the "
        "open-worklist target.",
        f"Page cases render `/` (the coordinator's worklist: active items, {PAGE_SIZE} a page, "
        "with counts by kind and the alarms); the patient search matches a Patient ID or part "
        "of a name, which no B-tree index can serve (a scan of the patients).",
        f"/health on the same server (the framework's floor, two tiny queries): p50 "
        f"{percentile(health, 50):.1f} ms, p95 {percentile(health, 95):.1f} ms.",
        f"Reminder sweep (`notifications.service.remind`, one counting sender): {reached:,} "
        f"active items had reached a reminder or escalation level; all but {leave} were "
        "marked notified and escalated first, as earlier sweeps would have left them. The first "
        "sweep sent "
        f"{sent} in {first:.2f} s, the next found {repeated} new in {steady:.2f} s: the periodic "
        "cost is reading the candidates and their notifications; each message sent adds a "
        "claim, a delivery record and, past the due date, an escalation, each its own "
        "transaction (a first sweep over this database, nothing "
        f"yet notified, would take about {reached * per_message / 1000:.0f} s).",
    ]
    notes += plans
    return [Section(
        "Worklist at scale (1M items, PostgreSQL)" if not quick else "Worklist at scale (quick)",
        "python -m bench.run --only bench_scale",
        "the same SQL statements, captured from the product's repository, run bare via psycopg",
        figures, notes,
    )]


def main() -> None:
    import sys

    for section in measure(quick="--full" not in sys.argv):
        for figure in section.figures:
            peer = f" (peer {figure.peer:.2f})" if figure.peer is not None else ""
            print(f"{figure.metric}: {figure.ours:.2f} {figure.unit}{peer}")
        for note in section.notes:
            print("-", note)


if __name__ == "__main__":
    main()
