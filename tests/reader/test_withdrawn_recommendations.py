"""A recommendation that is withdrawn, cancelled or said not to be needed asks for nothing, while the
steps the same sentences do ask for stay read."""

from __future__ import annotations

import pytest

from rules.anatomy import Laterality
from rules.facts import RecommendationKind
from rules.reader import read_text

K = RecommendationKind
R, L, B = Laterality.RIGHT, Laterality.LEFT, Laterality.BOTH


def kinds(text: str) -> set[K]:
    return {r.kind for r in read_text(text, title="DIAGNOSTIC MAMMOGRAM LEFT").recommendations}


@pytest.mark.parametrize("text", [
    "Addendum: The six-month follow-up recommendation is withdrawn.",
    "Addendum: The previously recommended 6-month follow-up is no longer needed.",
    "Impression: Disregard the recommendation for short-interval follow-up.",
    "Impression: Short-term follow-up is not necessary.",
    "Impression: The recommendation for magnification views is rescinded.",
    "Impression: Cancel the ultrasound.",
    "Impression: No follow-up ultrasound is needed.",
    "Impression: Follow-up MRI is not indicated.",
    "Impression: Biopsy need not be performed.",
    "Impression: There is no need for additional views.",
    "Impression: We no longer recommend MRI.",
    "Impression: Repeat biopsy is unnecessary.",
    "Impression: The 6-month follow-up recommendation was dictated in error and should be disregarded.",
    "Impression: Please disregard the recommendation above for left spot compression views.",
    "Plan: Ultrasound does not need to be repeated.",
    # dictation typos: reccomendation, withdrawen, recomended, recinded, neccessary
    "Addendum: The six month followup reccomendation is withdrawen.",
    "Addendum: The previously recomended 6 month f/u is no longer neccessary.",
    "Addendum: The recommendation for stereotactic biopsy is recinded.",
    "Impression: Short term follow up is not neccessary.",
])
def test_withdrawn_recommendation_asks_for_nothing(text: str) -> None:
    assert kinds(text) == set()


@pytest.mark.parametrize(("text", "expected"), [
    ("Impression: Biopsy is no longer recommended; return to annual screening.", {K.ANNUAL_SCREENING}),
    ("Impression: Six-month follow-up is recommended rather than biopsy.", {K.SHORT_INTERVAL_FOLLOW_UP}),
    ("Impression: Rather than biopsy, 6-month follow-up is recommended.", {K.SHORT_INTERVAL_FOLLOW_UP}),
    ("Impression: Recommend ultrasound-guided biopsy instead of MRI.", {K.BIOPSY}),
    ("Addendum: Surgical excision is recommended and the six-month follow-up recommendation is withdrawn.",
     {K.SURGICAL_EXCISION}),
    ("Impression: Please cancel the left breast ultrasound; recommend MRI instead.", {K.MRI}),
    ("Impression: 6-month follow-up is recommended, biopsy is not needed.", {K.SHORT_INTERVAL_FOLLOW_UP}),
    ("Impression: Biopsy is not needed, 6-month follow-up is recommended.", {K.SHORT_INTERVAL_FOLLOW_UP}),
    ("Impression: No further imaging is needed at this time, return to annual screening.", {K.ANNUAL_SCREENING}),
    ("Impression: The patient declined biopsy; recommend 6-month follow-up.", {K.SHORT_INTERVAL_FOLLOW_UP}),
])
def test_withdrawal_leaves_the_step_asked_for(text: str, expected: set[K]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Impression: Recommend 6-month follow-up; if stable, return to annual screening",
     {K.SHORT_INTERVAL_FOLLOW_UP, K.ANNUAL_SCREENING}),
    ("Impression: Biopsy is recommended. The patient was informed.", {K.BIOPSY}),
    ("Impression: Consider ultrasound.", {K.ULTRASOUND}),
    ("Impression: The recommendation for biopsy stands.", {K.BIOPSY}),
    ("Impression: Biopsy remains recommended.", {K.BIOPSY}),
    ("Impression: Given no change, recommend return to annual screening.", {K.ANNUAL_SCREENING}),
    ("Impression: Left magnification views are recommended as previously stated.", {K.MAGNIFICATION_VIEWS}),
    ("Addendum: Surgical consultation previously recommended; MRI for extent of disease may be considered.",
     {K.SURGICAL_CONSULTATION, K.MRI}),
    ("Addendum: Six-month follow-up ultrasound of the left breast.", {K.SHORT_INTERVAL_FOLLOW_UP}),
])
def test_recommendation_stays_read(text: str, expected: set[K]) -> None:
    assert kinds(text) == expected


def test_follow_up_recommended_rather_than_biopsy_keeps_its_interval() -> None:
    (rec,) = read_text("Impression: BI-RADS 3. Six-month follow-up is recommended rather than biopsy.",
                       title="DIAGNOSTIC MAMMOGRAM LEFT").recommendations
    assert (rec.kind, rec.laterality, rec.interval_months) == (K.SHORT_INTERVAL_FOLLOW_UP, L, 6)


def test_addendum_withdraws_the_recommendation_of_its_own_report() -> None:
    facts = read_text(
        "Impression: BI-RADS 3. Recommend 6-month follow-up mammogram of the left breast.\n"
        "Addendum: Outside priors show the finding unchanged for 3 years. BI-RADS 2. "
        "The 6-month follow-up reccomendation is withdrawn. Return to annual screening.",
        title="DIAGNOSTIC MAMMOGRAM LEFT")
    assert [(r.kind, r.laterality) for r in facts.recommendations] == [(K.ANNUAL_SCREENING, B)]


def test_addendum_withdrawal_of_one_breast_keeps_the_other() -> None:
    facts = read_text(
        "Impression: Recommend ultrasound of the right breast 10 o'clock mass. "
        "Recommend ultrasound of the left breast 2 o'clock mass.\n"
        "Addendum: The left breast ultrasound is cancelled.",
        title="DIAGNOSTIC MAMMOGRAM BILATERAL")
    assert [(r.kind, r.laterality) for r in facts.recommendations] == [(K.ULTRASOUND, R)]


def test_conditional_withdrawal_in_an_addendum_keeps_the_earlier_step() -> None:
    facts = read_text(
        "Impression: BI-RADS 4B. Recommend ultrasound-guided biopsy of the left breast mass.\n"
        "Addendum: If the patient declines biopsy, 6-month follow-up could be considered instead.",
        title="DIAGNOSTIC MAMMOGRAM LEFT")
    assert K.BIOPSY in {r.kind for r in facts.recommendations}


def test_biopsy_declined_in_an_addendum_stays_recommended() -> None:
    facts = read_text(
        "Impression: BI-RADS 4B. Recommend ultrasound-guided biopsy of the left breast mass.\n"
        "Addendum: The patient declined biopsy when contacted by phone.",
        title="DIAGNOSTIC MAMMOGRAM LEFT")
    assert [r.kind for r in facts.recommendations] == [K.BIOPSY]
