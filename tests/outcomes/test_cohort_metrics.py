"""Every audit number on the hand-worked cohort (``cohort.py``), through ``rules.audit`` alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rules.audit.characteristics import NodeStatus, stated_nodes, stated_size_mm
from rules.audit.exams import Purpose, PurposeWords, build_exams, purpose_of
from rules.audit.metrics import Summary, in_period, quarters, summarize
from rules.audit.outcomes import Outcome, outcomes
from rules.facts import Birads
from tests.outcomes.cohort import (A_READER, AS_OF, B_READER, DIAG, REPORTS, SCREEN, TISSUE,
                                   exam)

START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)


def audit(as_of: datetime = AS_OF, reader: str | None = None) -> dict[Purpose, Summary]:
    exams, _ = build_exams(REPORTS)
    rows = in_period(outcomes(exams, TISSUE, as_of), START, END, reader)
    return {p: summarize(rows, p, reader) for p in Purpose}


def numbers(summary: Summary) -> dict[str, object]:
    found: dict[str, object] = {c.key: set(c.exams) for c in summary.counts}
    found |= {c.key: set(c.exams) for c in summary.characteristics if c.exams}
    for m in summary.metrics:
        found[m.key] = None if m.value is None else round(m.value, 1)
    return found


def test_screening_audit_of_the_cohort() -> None:
    screening = numbers(audit()[Purpose.SCREENING])
    assert screening == {
        "exams": {"p1-s", "p2-s", "p3-s", "p4-s", "p6-s", "p7-s", "p8-s", "p9-s", "p11-s"},
        "positive": {"p3-s", "p4-s", "p6-s", "p7-s", "p11-s"},
        "closed": {"p1-s", "p2-s", "p3-s", "p4-s", "p6-s", "p7-s", "p8-s", "p9-s", "p11-s"},
        "pending": set(), "pending_cancers": set(),
        "tp": {"p6-s", "p7-s"}, "fp": {"p3-s", "p4-s", "p11-s"}, "tn": {"p1-s", "p2-s", "p9-s"},
        "fn": {"p8-s"}, "lost": {"p11-s"},
        "invasive": {"p6-s"}, "dcis": {"p7-s"}, "invasive_small": {"p6-s"},
        "node_negative": {"p6-s"},
        "recall_rate": 55.6, "cdr": 222.2, "ppv1": 40.0, "ppv2": 100.0, "ppv3": 100.0,
        "sensitivity": 66.7, "specificity": 50.0,
    }


def test_diagnostic_audit_of_the_cohort() -> None:
    diagnostic = numbers(audit()[Purpose.DIAGNOSTIC])
    assert diagnostic == {
        "exams": {"p3-d", "p4-d", "p5-d", "p6-d", "p7-d", "p8-d"},
        "positive": {"p5-d", "p6-d", "p7-d", "p8-d"},
        "closed": {"p3-d", "p4-d", "p5-d", "p6-d", "p7-d", "p8-d"},
        "pending": set(), "pending_cancers": set(),
        "tp": {"p6-d", "p7-d", "p8-d"}, "fp": {"p5-d"}, "tn": {"p3-d", "p4-d"}, "fn": set(),
        "lost": set(),
        "invasive": {"p6-d", "p8-d"}, "dcis": {"p7-d"}, "invasive_small": {"p6-d"},
        "size_not_stated": {"p8-d"}, "node_negative": {"p6-d"}, "nodes_not_stated": {"p8-d"},
        "recall_rate": 66.7, "cdr": 500.0, "ppv2": 75.0, "ppv3": 75.0,
        "sensitivity": 100.0, "specificity": 66.7,
    }


def test_each_radiologist() -> None:
    a, b = audit(reader=A_READER), audit(reader=B_READER)
    a_screen, b_screen = numbers(a[Purpose.SCREENING]), numbers(b[Purpose.SCREENING])
    assert a_screen["exams"] == {"p1-s", "p3-s", "p7-s", "p9-s"}
    assert (a_screen["recall_rate"], a_screen["cdr"], a_screen["ppv1"]) == (50.0, 250.0, 50.0)
    assert (a_screen["sensitivity"], a_screen["specificity"]) == (100.0, 66.7)
    assert b_screen["exams"] == {"p2-s", "p4-s", "p6-s", "p8-s", "p11-s"}
    assert (b_screen["recall_rate"], b_screen["cdr"], b_screen["ppv1"]) == (60.0, 200.0, 33.3)
    assert (b_screen["sensitivity"], b_screen["specificity"]) == (50.0, 33.3)
    a_diag, b_diag = numbers(a[Purpose.DIAGNOSTIC]), numbers(b[Purpose.DIAGNOSTIC])
    assert a_diag["tp"] == {"p6-d", "p8-d"} and a_diag["fp"] == {"p5-d"}
    assert (a_diag["ppv2"], a_diag["ppv3"]) == (66.7, 66.7)
    assert b_diag["tp"] == {"p7-d"} and b_diag["tn"] == {"p4-d"}


def test_the_category_6_exam_is_left_out() -> None:
    exams, left_out = build_exams(REPORTS)
    assert [r.uid for r in left_out] == ["p10-d"]
    assert "p10-d" not in {e.uid for e in exams}


def test_cancer_13_months_after_a_negative_screen_is_not_its_outcome() -> None:
    exams, _ = build_exams(REPORTS)
    by_uid = {r.exam.uid: r for r in outcomes(exams, TISSUE, AS_OF)}
    assert by_uid["p9-s"].outcome is Outcome.TRUE_NEGATIVE
    assert by_uid["p8-s"].outcome is Outcome.FALSE_NEGATIVE  # 11 months
    assert by_uid["p9-d"].outcome is Outcome.TRUE_POSITIVE   # the 2025 exam that found it


def test_open_windows_are_counted_apart() -> None:
    """On 2025-01-15 only P8's screen (2024-01-10) has had its year; cancers already found in
    open windows are shown apart, not in the rates."""
    screening = numbers(audit(as_of=datetime(2025, 1, 15, tzinfo=UTC))[Purpose.SCREENING])
    assert screening["closed"] == {"p8-s"} and screening["fn"] == {"p8-s"}
    assert screening["pending"] == {"p1-s", "p2-s", "p3-s", "p4-s", "p6-s", "p7-s", "p9-s",
                                    "p11-s"}
    assert screening["pending_cancers"] == {"p6-s", "p7-s"}
    assert screening["recall_rate"] == 55.6          # needs no outcome
    assert screening["cdr"] == 0.0 and screening["ppv1"] is None  # no closed positive exam
    assert screening["lost"] == set()                # its year is not over


def test_an_addendum_gives_the_final_assessment() -> None:
    reports = [exam("x", 20, "2024-03-01", SCREEN, A_READER, (None, Birads.B0)),
               exam("x-add", 20, "2024-03-20", SCREEN, A_READER, (None, Birads.B2),
                    amends=("x",))]
    exams, left_out = build_exams(reports)
    assert [(e.uid, e.assessment, e.positive) for e in exams] == [("x", Birads.B2, False)]
    assert left_out == []


@pytest.mark.parametrize(("title", "description", "expected"), [
    (SCREEN, "", Purpose.SCREENING), (DIAG, "", Purpose.DIAGNOSTIC),
    ("", "SCREEN MAMMO BIL", Purpose.SCREENING), ("", "US BREAST LT", Purpose.DIAGNOSTIC),
    ("", "MRI BREAST BIL", None), ("Screening report", "DIAG TOMO LT", Purpose.DIAGNOSTIC),
])
def test_screening_or_diagnostic(title: str, description: str, expected: Purpose | None) -> None:
    assert purpose_of(title, description, PurposeWords()) is expected


def test_a_site_rule_overrides_the_words() -> None:
    words = PurposeWords(screening=("routine",), diagnostic=(), excluded=())
    assert purpose_of("", "ROUTINE MAMMO", words) is Purpose.SCREENING
    assert purpose_of(SCREEN, "", words) is Purpose.DIAGNOSTIC


def test_characteristics_only_where_stated() -> None:
    assert stated_size_mm("invasive carcinoma measuring 1.2 cm") == 12.0
    assert stated_size_mm("Invasive ductal carcinoma.") is None
    assert stated_nodes("2/14 lymph nodes with metastatic carcinoma") is NodeStatus.POSITIVE
    assert stated_nodes("pT1b pN0(sn)") is NodeStatus.NEGATIVE
    assert stated_nodes("No lymph nodes submitted.") is NodeStatus.NOT_STATED


def test_quarters_cut_to_the_period() -> None:
    found = quarters(datetime(2024, 2, 15, tzinfo=UTC), datetime(2024, 8, 1, tzinfo=UTC))
    assert [label for label, _, _ in found] == ["2024 Q1", "2024 Q2", "2024 Q3"]
    assert found[0][1] == datetime(2024, 2, 15, tzinfo=UTC)
    assert found[-1][2] == datetime(2024, 8, 1, tzinfo=UTC)
