"""The examinations ``worklist db seed-scale`` adds for the outcomes audit: radiology reports with
a final assessment and an interpreting physician, spread over the past years, and pathology for
most examinations that recommended tissue diagnosis (malignant more often the higher the
category). Generated inside PostgreSQL like the rest of the seed; shares follow a screening
programme (recall about 10%, 4-5 assessments mostly at diagnostic work-up)."""

from __future__ import annotations

from itertools import accumulate
from typing import Any

from sqlalchemy import Connection, text

SCREENING_SHARE = 0.85
SCREENING_ASSESSMENTS = {"1": 0.55, "2": 0.345, "0": 0.10, "3": 0.003, "4A": 0.001, "4B": 0.0005,
                         "4C": 0.0003, "5": 0.0002}
DIAGNOSTIC_ASSESSMENTS = {"1": 0.10, "2": 0.50, "3": 0.17, "4A": 0.09, "4B": 0.05, "4C": 0.035,
                          "5": 0.045, "6": 0.01}
MALIGNANT_SHARE = {"4A": 0.06, "4B": 0.25, "4C": 0.70, "5": 0.95}
"""Within each suspicious category, the share whose biopsy shows cancer (ACR Atlas ranges)."""
BIOPSIED_SHARE = 0.92
WORK_UP_SHARE = 0.97
"""Of recalled screens (BI-RADS 0), the share worked up (the others are lost to follow-up)."""
WORK_UP_ASSESSMENTS = {"1": 0.05, "2": 0.60, "3": 0.20, "4A": 0.06, "4B": 0.045, "4C": 0.03,
                       "5": 0.015}
"""The work-up's final assessment: about 15% recommend tissue diagnosis."""
READERS = [f"SEEDREADER{n:02d}, SYNTHETIC, MD" for n in range(1, 13)]


def _bounds(shares: dict[str, float]) -> tuple[list[str], list[float]]:
    total = sum(shares.values())
    return list(shares), [0.0, *(c / total for c in accumulate(shares.values()))][:-1]


_EXAMS = """
INSERT INTO reports (sop_instance_uid, patient_pk, kind, title, observed_at, predecessor_uids,
                     text, machine_readable, facts, interpreter, created_at, updated_at)
WITH draw AS MATERIALIZED (
    SELECT g, random() AS r_patient, random() AS r_day, random() AS r_purpose,
           random() AS r_category, random() AS r_side, random() AS r_reader
    FROM generate_series(1, :exams) AS g
), shaped AS (
    SELECT d.*, p.id AS patient_pk, d.r_purpose < :screening_share AS screening,
           now() - interval '1 day' * (3 + d.r_day * :days) AS moment
    FROM draw AS d JOIN seed_patient AS p ON p.n = 1 + floor(d.r_patient * :patients)::int
), assessed AS (
    SELECT s.*,
           CASE WHEN s.screening
                THEN (CAST(:screen_categories AS text[]))[
                     width_bucket(s.r_category, CAST(:screen_bounds AS float8[]))]
                ELSE (CAST(:diag_categories AS text[]))[
                     width_bucket(s.r_category, CAST(:diag_bounds AS float8[]))] END AS category
    FROM shaped AS s
)
SELECT '2.25.8' || (:uid_base + g), patient_pk, 'radiology',
       CASE WHEN screening THEN 'Mammography Screening Report'
            ELSE 'Mammography Diagnostic Report' END,
       moment, '[]'::json, '', true,
       json_build_object('source_uid', '2.25.8' || (:uid_base + g), 'kind', 'radiology',
                         'assessments', json_build_array(json_build_object(
                             'category', category,
                             'laterality', CASE WHEN screening AND category IN ('1', '2') THEN NULL
                                                WHEN r_side < 0.5 THEN 'L' ELSE 'R' END))),
       (CAST(:readers AS text[]))[1 + floor(r_reader * :reader_count)::int], moment, moment
FROM assessed
"""

# Recalled screens are worked up by a diagnostic examination of the recalled breast ten days
# later (a few never are: lost to follow-up); those recommending tissue diagnosis get pathology
# below, which gives the screens their PPV2/PPV3 and detected cancers.
_WORK_UP = """
INSERT INTO reports (sop_instance_uid, patient_pk, kind, title, observed_at, predecessor_uids,
                     text, machine_readable, facts, interpreter, created_at, updated_at)
WITH recalled AS MATERIALIZED (
    SELECT r.id, r.patient_pk, r.observed_at + interval '10 days' AS moment,
           r.facts -> 'assessments' -> 0 ->> 'laterality' AS side,
           random() AS r_work_up, random() AS r_category, random() AS r_reader
    FROM reports AS r JOIN seed_patient AS p ON p.id = r.patient_pk
    WHERE r.kind = 'radiology' AND r.id > :reports_before
      AND r.facts -> 'assessments' -> 0 ->> 'category' = '0'
      AND r.observed_at < now() - interval '12 days'
)
SELECT '2.25.6' || id, patient_pk, 'radiology', 'Mammography Diagnostic Report', moment,
       '[]'::json, '', true,
       json_build_object('source_uid', '2.25.6' || id, 'kind', 'radiology',
                         'assessments', json_build_array(json_build_object(
                             'category', (CAST(:categories AS text[]))[
                                 width_bucket(r_category, CAST(:bounds AS float8[]))],
                             'laterality', side))),
       (CAST(:readers AS text[]))[1 + floor(r_reader * :reader_count)::int], moment, moment
FROM recalled WHERE r_work_up < :work_up_share
"""

_PATHOLOGY = """
WITH suspicious AS MATERIALIZED (
    SELECT r.id, r.patient_pk, r.observed_at,
           r.facts -> 'assessments' -> 0 ->> 'laterality' AS side,
           r.facts -> 'assessments' -> 0 ->> 'category' AS category,
           random() AS r_biopsy, random() AS r_malignant, random() AS r_kind, random() AS r_size
    FROM reports AS r JOIN seed_patient AS p ON p.id = r.patient_pk
    WHERE r.kind = 'radiology' AND r.id > :reports_before
      AND r.facts -> 'assessments' -> 0 ->> 'category' IN ('4A', '4B', '4C', '5')
), judged AS (
    SELECT s.*, s.r_malignant < (CAST(:malignant_share AS float8[]))[
               array_position(CAST(:suspicious AS text[]), s.category)] AS malignant
    FROM suspicious AS s
    WHERE s.r_biopsy < :biopsied_share AND s.observed_at < now() - interval '10 days'
), written AS (
    INSERT INTO reports (sop_instance_uid, patient_pk, kind, title, observed_at, predecessor_uids,
                         text, machine_readable, facts, interpreter, created_at, updated_at)
    SELECT '2.25.7' || j.id, j.patient_pk, 'pathology', 'Surgical pathology report',
           j.observed_at + interval '8 days', '[]'::json,
           CASE WHEN NOT j.malignant THEN 'Needle core biopsy: fibroadenoma.'
                WHEN j.r_kind < 0.75 THEN 'Needle core biopsy: invasive ductal carcinoma, grade 2, '
                     || 'tumor size ' || (4 + floor(j.r_size * 25))::int || ' mm. Sentinel lymph '
                     || 'nodes ' || CASE WHEN j.r_size < 0.7 THEN 'negative (0/2).'
                                         ELSE 'positive (1/3).' END
                ELSE 'Needle core biopsy: ductal carcinoma in situ, intermediate grade.' END,
           true, '{}'::json, 'SEEDPATHOLOGIST, SYNTHETIC, MD', now(), now()
    FROM judged AS j
    RETURNING id, sop_instance_uid
)
INSERT INTO pathology_results (patient_pk, report_pk, specimen_index, category, laterality,
                               diagnosis, lesions, created_at, updated_at)
SELECT j.patient_pk, w.id, 0, CASE WHEN j.malignant THEN 'malignant' ELSE 'benign' END, j.side,
       CASE WHEN NOT j.malignant THEN 'fibroadenoma' WHEN j.r_kind < 0.75
            THEN 'invasive ductal carcinoma' ELSE 'ductal carcinoma in situ' END,
       json_build_array(CASE WHEN NOT j.malignant THEN 'fibroadenoma' WHEN j.r_kind < 0.75
                             THEN 'invasive-ductal-carcinoma'
                             ELSE 'ductal-carcinoma-in-situ' END), now(), now()
FROM written AS w JOIN judged AS j ON w.sop_instance_uid = '2.25.7' || j.id
"""


def seed_exams(connection: Connection, exams: int, patients: int, years: float
               ) -> tuple[int, int]:
    """Add ``exams`` examinations over the past ``years`` (to the seeded patients numbered in
    ``seed_patient``), the work-up of some recalls, and pathology; returns (examinations with
    the work-up ones, pathology results)."""
    if exams <= 0:
        return 0, 0
    before = connection.execute(text("SELECT COALESCE(max(id), 0) FROM reports")).scalar_one()
    screen_categories, screen_bounds = _bounds(SCREENING_ASSESSMENTS)
    diag_categories, diag_bounds = _bounds(DIAGNOSTIC_ASSESSMENTS)
    parameters: dict[str, Any] = {
        "exams": exams, "patients": patients, "uid_base": before, "days": years * 365,
        "screening_share": SCREENING_SHARE, "screen_categories": screen_categories,
        "screen_bounds": screen_bounds, "diag_categories": diag_categories,
        "diag_bounds": diag_bounds, "readers": READERS, "reader_count": len(READERS),
    }
    made = connection.execute(text(_EXAMS), parameters).rowcount
    categories, bounds = _bounds(WORK_UP_ASSESSMENTS)
    made += connection.execute(text(_WORK_UP), {
        "reports_before": before, "categories": categories, "bounds": bounds,
        "work_up_share": WORK_UP_SHARE, "readers": READERS, "reader_count": len(READERS)}).rowcount
    suspicious = list(MALIGNANT_SHARE)
    results = connection.execute(text(_PATHOLOGY), {
        "reports_before": before, "suspicious": suspicious,
        "malignant_share": [MALIGNANT_SHARE[c] for c in suspicious],
        "biopsied_share": BIOPSIED_SHARE}).rowcount
    return made, results
