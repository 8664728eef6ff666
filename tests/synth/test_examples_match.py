"""Each example case renders to objects whose meaningful tags match the shipped DICOM renderings:
SOP class, modality, laterality, views and modifiers, dates, study grouping, report titles, section
texts, TID 4200 content and addenda. UIDs differ by design and are not compared."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pydicom
import pytest

from dicom_io.synth import load_case, render_case
from tests.synth.conftest import examples_or_skip
from tests.synth.tree import predecessor_uid, summary

EXAMPLE_IDS = [f"PUB-{n:04d}" for n in range(1, 9)]


def _manifest(examples: Path) -> tuple[date, dict[str, dict]]:
    manifest = json.loads((examples / "dicom" / "manifest.json").read_text())
    return date.fromisoformat(manifest["run_date"]), {c["id"]: c for c in manifest["cases"]}


@pytest.mark.parametrize("case_id", EXAMPLE_IDS)
def test_example_renders_like_the_shipped_files(case_id: str) -> None:
    examples = examples_or_skip()
    day0, cases = _manifest(examples)
    case = load_case(examples / "cases" / f"{case_id}.yaml")
    rendered = render_case(case, day0)
    shipped_events = cases[case_id]["events"]

    assert [e.index for e in rendered] == [e["index"] for e in shipped_events]
    assert [e.day for e in rendered] == [e["day"] for e in shipped_events]
    ours_names = [n for e in rendered for n in e.names]
    assert ours_names == [Path(f).name for e in shipped_events for f in e["files"]]

    ours = [ds for e in rendered for ds in e.datasets]
    theirs = [pydicom.dcmread(examples / "dicom" / f) for e in shipped_events for f in e["files"]]
    for name, mine, shipped in zip(ours_names, ours, theirs, strict=True):
        assert summary(mine) == summary(shipped), name

    # The same objects share a study in both renderings.
    def grouping(datasets: list) -> list[int]:
        first: dict[str, int] = {}
        return [first.setdefault(str(ds.StudyInstanceUID), len(first)) for ds in datasets]

    assert grouping(ours) == grouping(theirs)


def test_addenda_name_the_report_they_amend() -> None:
    examples = examples_or_skip()
    day0, _ = _manifest(examples)
    checked = 0
    for case_id in EXAMPLE_IDS:
        case = load_case(examples / "cases" / f"{case_id}.yaml")
        rendered = render_case(case, day0)
        ids = {e.get("id"): i for i, e in enumerate(case["events"])}
        for position, event in enumerate(case["events"]):
            if "addendum_to" not in event:
                continue
            addendum = rendered[position].datasets[0]
            amended = rendered[ids[event["addendum_to"]]].datasets[0]
            assert predecessor_uid(addendum) == amended.SOPInstanceUID
            study = addendum.PredecessorDocumentsSequence[0]
            assert study.StudyInstanceUID == amended.StudyInstanceUID
            checked += 1
    assert checked == 4
