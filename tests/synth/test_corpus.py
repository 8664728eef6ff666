"""Every test case (development and held-out stories) and demo story renders, and its ``expected``
block is well formed: kinds from the design's item table, lateralities and finding types the
scorer understands, no kind both expected open and absent, every kind accounted for, events in time
order, addenda after what they amend."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dicom_io.synth import load_case, render_case
from tests.synth.conftest import DEMO_STORIES, TEST_CASES

KINDS = {
    "unsampled-finding",
    "correlation-review",
    "pathology-pending",
    "concordance-pending",
    "discordant-pathology",
    "high-risk-lesion",
    "malignancy-referral",
    "magnification-views-pending",
    "calcifications-biopsied-under-us",
    "specimen-radiograph-missing",
    "priors-pending",
    "supplemental-ultrasound-pending",
    "follow-up-due",
    "surgical-biopsy-referral",
    "palpable-correlation",
}
LATERALITIES = {"L", "R", "B", "any"}
FINDING_TYPES = {
    "mass",
    "calcifications",
    "asymmetry",
    "focal-asymmetry",
    "global-asymmetry",
    "developing-asymmetry",
    "architectural-distortion",
}
PRIORITIES = {"urgent", "high", "routine"}

CASE_FILES = sorted(TEST_CASES.glob("*.yaml"))
# Held out from whoever tunes the reader and the rules: only checked here for form and rendering.
HELDOUT_FILES = sorted((TEST_CASES / "heldout").glob("*.yaml"))
STORY_FILES = sorted(DEMO_STORIES.glob("*.yaml"))
ALL_FILES = CASE_FILES + HELDOUT_FILES + STORY_FILES


def test_the_corpus_is_large_enough() -> None:
    assert len(CASE_FILES) >= 30
    assert len(HELDOUT_FILES) >= 40
    assert len(STORY_FILES) == 8


def test_ids_are_unique_and_match_file_names() -> None:
    cases = [load_case(path) for path in ALL_FILES]
    assert [c["id"] for c in cases] == [p.stem for p in ALL_FILES]
    patient_ids = [c["patient"]["id"] for c in cases]
    assert len(set(patient_ids)) == len(patient_ids)


def test_demo_patients_are_obviously_fictional() -> None:
    for path in STORY_FILES:
        assert load_case(path)["patient"]["name"].startswith("DEMO^"), path.name


def _check_entry(entry: dict[str, Any], where: str) -> None:
    assert entry["kind"] in KINDS, where
    assert str(entry["laterality"]) in LATERALITIES, where
    if "finding_type" in entry:
        assert entry["finding_type"] in FINDING_TYPES, where
    if "priority" in entry:
        assert entry["priority"] in PRIORITIES, where
    assert set(entry) <= {"kind", "laterality", "finding_type", "priority"}, where


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_expected_block_follows_the_item_table(path: Path) -> None:
    expected = load_case(path)["expected"]
    for name in ("open", "closed"):
        for entry in expected[name]:
            _check_entry(entry, f"{path.name} {name}")
    listed = {e["kind"] for e in expected["open"] + expected["closed"]}
    absent, unscored = set(expected["absent"]), set(expected["unscored"])
    assert absent <= KINDS and unscored <= KINDS
    assert not absent & {e["kind"] for e in expected["open"]}, "a kind cannot be open and absent"
    assert not unscored & (listed | absent), "an unscored kind is not judged anywhere else"
    assert listed | absent | unscored == KINDS, (
        f"kinds not accounted for: {KINDS - listed - absent - unscored}"
    )


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_events_are_in_time_order_and_addenda_follow_their_report(path: Path) -> None:
    events = load_case(path)["events"]
    days = [int(e["day"]) for e in events]
    assert days == sorted(days)
    seen: set[str] = set()
    for event in events:
        if "addendum_to" in event:
            assert event["addendum_to"] in seen, f"{path.name}: addendum before its report"
        if "id" in event:
            seen.add(event["id"])


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_renders(path: Path) -> None:
    case = load_case(path)
    events = render_case(case, date(2026, 11, 21))
    assert len(events) == len(case["events"])
    patient_ids = {str(ds.PatientID) for e in events for ds in e.datasets}
    assert patient_ids == {case["patient"]["id"]}
    for event, source in zip(events, case["events"], strict=True):
        assert event.datasets, f"{path.name} event {event.index} rendered nothing"
        if source["kind"] == "report":
            assert event.datasets[0].Modality == "SR"
        if "addendum_to" in source:
            assert "PredecessorDocumentsSequence" in event.datasets[0]
