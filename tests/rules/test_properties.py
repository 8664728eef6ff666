"""Properties the service relies on: arrival order does not matter, evaluation is repeatable, and
receiving a document twice changes nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.case import Case
from rules.evaluation import evaluate
from rules.facts import Lesion, PathologyCategory
from tests.rules.example_facts import EXAMPLES, to_case
from tests.rules.factories import DAY0
from tests.rules.test_pathways import (
    _mass_biopsy,
    _mass_pathology,
    _mass_report,
    _two_masses_and_a_vague_biopsy,
)
from tests.rules.test_rebiopsy_concordance import REBIOPSY_CASE
from tests.rules.test_seed_stories import _asymmetry_story, _dense_screen

CASES: dict[str, Case] = {name: to_case(build()) for name, build in EXAMPLES.items()}
CASES["seed1"] = Case(tuple(d.facts() for d in _asymmetry_story(PathologyCategory.BENIGN)))
CASES["seed3"] = Case((_dense_screen().facts(),))
CASES["vague"] = Case(tuple(d.facts() for d in _two_masses_and_a_vague_biopsy()))
CASES["discordant"] = Case(
    tuple(
        d.facts()
        for d in (
            _mass_report(),
            _mass_biopsy(),
            _mass_pathology(PathologyCategory.BENIGN, Lesion.FIBROCYSTIC_CHANGE),
        )
    )
)
CASES["rebiopsy"] = REBIOPSY_CASE  # a concordance decision, then a second biopsy of the finding
BASELINE = {name: evaluate(case, DAY0) for name, case in CASES.items()}


@st.composite
def shuffled(draw: st.DrawFn) -> tuple[str, Case]:
    name = draw(st.sampled_from(sorted(CASES)))
    case = CASES[name]
    return name, Case(
        reports=tuple(draw(st.permutations(case.reports))),
        images=tuple(draw(st.permutations(case.images))),
        decisions=case.decisions,
    )


@settings(max_examples=150, deadline=None)
@given(shuffled())
def test_any_arrival_order_gives_the_same_items(named: tuple[str, Case]) -> None:
    name, case = named
    result = evaluate(case, DAY0)
    assert result == BASELINE[name]
    assert BASELINE[name].open or BASELINE[name].satisfied, "every sample case raises something"


@settings(max_examples=60, deadline=None)
@given(shuffled(), st.data())
def test_a_document_received_twice_changes_nothing(
    named: tuple[str, Case], data: st.DataObject
) -> None:
    name, case = named
    again = data.draw(st.sampled_from(case.reports))
    twice = Case(case.reports + (again,), case.images, case.decisions)
    assert evaluate(twice, DAY0) == BASELINE[name]


@settings(max_examples=40, deadline=None)
@given(shuffled())
def test_evaluating_twice_changes_nothing(named: tuple[str, Case]) -> None:
    _, case = named
    assert evaluate(case, DAY0) == evaluate(case, DAY0)
