"""The project's own story cases (``tests/cases``), pushed over DICOM like the shared examples.

Thirty-odd stories written for this project, wider than the shared examples: typos and shorthand,
addenda, bilateral work-ups, rad-path notes, outside priors, palpable lumps. Time order on SQLite
(the embedded default), shuffled order on PostgreSQL (production); the end state must match each
case's ``expected`` block either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.synth import load_case
from tests.pipeline.harness import check_in_time_order, check_shuffled
from worklist.settings import Settings

CASES = Path(__file__).parents[1] / "cases"


# Stories the product does not get right yet, each with the reason; strict, so a fix shows up.
KNOWN_GAPS: dict[str, str] = {
    # Issue 15 stories (fail-safe reading), written from the clinical rules.
    "TC-0202": "pipeline: the rad-path note's 'benign, concordant' does not close "
    "concordance-pending (it does at the facts level)",
    "TC-0203": "reader: 'the lesion biopsied today is NOT the same as the mammographic asymmetry "
    "at 10 o'clock' is read as a second biopsy at 10 o'clock, whose pathology stays pending",
    "TC-0206": "reader: 'the US target isn't the mammographic asymmetry ... remains to be sampled "
    "stereotactically' is read as a stereotactic biopsy of the asymmetry",
    "TC-0214": "reader: an addendum correcting the side (right dictated, left meant) is not "
    "applied",
    "TC-0215": "reader: a procedure addendum correcting the side is not applied (left items stay "
    "open)",
    "TC-0216": "reader: an addendum correcting the finding type (mass -> focal asymmetry) is not "
    "applied",
    "TC-0217": "reader: a pathology addendum correcting the specimen side is not applied",
    "TC-0218": "reader: an addendum correcting the side of a developing asymmetry is not applied",
    "TC-0219": "reader: a one-line side-correction addendum to a procedure report is not applied",
    "TC-0223": "reader: the scout sentence of a DBT biopsy 'cancelled; no tissue was obtained' is "
    "read as a biopsy (pathology-pending)",
    "TC-0224": "reader: 'attempted prone stereotactic biopsy ... aborted; no sample obtained' is "
    "read as a biopsy (pathology-pending)",
    "TC-0226": "reader: 'stereotactic biopsy attempted ... no sample obtained' is read as a "
    "biopsy (pathology-pending)",
    "TC-0227": "rules: the 'cannot be determined whether ... corresponds' statement is read, but "
    "the biopsy is placed on the sonographic mass by its features and no correlation-review opens",
    "TC-0229": "reader: 'correspondence ... is indeterminate' in a rad-path note opens no "
    "correlation-review",
    "TC-0230": "reader: 'correlation w/ the mammographic mass equivocal' opens no "
    "correlation-review",
    "TC-0231": "reader: 'may or may not represent the asymmetry' in a numbered bilateral note "
    "opens no correlation-review",
    "TC-0234": "reader: the lump is marked explained although 'it is unclear whether the palpable "
    "thickening corresponds to either finding'",
    "TC-0236": "reader: palpable lumps in both breasts give one bilateral item; the right one is "
    "explained",
    "TC-0238": "reader: 'Pt points to the lump: it is the L 1:00 mass (palpable lump confirmed)' "
    "does not tie the complaint to the mass",
    "TC-0245": "pipeline: the rad-path note's 'benign, concordant' does not close "
    "concordance-pending (it does at the facts level)",
    "TC-0253": "reader: 'L UOQ: new faint amorphous calcs, ~5 mm' yields no finding, so 'Recall "
    "for L mag views' opens no magnification-views-pending",
    # End of the issue 15 stories.
}


# Stories whose only gap is an item that should open on the way and close again: closed items are
# checked in the time-ordered run only, so the shuffled run of these passes.
TIME_ORDER_GAPS: dict[str, str] = {
    # Issue 15 stories (fail-safe reading), written from the clinical rules.
    "TC-0233": "reader: the lump is marked explained although 'it is unclear which of them is the "
    "palpable abnormality', so palpable-correlation never opens",
    "TC-0235": "reader: the lump is marked explained although the mass 'may account for the "
    "palpable finding, but the relationship is uncertain'",
    # End of the issue 15 stories.
}


def _stories(gaps: dict[str, str]) -> list[object]:
    return [
        pytest.param(p, id=p.stem, marks=pytest.mark.xfail(reason=gaps[p.stem], strict=True))
        if p.stem in gaps else pytest.param(p, id=p.stem)
        for p in sorted(CASES.glob("*.yaml"))
    ]


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("path", _stories({**KNOWN_GAPS, **TIME_ORDER_GAPS}))
def test_story_in_time_order(service: tuple[Settings, sessionmaker[Session]], path: Path) -> None:
    check_in_time_order(*service, load_case(path))


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("path", _stories(KNOWN_GAPS))
def test_story_in_shuffled_order(service: tuple[Settings, sessionmaker[Session]], path: Path) -> None:
    check_shuffled(*service, load_case(path), path.stem)
