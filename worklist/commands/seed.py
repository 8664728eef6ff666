"""``worklist db seed-scale``: fill a PostgreSQL database with a large synthetic case load, for
measuring the worklist at scale (``bench/bench_scale.py``) or sizing a server.

Everything is generated inside PostgreSQL (``INSERT ... SELECT`` over ``generate_series``), so a
million items take about a minute, not hours. The shape follows a breast centre's history: most
items closed over the past five years, about 1.5% still active and recent, kinds weighted as they
occur (follow-ups, pathology and concordance after every biopsy far ahead of rare referrals),
priorities and due dates from the site file. Identifiers are plainly synthetic (issuer
``SCALE-SEED``, Patient IDs ``SEED-0000001``...), so seeded rows can never pass for patients.
The draw is seeded: the same sizes on an empty database give the same rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import typer
from sqlalchemy import Connection, Engine, text

from rules.items import ItemKind, Priority
from rules.site import SiteConfig, load_site_config
from worklist.commands.common import settings_or_exit
from worklist.commands.seed_exams import seed_exams
from worklist.db.engine import make_engine

SEED_ISSUER = "SCALE-SEED"
SEED_ACTOR = "seed"
FINDINGS_PER_PATIENT = 3
"""Finding 1 a mass, 2 calcifications, 3 an asymmetry (key ``seed-<n>``)."""


@dataclass(frozen=True)
class KindShape:
    weight: float
    """Relative frequency among all items ever opened."""
    finding: int | None
    """Which of the patient's findings it is about (0: any of them), None: not about a finding."""
    next_step: str
    evidence: str


KINDS: dict[ItemKind, KindShape] = {
    ItemKind.FOLLOW_UP_DUE: KindShape(
        28, None, "Schedule the follow-up mammogram.",
        "BI-RADS 3, probably benign. Short-interval follow-up in 6 months."),
    ItemKind.PATHOLOGY_PENDING: KindShape(
        13, 0, "Chase the pathology result of this biopsy.",
        "Ultrasound-guided core biopsy, four cores; clip placed."),
    ItemKind.CONCORDANCE_PENDING: KindShape(
        13, 0, "Document radiology-pathology concordance for this biopsy.",
        "Final diagnosis: fibroadenoma."),
    ItemKind.UNSAMPLED_FINDING: KindShape(
        8, 0, "Stereotactic or tomosynthesis-guided core biopsy, with a clip.",
        "BI-RADS 4. Biopsy is recommended."),
    ItemKind.PRIORS_PENDING: KindShape(
        7, None, "Retrieve the outside prior mammograms for comparison.",
        "Outside prior mammograms are requested for comparison."),
    ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING: KindShape(
        7, None, "Schedule whole-breast ultrasound.",
        "Heterogeneously dense breasts; supplemental ultrasound is recommended."),
    ItemKind.MAGNIFICATION_VIEWS_PENDING: KindShape(
        6, 2, "Spot-magnification views of the calcifications before any biopsy decision.",
        "Grouped amorphous calcifications; magnification views are recommended."),
    ItemKind.CORRELATION_REVIEW: KindShape(
        4, 0, "Review the images and reports: decide which finding this biopsy sampled.",
        "The biopsied lesion probably corresponds to the mammographic finding."),
    ItemKind.MALIGNANCY_REFERRAL: KindShape(
        3, 0, "Surgical and oncology referral.", "Invasive ductal carcinoma, grade 2."),
    ItemKind.HIGH_RISK_LESION: KindShape(
        3, 0, "Surgical consultation about excision.", "Atypical ductal hyperplasia."),
    ItemKind.PALPABLE_CORRELATION: KindShape(
        2.5, 0, "Correlate the palpable site with the imaging findings.",
        "Palpable lump reported by the patient."),
    ItemKind.SPECIMEN_RADIOGRAPH_MISSING: KindShape(
        2, 2, "Obtain or document the specimen radiograph.",
        "Stereotactic vacuum-assisted biopsy of the calcifications."),
    ItemKind.DISCORDANT_PATHOLOGY: KindShape(
        1.5, 0, "Surgical excision or repeat biopsy, not routine follow-up.",
        "Benign breast tissue, discordant with a BI-RADS 5 mass."),
    ItemKind.SURGICAL_BIOPSY_REFERRAL: KindShape(
        1, 2, "Refer for open surgical biopsy.", "Stereotactic biopsy is not feasible."),
    ItemKind.CALCIFICATIONS_BIOPSIED_UNDER_US: KindShape(
        1, 2, "Stereotactic biopsy of the calcifications.",
        "Ultrasound-guided biopsy targeting the calcifications."),
}

ACTIVE_SHARE = {"open": 0.010, "acknowledged": 0.005}
"""Of all items; the rest closed: resolved (most) or dismissed by a radiologist."""
DISMISSED_SHARE = 0.08
URGENT_RAISE = {Priority.HIGH: 0.12, Priority.ROUTINE: 0.0}
"""Share of items raised to urgent by clinical risk (developing asymmetry, palpability...)."""
ACTIVE_AGE = 1.3
"""An active item's age, drawn up to this many times its due interval: ~23% overdue."""
EXAM_YEARS = 3.0
"""Seeded examinations spread over this many years: 300,000 give about 100,000 a year."""
FOLLOW_UP_DUE_DAYS = (210, 395)
"""6-month and annual follow-up, each with the 30-day window (site file, follow_up)."""


class SeedRefused(Exception):
    """The database is not one to seed; the message says why."""


@dataclass(frozen=True)
class SeedReport:
    patients: int
    findings: int
    items: int
    events: int
    seconds: float
    exams: int = 0
    pathology: int = 0


def _bounds(weights: list[float]) -> list[float]:
    """``width_bucket`` thresholds: bucket i (1-based) for a uniform draw in [0, 1)."""
    total = sum(weights)
    return [0.0, *(c / total for c in accumulate(weights))][:-1]


def _kind_parameters(site: SiteConfig) -> dict[str, Any]:
    kinds = list(KINDS)
    policies = [site.policy(kind) for kind in kinds]
    return {
        "kind_bounds": _bounds([KINDS[k].weight for k in kinds]),
        "kinds": [k.value for k in kinds],
        "priorities": [p.priority.value for p in policies],
        "raise": [URGENT_RAISE.get(p.priority, 0.0) for p in policies],
        "due_days": [p.due_days for p in policies],
        "urgent_due_days": [p.urgent_due_days or p.due_days for p in policies],
        "finding": [-1 if KINDS[k].finding is None else KINDS[k].finding for k in kinds],
        "next_steps": [KINDS[k].next_step for k in kinds],
        "evidence": [KINDS[k].evidence for k in kinds],
    }


_PATIENTS = """
INSERT INTO patients (patient_id, issuer, name, birth_date, sex, created_at, updated_at)
SELECT 'SEED-' || lpad((:first + g - 1)::text, 7, '0'), :issuer, 'SEED^PATIENT' || (:first + g - 1),
       date '1935-01-01' + (random() * 20000)::int, 'F', now(), now()
FROM generate_series(1, :patients) AS g
"""

# Seeded patients numbered 1..P in this run, for drawing an item's patient by number.
_NUMBERED = """
CREATE TEMPORARY TABLE seed_patient ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM patients
WHERE issuer = :issuer AND id > :before
"""

_FINDINGS = """
INSERT INTO findings (patient_pk, finding_key, type, laterality, location, summary, first_seen_at,
                      created_at, updated_at)
SELECT p.id, 'seed-' || k, (ARRAY['mass', 'calcifications', 'asymmetry'])[k],
       CASE WHEN (p.n + k) % 2 = 0 THEN 'L' ELSE 'R' END,
       json_build_object('clock', 1 + (p.n * 7 + k * 5) % 12,
                         'depth', (ARRAY['anterior', 'middle', 'posterior'])[1 + (p.n + k) % 3],
                         'nipple_distance_mm', 10 + (p.n * 13 + k * 29) % 90),
       '{}'::json, now() - interval '1 day' * (p.n % 1800), now(), now()
FROM seed_patient AS p CROSS JOIN generate_series(1, 3) AS k
"""

# One uniform draw per property of each item; materialised so every draw happens once.
_ITEMS = """
INSERT INTO items (patient_pk, item_key, kind, status, priority, priority_rank, priority_reasons,
                   laterality, finding_key, finding_type, location, next_step, closes_when,
                   evidence, closing_evidence, opened_at, due_at, escalation_level, closed_at,
                   created_at, updated_at)
WITH draw AS MATERIALIZED (
    SELECT g, random() AS r_patient, random() AS r_kind, random() AS r_status, random() AS r_age,
           random() AS r_side, random() AS r_finding, random() AS r_raise, random() AS r_close
    FROM generate_series(1, :items) AS g
), shaped AS (
    SELECT d.*, p.id AS patient_pk, p.n,
           width_bucket(d.r_kind, CAST(:kind_bounds AS float8[])) AS ki,
           CASE WHEN d.r_status < :open_share THEN 'open'
                WHEN d.r_status < :active_share THEN 'acknowledged'
                WHEN d.r_status < :active_share + :dismissed_share THEN 'dismissed'
                ELSE 'resolved' END AS status
    FROM draw AS d JOIN seed_patient AS p ON p.n = 1 + floor(d.r_patient * :patients)::int
), kinded AS (
    SELECT s.*, (CAST(:kinds AS text[]))[ki] AS kind,
           CASE WHEN (CAST(:priorities AS text[]))[ki] <> 'urgent'
                     AND s.r_raise < (CAST(:raise AS float8[]))[ki]
                THEN 'urgent' ELSE (CAST(:priorities AS text[]))[ki] END AS priority,
           (CAST(:finding AS int[]))[ki] AS finding_mode
    FROM shaped AS s
), placed AS (
    SELECT k.*,
           CASE k.finding_mode WHEN -1 THEN NULL WHEN 0 THEN 1 + floor(k.r_finding * 3)::int
                ELSE k.finding_mode END AS finding_no,
           CASE WHEN k.kind = 'follow-up-due'
                THEN CASE WHEN k.r_finding < 0.4 THEN :short_follow_up ELSE :annual_follow_up END
                WHEN k.priority = 'urgent' THEN (CAST(:urgent_due_days AS int[]))[k.ki]
                ELSE (CAST(:due_days AS int[]))[k.ki] END AS due_days
    FROM kinded AS k
), dated AS (
    -- Active items opened within about their own interval, so roughly a quarter are overdue;
    -- closed ones spread over five years.
    SELECT p.*, now() - interval '1 day' * CASE WHEN p.status IN ('open', 'acknowledged')
                                              THEN p.r_age * p.due_days * :active_age
                                              ELSE 75 + p.r_age * 1750 END AS opened_at
    FROM placed AS p
)
SELECT patient_pk, kind || ':' || 'seed-' || g, kind, status, priority,
       CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, '[]'::json,
       CASE WHEN finding_no IS NOT NULL
                THEN CASE WHEN (n + finding_no) % 2 = 0 THEN 'L' ELSE 'R' END
            WHEN r_side < 0.6 THEN 'B' WHEN r_side < 0.8 THEN 'L' ELSE 'R' END,
       CASE WHEN finding_no IS NOT NULL THEN 'seed-' || finding_no END,
       (ARRAY['mass', 'calcifications', 'asymmetry'])[finding_no],
       CASE WHEN finding_no IS NOT NULL THEN json_build_object(
           'clock', 1 + (n * 7 + finding_no * 5) % 12,
           'depth', (ARRAY['anterior', 'middle', 'posterior'])[1 + (n + finding_no) % 3])
            ELSE '{}'::json END,
       (CAST(:next_steps AS text[]))[ki], '',
       json_build_array(json_build_object('source_uid', '2.25.' || (:uid_base + g),
                                          'text', (CAST(:evidence AS text[]))[ki])),
       '[]'::json, opened_at, opened_at + interval '1 day' * due_days, 0,
       CASE WHEN status IN ('resolved', 'dismissed')
            THEN opened_at + interval '1 day' * due_days * r_close * 1.5 END,
       opened_at, COALESCE(
           CASE WHEN status IN ('resolved', 'dismissed')
                THEN opened_at + interval '1 day' * due_days * r_close * 1.5 END, opened_at)
FROM dated
"""

# Every item's history: opened by the pipeline, and closed by it or by a radiologist.
_EVENTS = """
INSERT INTO item_events (item_pk, at, actor, action, reason, data)
SELECT i.id, i.opened_at, 'pipeline', 'opened', i.next_step, '{}'::json
FROM items AS i JOIN seed_patient AS p ON p.id = i.patient_pk
UNION ALL
SELECT i.id, i.closed_at, CASE WHEN i.status = 'dismissed' THEN :actor ELSE 'pipeline' END,
       i.status, CASE WHEN i.status = 'dismissed' THEN 'not needed (synthetic)' ELSE '' END,
       '{}'::json
FROM items AS i JOIN seed_patient AS p ON p.id = i.patient_pk
WHERE i.status IN ('resolved', 'dismissed')
"""


BULK_TABLES = ("findings", "items", "item_events")

# What pg_restore does: secondary indexes, unique constraints and foreign keys of the tables being
# filled are dropped and rebuilt once after the load (one sort, one join), rather than updated and
# checked row by row. Taken from the catalogue, so exactly what was there comes back; inside the
# load's transaction, so a failure leaves the schema as it was.
_DEFERRABLE = """
SELECT 'ALTER TABLE ' || c.conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(c.conname),
       'ALTER TABLE ' || c.conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(c.conname)
       || ' ' || pg_get_constraintdef(c.oid),
       CASE c.contype WHEN 'f' THEN 0 ELSE 1 END
FROM pg_constraint AS c
WHERE c.conrelid = ANY(CAST(:tables AS regclass[])) AND c.contype IN ('f', 'u')
UNION ALL
SELECT 'DROP INDEX ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid), 2
FROM pg_index AS i
WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
ORDER BY 3
"""


def _drop_deferrable(connection: Connection) -> list[str]:
    """Drop the bulk tables' indexes and constraints; returns the statements that rebuild them."""
    rows = connection.execute(text(_DEFERRABLE), {"tables": list(BULK_TABLES)}).all()
    for drop, _, _ in rows:
        connection.execute(text(drop))
    return [create for _, create, _ in reversed(rows)]


def _guard(connection: Connection, force: bool) -> None:
    foreign = connection.execute(
        text("SELECT count(*) FROM patients WHERE issuer <> :issuer"), {"issuer": SEED_ISSUER}
    ).scalar_one()
    if foreign and not force:
        raise SeedRefused(
            f"the database holds {foreign} patients that were not seeded; seeding would mix "
            "synthetic items into a real worklist (use a fresh database, or --force)"
        )


def seed(engine: Engine, patients: int, items: int, site: SiteConfig, *, force: bool = False,
         draw_seed: float = 0.42, exams: int = 0, exam_years: float = EXAM_YEARS) -> SeedReport:
    """Add ``patients`` synthetic patients and ``items`` items (with findings and events) in one
    transaction, then vacuum and analyse so the planner sees the new sizes at once."""
    if engine.dialect.name != "postgresql":
        raise SeedRefused("seed-scale generates its rows inside PostgreSQL; point "
                          "WORKLIST_DATABASE_URL at a PostgreSQL database")
    if patients < 1 or items < 0:
        raise SeedRefused("--patients must be at least 1 and --items not negative")
    start = time.perf_counter()
    with engine.begin() as connection:
        _guard(connection, force)
        connection.execute(text("SELECT setseed(:seed)"), {"seed": draw_seed})
        before = connection.execute(text("SELECT COALESCE(max(id), 0) FROM patients")).scalar_one()
        first = 1 + connection.execute(
            text("SELECT count(*) FROM patients WHERE issuer = :issuer"), {"issuer": SEED_ISSUER}
        ).scalar_one()
        uid_base = connection.execute(text("SELECT COALESCE(max(id), 0) FROM items")).scalar_one()
        connection.execute(text(_PATIENTS), {"first": first, "issuer": SEED_ISSUER,
                                             "patients": patients})
        connection.execute(text(_NUMBERED), {"issuer": SEED_ISSUER, "before": before})
        rebuild = _drop_deferrable(connection)
        findings = connection.execute(text(_FINDINGS)).rowcount
        active = sum(ACTIVE_SHARE.values())
        made = connection.execute(text(_ITEMS), {
            "items": items, "patients": patients, "uid_base": uid_base,
            "open_share": ACTIVE_SHARE["open"], "active_share": active,
            "dismissed_share": DISMISSED_SHARE, "short_follow_up": FOLLOW_UP_DUE_DAYS[0],
            "annual_follow_up": FOLLOW_UP_DUE_DAYS[1], "active_age": ACTIVE_AGE,
            **_kind_parameters(site),
        }).rowcount
        events = connection.execute(text(_EVENTS), {"actor": SEED_ACTOR}).rowcount
        audited, pathology = seed_exams(connection, exams, patients, exam_years)
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for statement in rebuild:
            connection.execute(text(statement))
    # A bulk load leaves no statistics and no visibility map: without them the planner guesses
    # and index-only scans visit the heap, until autovacuum comes by.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("patients", "findings", "items", "item_events", "reports",
                      "pathology_results"):
            connection.execute(text(f"VACUUM (ANALYZE) {table}"))
    return SeedReport(patients, findings, made, events, time.perf_counter() - start, audited,
                      pathology)


def seed_scale(
    patients: int = typer.Option(100_000, help="Synthetic patients to add."),
    items: int = typer.Option(1_000_000, help="Items to spread over them."),
    exams: int = typer.Option(
        300_000, help=f"Examinations (radiology reports with an assessment) over the past "
                      f"{EXAM_YEARS:g} years, with pathology, for the outcomes audit."),
    force: bool = typer.Option(False, "--force",
                               help="Seed even though the database holds other patients."),
) -> None:
    """Fill a PostgreSQL database with a large synthetic case load (for benchmarks and sizing).
    Refuses a database that holds anything but seeded patients, unless --force."""
    settings = settings_or_exit()
    engine = make_engine(settings.effective_database_url)
    try:
        report = seed(engine, patients, items, load_site_config(settings.site_config), force=force,
                      exams=exams)
    except SeedRefused as error:
        typer.echo(f"worklist: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    typer.echo(f"seeded {report.patients} patients, {report.findings} findings, {report.items} "
               f"items, {report.events} item events, {report.exams} examinations and "
               f"{report.pathology} pathology results in {report.seconds:.1f} s")
