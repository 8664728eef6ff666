"""Fail-safe reading, sentence by sentence: the wordings radiologists dictate for a correspondence
named from the sampled lesion's side, doubt after a biopsy, an abandoned attempt and a correction.

Each wording is read in a small procedure report or addendum; the facts must say what a careful
reader takes from it, whatever the typo, contraction or shorthand.
"""

from __future__ import annotations

import pytest

from rules.anatomy import Depth, Laterality
from rules.documents import ReportDocument, Section
from rules.facts import CorrectionKind, FindingType, Guidance, ProcedureState, Relation, ReportFacts
from rules.reader import read_report, read_text

R, L = Laterality.RIGHT, Laterality.LEFT
F = FindingType

_BIOPSY = "Procedure: Ultrasound-guided 14 gauge core biopsy of the right 10 o'clock mass, 4 cores. Clip placed.\n"


def _procedure(impression: str) -> ReportFacts:
    return read_text(_BIOPSY + "Impression: " + impression, title="US CORE BIOPSY RIGHT BREAST")


@pytest.mark.parametrize(("sentence", "about"), [
    ("The biopsied mass is seperate from the asymmetry, which has not been sampled.", F.ASYMMETRY),
    ("The biopsied mass is separate from the asymmetry.", F.ASYMMETRY),
    ("Bx'd mass distinc from the calcs in the UOQ, calcs not sampled.", F.CALCIFICATIONS),
    ("The sampled mass doesnt correspond to the mammographic distortion.", F.ARCHITECTURAL_DISTORTION),
    ("The biopsied mass doesn't correspond to the focal asymmetry.", F.FOCAL_ASYMMETRY),
    ("The mass biopsied today is not felt to represent the mammographic asymmetry.", F.ASYMMETRY),
    ("The targeted mass is not the same as the focal asymmetry at 7 o'clock.", F.FOCAL_ASYMMETRY),
    ("The biopsied mass isnt the asymmetry seen on the mammogram.", F.ASYMMETRY),
    ("The focal asymmetry, which doesn't correspond to the biopsied mass, remains to be sampled.", F.FOCAL_ASYMMETRY),
    ("The calcifications are distinct from the biopsied mass.", F.CALCIFICATIONS),
])
def test_a_negative_statement_is_about_the_finding_that_was_not_sampled(sentence: str, about: FindingType) -> None:
    facts = _procedure(sentence)
    assert [(c.relation, c.finding_type) for c in facts.correspondences] == [(Relation.DOES_NOT_CORRESPOND, about)]
    (p,) = facts.procedures
    assert p.performed and p.target_type is F.MASS


@pytest.mark.parametrize("sentence", [
    "It cannot be determined whether the biopsied mass represents the mammographic asymmetry.",
    "The sampled mass may or may not represent the asymmetry.",
    "It is indeterminate whether the biopsied mass is the mammographic asymmetry.",
    "Uncertain if the biopsied mass accounts for the asymmetry.",
    "The biopsied mass possibly corresponds to the asymmetry.",
    "Unclear whether the biopsied mass accounts for the mammographic asymmetry.",
    "The biopsied mass may not correspond to the asymmetry.",
])
def test_doubt_after_a_biopsy_is_an_uncertain_statement(sentence: str) -> None:
    facts = _procedure(sentence)
    assert [(c.relation, c.finding_type) for c in facts.correspondences] == [(Relation.UNCERTAIN, F.ASYMMETRY)]


def test_a_leaning_is_no_statement_and_a_hedge_before_a_biopsy_neither() -> None:
    assert _procedure("The biopsied mass likely represents the asymmetry.").correspondences == ()
    diagnostic = read_text("Findings: Right focal asymmetry at 10 o'clock. Ultrasound: 6 mm mass at 10 o'clock "
                           "which may correspond to the asymmetry.\nImpression: BI-RADS 4A. US biopsy.",
                           title="DIAGNOSTIC MAMMOGRAM AND ULTRASOUND RIGHT")
    assert diagnostic.correspondences == ()


@pytest.mark.parametrize(("text", "guidance"), [
    ("Procedure: Pt prone, 9 gauge vacuum device prepared. The calcifications could not be visualised on the "
     "scout images. Procedure aborted, no samples obtained.", Guidance.STEREOTACTIC),
    ("Procedure: Unable to target the calcifications due to their posterior location. Stereotactic biopsy not "
     "feasible.", Guidance.STEREOTACTIC),
    ("Procedure: After lidocaine the patient declined to continue. No tissue was obtained.", Guidance.STEREOTACTIC),
    ("Procedure: The procedure was cancelled: the calcifications could not be visualized. No biopsy was "
     "performed.", Guidance.STEREOTACTIC),
    ("Procedure: Stereo bx rt calcs aborted - target not seen on scout. No cores taken.", Guidance.STEREOTACTIC),
])
def test_an_attempt_given_up_is_attempted_not_performed(text: str, guidance: Guidance) -> None:
    facts = read_text("Indication: Right breast calcifications, BI-RADS 4B.\n" + text, title="STEREOTACTIC BIOPSY RIGHT")
    (p,) = facts.procedures
    assert p.state is ProcedureState.ATTEMPTED_NOT_PERFORMED
    assert p.laterality is R and p.guidance is guidance and p.target_type is F.CALCIFICATIONS


@pytest.mark.parametrize("text", [
    "Procedure: Stereotactic 9 gauge biopsy, 12 cores. After the cores the procedure was terminated early "
    "because of bleeding; hemostasis achieved.",
    "Procedure: The calcifications were not seen on the stereotactic scout, so the procedure was converted to "
    "tomosynthesis guidance: 9G vacuum biopsy, 6 samples. Clip placed.",
    "Procedure: Stereotactic biopsy of the right breast calcifications was performed. Clip placed. The "
    "patient declined the post-procedure mammogram.",
])
def test_tissue_taken_is_a_biopsy_performed_whatever_else_was_given_up(text: str) -> None:
    facts = read_text("Indication: Right breast calcifications.\n" + text, title="BREAST BIOPSY RIGHT")
    assert facts.procedures and all(p.performed for p in facts.procedures)


def _addendum(text: str) -> ReportFacts:
    return read_report(ReportDocument(uid="add", title_text="ADDENDUM", predecessor_uids=("report",),
                                      sections=(Section("Addendum", text),)))


@pytest.mark.parametrize("text", [
    "The laterality in the above report should read left.",
    "Laterality error. All references to the right breast should read LEFT breast.",
    "Correction: the mass is in the LEFT breast, not the right.",
    "Correction: replace right with left throughout the report.",
    "The side was incorrectly dictated as the right breast; the calcifications are in the left breast.",
    "Side error - pls read L breast for R breast.",
    "The mass was dictated as right in error; it is in the left breast.",
])
def test_a_side_correction_says_the_side_meant(text: str) -> None:
    (c,) = _addendum(text).corrections
    assert c.kind is CorrectionKind.LATERALITY and c.laterality is L and c.was_laterality is R


def test_site_and_finding_corrections() -> None:
    (clock,) = _addendum("Addendum: correction, the mass is at 11 o'clock not 1 o'clock.").corrections
    assert clock.kind is CorrectionKind.LOCATION and clock.location.clock == 11 and clock.was_location.clock == 1
    (depth,) = _addendum("Depth error: the calcifications are in the posterior depth, not anterior.").corrections
    assert depth.location.depth is Depth.POSTERIOR and depth.was_location.depth is Depth.ANTERIOR
    (kind,) = _addendum("The finding at right 6:00 should read focal asymmetry rather than mass.").corrections
    assert kind.kind is CorrectionKind.FINDING_TYPE
    assert (kind.finding_type, kind.was_finding_type) == (F.FOCAL_ASYMMETRY, F.MASS)


def test_an_addendum_that_only_restates_corrects_nothing() -> None:
    assert _addendum("As stated in the original report, the biopsied mass does not correspond to the "
                     "focal asymmetry at 7 o'clock.").corrections == ()
    assert _addendum("Correlation with the right breast ultrasound is recommended.").corrections == ()
