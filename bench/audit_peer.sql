-- The peer of bench/bench_audit.py: the rows the outcomes audit reads, fetched bare through
-- psycopg (no ORM, no rules). Two statements, separated by a line holding only ';'.
-- Parameters: %(start)s and %(end)s, the period's first moment and a year past its end.

-- 1. Radiology reports of the period and the year after, with their assessments.
SELECT r.sop_instance_uid, r.patient_pk, p.patient_id,
       COALESCE(r.observed_at, s.study_date), r.title, s.description, r.interpreter,
       r.predecessor_uids, r.facts -> 'assessments'
FROM reports AS r
JOIN patients AS p ON p.id = r.patient_pk
LEFT JOIN studies AS s ON s.id = r.study_pk
WHERE r.kind = 'radiology'
  AND ((r.observed_at >= %(start)s AND r.observed_at < %(end)s)
       OR (r.observed_at IS NULL AND s.study_date >= %(start)s AND s.study_date < %(end)s))
;
-- 2. Pathology results dated by their biopsy, else their report.
SELECT r.sop_instance_uid, pr.specimen_index, pr.patient_pk,
       COALESCE(pr.laterality, b.laterality), COALESCE(b.performed_at, r.observed_at),
       pr.category, pr.lesions, CASE WHEN pr.category = 'malignant' THEN r.text ELSE '' END
FROM pathology_results AS pr
JOIN reports AS r ON r.id = pr.report_pk
LEFT JOIN procedures AS b ON b.id = pr.procedure_pk
WHERE COALESCE(b.performed_at, r.observed_at) >= %(start)s
  AND COALESCE(b.performed_at, r.observed_at) < %(end)s
