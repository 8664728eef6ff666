-- The peer of bench/bench_audit.py: the rows the outcomes audit reads, fetched bare through
-- psycopg (no ORM, no rules). Statements are separated by a line holding only ';'.
-- Named parameters: start and end (the period), horizon (a year past its end) and positive
-- (patients with a positive report in the period, taken from the first statement's rows).

-- 1. Radiology reports of the period, each assessment folded to side:category.
SELECT r.sop_instance_uid, r.patient_pk, p.patient_id, COALESCE(r.observed_at, s.study_date),
       r.title, s.description, r.interpreter,
       CASE WHEN json_array_length(r.predecessor_uids) > 0 THEN CAST(r.predecessor_uids AS TEXT) END,
       (SELECT string_agg(COALESCE(a ->> 'laterality', '') || ':' || (a ->> 'category'), ',')
        FROM json_array_elements(r.facts -> 'assessments') AS a)
FROM reports AS r
JOIN patients AS p ON p.id = r.patient_pk
LEFT JOIN studies AS s ON s.id = r.study_pk
WHERE r.kind = 'radiology'
  AND ((r.observed_at >= %(start)s AND r.observed_at < %(end)s)
       OR (r.observed_at IS NULL AND s.study_date >= %(start)s AND s.study_date < %(end)s))
;
-- 2. Reports of the year after that can change an outcome: patients with a tissue diagnosis or
--    a positive report in the period, and addenda.
SELECT r.sop_instance_uid, r.patient_pk, p.patient_id, COALESCE(r.observed_at, s.study_date),
       r.title, s.description, r.interpreter,
       CASE WHEN json_array_length(r.predecessor_uids) > 0 THEN CAST(r.predecessor_uids AS TEXT) END,
       (SELECT string_agg(COALESCE(a ->> 'laterality', '') || ':' || (a ->> 'category'), ',')
        FROM json_array_elements(r.facts -> 'assessments') AS a)
FROM reports AS r
JOIN patients AS p ON p.id = r.patient_pk
LEFT JOIN studies AS s ON s.id = r.study_pk
WHERE r.kind = 'radiology' AND r.observed_at >= %(end)s AND r.observed_at < %(horizon)s
  AND (r.patient_pk IN (SELECT patient_pk FROM pathology_results)
       OR r.patient_pk IN (SELECT unnest(CAST(%(positive)s AS int[])))
       OR json_array_length(r.predecessor_uids) > 0)
;
-- 3. Pathology results dated by their biopsy, else their report.
SELECT r.sop_instance_uid, pr.specimen_index, pr.patient_pk,
       COALESCE(pr.laterality, b.laterality), COALESCE(b.performed_at, r.observed_at),
       pr.category, pr.lesions, CASE WHEN pr.category = 'malignant' THEN r.text ELSE '' END
FROM pathology_results AS pr
JOIN reports AS r ON r.id = pr.report_pk
LEFT JOIN procedures AS b ON b.id = pr.procedure_pk
WHERE COALESCE(b.performed_at, r.observed_at) >= %(start)s
  AND COALESCE(b.performed_at, r.observed_at) < %(horizon)s
