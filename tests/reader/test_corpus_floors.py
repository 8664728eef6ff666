"""The reader holds its measured precision and recall over the labelled corpus.

TARGET is what the issue asks (0.95) for finding type + laterality, correspondence and pathology
category; the other FLOORs are the level measured today less a small margin, held so the reader does
not regress. Raise them as the reader improves.
"""

from __future__ import annotations

import pytest

from tests.corpus.score import HELDOUT, REPORTS, load_entries, score

TARGET = 0.95
FLOOR = {  # row -> (precision floor, recall floor), over the whole corpus
    # the rows, held at the 0.95 target
    "finding": (TARGET, TARGET),
    "correspondence": (TARGET, TARGET),
    "pathology": (TARGET, TARGET),
    # the other rows: the measured level less a small margin
    "concordance": (0.88, 0.88),
    "assessment": (0.97, 0.97),
    "procedure": (0.95, 0.95),
    "recommendation": (0.97, 0.97),
    "kind": (0.97, 0.97),
    "composition": (0.95, 0.95),
    "pathology.lesions": (0.92, 0.91),
    "correspondence.finding_type": (0.95, 0.95),
    "finding.birads": (0.97, 0.90),
    "procedure.target_type": (0.95, 0.95),
    "recommendation.guidance": (0.97, 0.97),
    "not_feasible": (0.82, 0.89),
    # fail-safe reading (issue 15): attempted procedures, corrections, palpable lumps
    "correction": (0.95, 0.95),
    "palpable": (0.95, 0.95),
    "palpable.explained": (0.95, 0.95),
}

# The held-out reports of the fail-safe round (tests/corpus/heldout), written before the reader
# changed and never tuned on: a lower floor of their own, at their first measured level (few labels
# per row, so one miss moves a row by a third or a half).
HELDOUT_FLOOR = {
    "procedure": (0.9, 0.9),
    "correction": (0.9, 0.9),
    "palpable": (0.9, 0.9),
    "correspondence": (0.5, 0.5),
    "finding": (0.9, 0.9),
    "kind": (0.9, 0.9),
}

pytestmark = pytest.mark.skipif(not any(REPORTS.glob("*.yaml")), reason="labelled corpus not present")


@pytest.fixture(scope="module")
def rows():  # type: ignore[no-untyped-def]
    entries = load_entries()
    assert len(entries) >= 150
    return score(entries)


@pytest.mark.parametrize("name", sorted(FLOOR))
def test_floor(rows, name: str) -> None:  # type: ignore[no-untyped-def]
    precision_floor, recall_floor = FLOOR[name]
    row = rows[name]
    assert row.precision >= precision_floor, f"{name} precision {row.precision:.3f}"
    assert row.recall >= recall_floor, f"{name} recall {row.recall:.3f}"


@pytest.fixture(scope="module")
def heldout_rows():  # type: ignore[no-untyped-def]
    entries = load_entries(HELDOUT)
    assert len(entries) >= 8
    return score(entries)


@pytest.mark.parametrize("name", sorted(HELDOUT_FLOOR))
def test_heldout_floor(heldout_rows, name: str) -> None:  # type: ignore[no-untyped-def]
    precision_floor, recall_floor = HELDOUT_FLOOR[name]
    row = heldout_rows[name]
    assert row.labels > 0, f"{name}: the held-out reports label none"
    assert row.precision >= precision_floor, f"held-out {name} precision {row.precision:.3f}"
    assert row.recall >= recall_floor, f"held-out {name} recall {row.recall:.3f}"
