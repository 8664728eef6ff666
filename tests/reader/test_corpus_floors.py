"""The reader holds its measured precision and recall over the labelled corpus.

TARGET is what the issue asks (0.95); FLOOR is the level measured today, held so the reader does
not regress. Raise FLOOR as the reader improves; the gap to TARGET is open work.
"""

from __future__ import annotations

import pytest

from tests.corpus.score import REPORTS, load_entries, score

TARGET = 0.95
FLOOR = {  # row -> (precision floor, recall floor)
    "finding": (0.80, 0.85),
    "correspondence": (0.70, 0.78),
    "pathology": (0.88, 0.74),
    "concordance": (0.85, 0.85),
    "assessment": (0.82, 0.82),
    "procedure": (0.75, 0.88),
    "composition": (0.95, 0.95),
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
