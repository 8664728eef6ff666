"""Steps a report records as taken (a referral made, a surgical consultation held), against the
requests and plans that only ask for them."""

from __future__ import annotations

import pytest

from rules.anatomy import Laterality
from rules.facts import StepTaken
from rules.reader import read_text

TAKEN = [
    ("The patient was referred to breast surgery and medical oncology today.", StepTaken.REFERRAL),
    ("Referral to breast surgery has been placed.", StepTaken.REFERRAL),
    ("The navigator referred her to the surgical oncology clinic.", StepTaken.REFERRAL),
    ("She has been referred to the multidisciplinary breast clinic.", StepTaken.REFERRAL),
    ("The patient was seen in breast surgical consultation on the 20th.", StepTaken.SURGICAL_CONSULTATION),
    ("She met with the breast surgeon on Monday.", StepTaken.SURGICAL_CONSULTATION),
    ("Surgical consultation took place on 11/2.", StepTaken.SURGICAL_CONSULTATION),
]

NOT_TAKEN = [
    "Surgical consultation recommended.",
    "The patient will be referred to breast surgery.",
    "She should be referred to a breast surgeon.",
    "The patient has not yet been seen by the surgeon.",
    "She was not referred to surgery.",
    "Referral to breast surgery is pending.",
    "The patient declined referral to surgery and was referred for MRI instead.",
    "The patient was referred for diagnostic mammography.",
    "Recommend surgical consultation; the patient was seen by her primary physician.",
]


@pytest.mark.parametrize(("sentence", "step"), TAKEN)
def test_a_step_recorded_as_taken_is_read(sentence: str, step: StepTaken) -> None:
    facts = read_text(f"Addendum: {sentence}", title="procedure right breast")
    assert [s.step for s in facts.completed_steps] == [step]
    assert facts.completed_steps[0].laterality is Laterality.RIGHT
    assert facts.completed_steps[0].evidence.text == sentence


@pytest.mark.parametrize("sentence", NOT_TAKEN)
def test_a_step_asked_for_or_not_done_is_not_taken(sentence: str) -> None:
    assert read_text(f"Impression: {sentence}", title="procedure left breast").completed_steps == ()
