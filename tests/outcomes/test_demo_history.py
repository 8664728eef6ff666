"""The demo's generated history makes a meaningful audit: every report renders as DICOM, reads
back through the real report reader, and the audit of it has screens, recalls, biopsies, cancers
of both kinds and examinations still pending."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from dicom_io.readers.sr import read_report as read_sr
from dicom_io.synth import RenderedEvent
from rules.anatomy import Laterality
from rules.audit.exams import Purpose, RadiologyReport, build_exams
from rules.audit.metrics import in_period, summarize
from rules.audit.outcomes import TissueResult, outcomes
from rules.facts import ReportKind
from rules.reader import read_report
from worklist.demo.channels import render_story
from worklist.demo.history import history_stories

DAY0 = date(2026, 6, 1)


def test_the_history_reads_back_into_a_meaningful_audit() -> None:
    reports: list[RadiologyReport] = []
    tissue: list[TissueResult] = []
    biopsy_sides: dict[tuple[int, str], Laterality | None] = {}
    for number, story in enumerate(history_stories(), start=1):
        for event in render_story(story, DAY0):
            assert isinstance(event, RenderedEvent)
            for dataset in event.datasets:
                if dataset.Modality != "SR":
                    continue
                document = read_sr(dataset)
                facts = read_report(document)
                assert document.interpreter.endswith(", MD")
                moment = document.observed_at or datetime.combine(DAY0, time(), UTC)
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                if facts.kind is ReportKind.RADIOLOGY:
                    reports.append(RadiologyReport(
                        document.uid, number, story["id"], moment, document.title_text,
                        str(dataset.get("StudyDescription", "")), document.interpreter,
                        tuple((a.laterality, a.category) for a in facts.assessments)))
                elif facts.kind is ReportKind.PROCEDURE:
                    side = facts.procedures[0].laterality
                    biopsy_sides[(number, moment.date().isoformat())] = side
                elif facts.kind is ReportKind.PATHOLOGY:
                    for index, specimen in enumerate(facts.pathology):
                        tissue.append(TissueResult(f"{document.uid}#{index}", number,
                                                   specimen.laterality, moment, specimen.category,
                                                   specimen.lesions, document.text))
    exams, left_out = build_exams(reports)
    assert left_out == [] and all(exam.breasts for exam in exams)
    rows = outcomes(exams, tissue, datetime.combine(DAY0, time(12), UTC))
    everything = in_period(rows, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    screening = summarize(everything, Purpose.SCREENING)
    counts = {c.key: c.value for c in [*screening.counts, *screening.characteristics]}
    metrics = {m.key: m.value for m in screening.metrics}
    assert counts["exams"] >= 250 and counts["pending"] >= 50 and counts["closed"] >= 150
    assert 5 <= (metrics["recall_rate"] or 0) <= 20
    assert counts["tp"] >= 2 and counts["lost"] >= 1 and counts["fp"] >= 10
    assert counts["invasive"] + counts["dcis"] == counts["tp"]
    diagnostic = summarize(everything, Purpose.DIAGNOSTIC)
    assert {c.key: c.value for c in diagnostic.counts}["exams"] >= 20
    assert biopsy_sides and all(side is not None for side in biopsy_sides.values())
