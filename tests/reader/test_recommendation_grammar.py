"""Which steps a report asks for, cause by cause: a step named as something seen or done is not
asked for, a specific step speaks for the words it shares with a general one, each guidance named
for sampling is a biopsy of its own, a chained plan keeps each step's own words, and a request for
outside priors is told from a comparison with them."""

from __future__ import annotations

import pytest

from rules.anatomy import Laterality
from rules.facts import Birads, ConcordanceVerdict, Guidance, RecommendationKind
from rules.reader import read_text

K = RecommendationKind
R, L, B = Laterality.RIGHT, Laterality.LEFT, Laterality.BOTH


def steps(text: str, title: str = "DIAGNOSTIC MAMMOGRAM BILATERAL") -> set[tuple[K, Laterality | None]]:
    return {(r.kind, r.laterality) for r in read_text(text, title=title).recommendations}


# --- a step named as what was seen or done is not asked for --------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Impression: Persistent right distortion with possible sonographic correlate. BI-RADS 4B.", set()),
    ("Impression: No sonographic correlate for the left 4 o'clock MRI mass. BI-RADS 4. "
     "Recommend MRI-guided biopsy.", {(K.BIOPSY, L)}),
    ("Impression: Second-look ultrasound, MRI-guided biopsy if not seen.", {(K.ULTRASOUND, R), (K.BIOPSY, R)}),
    ("Impression: Given persistence of the focal asymmetry on spot compression, BI-RADS 4A. "
     "Recommend stereotactic core biopsy.", {(K.BIOPSY, R)}),
    ("Impression: Findings resolved on spot views. BI-RADS 1. Recommend routine screening in 1 year.",
     {(K.ANNUAL_SCREENING, B)}),
    ("Impression: Negative bilateral screening breast ultrasound. BI-RADS 1. Annual screening.",
     {(K.ANNUAL_SCREENING, B)}),
    ("Impression: Stable biopsy-proven benign fibroadenoma. BI-RADS 2. Return to annual screening.",
     {(K.ANNUAL_SCREENING, B)}),
    ("Impression: Residual suspicious calcifications after discordant benign biopsy. BI-RADS 4B. "
     "Surgical excision is recommended.", {(K.SURGICAL_EXCISION, R)}),
    ("Impression: New calcifications near the lumpectomy site, suspicious for recurrence. BI-RADS 4B. "
     "Stereotactic core biopsy is recommended.", {(K.BIOPSY, R)}),
    ("Comment: Excision may be considered given the sampling limitations of needle core biopsy.",
     {(K.SURGICAL_EXCISION, R)}),
    ("Findings: The patient returns for her 6-month follow-up of a right breast mass, which is stable.",
     set()),
    ("Findings: She presents for the annual screening recommended on her prior study.", set()),
    ("Findings: The calcifications continue to be stable on annual mammograms.", set()),
])
def test_a_step_seen_or_done_is_not_asked_for(text: str, expected: set[tuple[K, Laterality | None]]) -> None:
    assert steps(text, title="DIAGNOSTIC MAMMOGRAM RIGHT" if "left" not in text.lower() else "US LEFT") == expected


def test_a_procedure_report_describing_its_biopsy_asks_for_no_biopsy() -> None:
    report = ("Procedure: Stereotactic vacuum-assisted biopsy of left 3 o'clock calcifications, 12 samples.\n"
              "Impression: Stereotactic vacuum-assisted biopsy of left 3 o'clock calcifications. Clip "
              "appropriately positioned. Repeat stereotactic biopsy or surgical excision will be needed "
              "depending on pathology.")
    assert steps(report, title="STEREOTACTIC BIOPSY LEFT") == {(K.REPEAT_BIOPSY, L), (K.SURGICAL_EXCISION, L)}


# --- specific steps and the words they share --------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    # written apart, the diagnostic mammogram and each view stand
    ("Impression: Recommend left diagnostic mammogram with spot compression and magnification views "
     "and targeted ultrasound.",
     {(K.ADDITIONAL_VIEWS, L), (K.SPOT_COMPRESSION, L), (K.MAGNIFICATION_VIEWS, L), (K.ULTRASOUND, L)}),
    # side by side, "spot magnification" is the magnification views
    ("Impression: Spot magnification views of the left calcifications.", {(K.MAGNIFICATION_VIEWS, L)}),
    # a bare callback word stands for the steps named with it
    ("Impression: BI-RADS 0. Call back: right breast magnification views; left diagnostic mammogram "
     "and ultrasound.", {(K.MAGNIFICATION_VIEWS, R), (K.ADDITIONAL_VIEWS, L), (K.ULTRASOUND, L)}),
    ("Impression: BI-RADS 0 - recall for left diagnostic imaging including ultrasound.",
     {(K.ADDITIONAL_VIEWS, L), (K.ULTRASOUND, L)}),
    ("Impression: Possible left distortion. Diagnostic tomosynthesis views and ultrasound.",
     {(K.ADDITIONAL_VIEWS, L), (K.ULTRASOUND, L)}),
    ("Impression: Surgical excision with wire localization is recommended; repeat stereotactic biopsy "
     "is an alternative.", {(K.SURGICAL_EXCISION, R), (K.REPEAT_BIOPSY, R)}),
    # a step a consultation will discuss is the consultation's topic
    ("Comment: Surgical consultation for consideration of excision is recommended.",
     {(K.SURGICAL_CONSULTATION, R)}),
    ("Note: As a high-risk lesion, surgical consultation is recommended to discuss excision versus "
     "imaging surveillance.", {(K.SURGICAL_CONSULTATION, R)}),
    ("Impression: Referred for surgical consultation and wire-localized surgical biopsy.",
     {(K.SURGICAL_CONSULTATION, R), (K.SURGICAL_EXCISION, R)}),
    ("Impression: Stereo bx advised; if extent confirmed, surgical consultation.",
     {(K.BIOPSY, R), (K.SURGICAL_CONSULTATION, R)}),
])
def test_specific_steps_and_general_ones(text: str, expected: set[tuple[K, Laterality | None]]) -> None:
    title = "MAMMO SCREENING BILATERAL" if "left" in text.lower() else "DIAGNOSTIC MAMMOGRAM RIGHT"
    assert steps(text, title=title) == expected


def test_the_diagnostic_mammogram_of_a_follow_up_is_how_it_is_done() -> None:
    assert steps("Impression: BI-RADS 3. Return in 6 months for bilateral diagnostic mammogram.") == {
        (K.SHORT_INTERVAL_FOLLOW_UP, B)}
    assert steps("Impression: BI-RADS 3. Follow-up bilateral breast ultrasound in 6 months.") == {
        (K.SHORT_INTERVAL_FOLLOW_UP, B)}
    assert steps("Impression: BI-RADS 2. Recommend annual bilateral diagnostic mammogram.") == {
        (K.ANNUAL_SCREENING, B)}


def test_annual_mri_beside_annual_mammography_is_a_step_of_its_own() -> None:
    facts = read_text("Impression: BI-RADS 2. Continue annual MRI alternating with annual mammography.",
                      title="BREAST MRI SCREENING")
    recs = {(r.kind, r.laterality): r for r in facts.recommendations}
    assert set(recs) == {(K.MRI, B), (K.ANNUAL_SCREENING, B)}
    assert recs[(K.ANNUAL_SCREENING, B)].modality == "mammogram"
    staggered = steps("Impression: BI-RADS 1. Continue annual breast MRI and annual mammography, "
                      "staggered at 6-month intervals.", title="MRI BREAST BILATERAL")
    assert staggered == {(K.MRI, B), (K.ANNUAL_SCREENING, B)}


# --- each guidance named for sampling is a biopsy ---------------------------------------------


@pytest.mark.parametrize(("text", "guidance"), [
    ("Impression: Recommend stereotactic or tomosynthesis-guided biopsy.",
     {Guidance.STEREOTACTIC, Guidance.TOMOSYNTHESIS}),
    ("Impression: Stereotactic core biopsy recommended; tomosynthesis guidance if not visible on the "
     "stereotactic scout.", {Guidance.STEREOTACTIC, Guidance.TOMOSYNTHESIS}),
    ("Impression: Recommend ultrasound guided core needle biopsy with clip placement; if calcifications "
     "not retrieved, stereotactic biopsy of the calcifications.", {Guidance.ULTRASOUND, Guidance.STEREOTACTIC}),
    ("Impression: Stereotactic biopsy advised; the location is very posterior and may not be "
     "accessible, in which case wire-localised surgical excision.", {Guidance.STEREOTACTIC}),
    ("Impression: Tomosynthesis-guided biopsy recommended. The indeterminate sonographic finding can be "
     "sampled at the same visit if it is confidently identified.", {Guidance.TOMOSYNTHESIS, Guidance.ULTRASOUND}),
])
def test_each_guidance_named_for_sampling_is_a_biopsy(text: str, guidance: set[Guidance]) -> None:
    facts = read_text(text, title="DIAGNOSTIC MAMMOGRAM LEFT")
    assert {r.guidance for r in facts.recommendations if r.kind is K.BIOPSY} == guidance


def test_no_sonographic_correlate_is_no_ultrasound_guidance() -> None:
    facts = read_text("Impression: No sonographic correlate. Stereotactic biopsy is recommended as there is "
                      "no sonographic correlate.", title="US BREAST LEFT")
    assert [(r.kind, r.guidance) for r in facts.recommendations] == [(K.BIOPSY, Guidance.STEREOTACTIC)]


# --- chained plans -----------------------------------------------------------------------------


@pytest.mark.parametrize("plan", [
    "Recommend right breast ultrasound in 6 months, then routine screening if stable.",
    "Right breast ultrasound in 6 months; thereafter, if stable, return to routine annual screening.",
    "Six-month follow-up right breast ultrasound followed by annual screening mammography if unchanged.",
])
def test_a_chained_plan_keeps_each_steps_own_side_and_study(plan: str) -> None:
    facts = read_text("Impression: Probably benign right breast mass. BI-RADS 3. " + plan,
                      title="US BREAST RIGHT")
    recs = {r.kind: r for r in facts.recommendations}
    assert set(recs) == {K.SHORT_INTERVAL_FOLLOW_UP, K.ANNUAL_SCREENING}
    short, annual = recs[K.SHORT_INTERVAL_FOLLOW_UP], recs[K.ANNUAL_SCREENING]
    assert (short.laterality, short.interval_months, short.modality) == (R, 6, "ultrasound")
    assert annual.laterality is B, "routine screening after the chain is of both breasts"
    assert annual.modality != "ultrasound", "the ultrasound belongs to the first step"


@pytest.mark.parametrize("plan", [
    "Recommend bilateral diagnostic mammogram in 6 months (12 months from baseline).",
    "Recommend repeat ultrasound in 6 months (12-month follow-up from the initial study).",
    "Follow-up in 6 months, 18 months from the original examination.",
])
def test_a_time_from_baseline_is_no_step(plan: str) -> None:
    facts = read_text("Impression: Stable probably benign calcifications. BI-RADS 3. " + plan,
                      title="DIAGNOSTIC MAMMOGRAM LEFT")
    assert [(r.kind, r.interval_months) for r in facts.recommendations] == [(K.SHORT_INTERVAL_FOLLOW_UP, 6)]


def test_shorthand_months() -> None:
    facts = read_text("Impression: Probably benign lt breast calcs. BIRADS 3. Recommend 6 mo follow-up, then "
                      "annually for 2 yrs to document stability.", title="MAMMO DIAG LT")
    assert {(r.kind, r.laterality, r.interval_months) for r in facts.recommendations} == {
        (K.SHORT_INTERVAL_FOLLOW_UP, L, 6), (K.ANNUAL_SCREENING, B, 12)}


# --- conditional, optional, declined and earlier steps ------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Impression: BI-RADS 4C. Recommend ultrasound-guided core biopsy. Consider breast MRI to evaluate "
     "extent of disease if malignant.", {(K.BIOPSY, L), (K.MRI, B)}),
    ("Impression: BI-RADS 4A. Recommend ultrasound-guided aspiration; if the lesion does not resolve "
     "completely, core biopsy at the same visit.", {(K.BIOPSY, L)}),
    ("Impression: BI-RADS 4A. Ultrasound-guided core biopsy is recommended. The patient declined biopsy "
     "today; she will return for a 6-month follow-up ultrasound instead.",
     {(K.BIOPSY, L), (K.SHORT_INTERVAL_FOLLOW_UP, L)}),
    ("Impression: BI-RADS 4A. Biopsy is again recommended; if the patient continues to decline, a "
     "6-month follow-up mammogram.", {(K.BIOPSY, L), (K.SHORT_INTERVAL_FOLLOW_UP, L)}),
    ("Impression: Enlarging mass. BI-RADS 4B. Ultrasound-guided biopsy is now recommended rather than "
     "continued follow-up.", {(K.BIOPSY, L)}),
    ("Addendum: Surgical excisional biopsy after wire localization remains the recommendation.",
     {(K.SURGICAL_EXCISION, L)}),
    ("Addendum: Annual mammogram.", {(K.ANNUAL_SCREENING, B)}),
    ("Impression: The biopsied mass is separate from the 12 o'clock calcifications, which still require "
     "stereotactic biopsy.", {(K.BIOPSY, L)}),
    ("Impression: bi-rads 0. lt mag views needed. pt would benefit from supplemental screening us given "
     "density.", {(K.MAGNIFICATION_VIEWS, L), (K.SUPPLEMENTAL_ULTRASOUND, B)}),
    ("Impression: BI-RADS 1. The patient may wish to discuss supplemental screening MRI or ultrasound "
     "with her provider.", {(K.MRI, B), (K.SUPPLEMENTAL_ULTRASOUND, B)}),
])
def test_conditional_optional_declined_and_restated_steps(text: str,
                                                          expected: set[tuple[K, Laterality | None]]) -> None:
    assert steps(text, title="DIAGNOSTIC MAMMOGRAM LEFT") == expected


def test_lower_case_dictation_is_split_into_sentences() -> None:
    facts = read_text("Impression: bi-rads 0. rt mag views needed.", title="MAMMO SCREENING BILATERAL")
    assert [(a.category, a.laterality) for a in facts.assessments] == [(Birads.B0, B)]
    assert steps("Impression: bi-rads 0. rt mag views needed.", "MAMMO SCREENING BILATERAL") == {
        (K.MAGNIFICATION_VIEWS, R)}


# --- outside priors: a request, not a comparison ------------------------------------------------


@pytest.mark.parametrize("text", [
    "Impression: BI-RADS 0: incomplete, need prior mammograms for comparison.",
    "Impression: Please obtain prior outside mammograms from Lakeview Radiology.",
    "Impression: BI-RADS 0, pending comparison. Recommend retrieval of prior examinations from St. Anne's Hospital.",
    "Findings: Focal assymetry right breast, MLO only. BI-RADS 0 incomplete. Outside films requested.",
    "Impression: Outside films remain outstanding; please forward them for our records if available.",
    "Impression: BI-RADS 0. Prior outside mammograms would be helpful for comparison.",
])
def test_a_request_for_outside_priors_is_read(text: str) -> None:
    assert (K.OUTSIDE_PRIORS, None) in steps(text)


@pytest.mark.parametrize("text", [
    "Impression: New right breast mass compared with the outside study. BI-RADS 0. Recommend right "
    "diagnostic mammogram and ultrasound.",
    "Findings: The calcifications are new compared to the outside exams. Impression: BI-RADS 4B. "
    "Stereotactic biopsy recommended.",
    "Impression: The mass is not present on the outside study from 2019. BI-RADS 0.",
    "Addendum: Outside mammograms from 3 and 4 years ago have been received and reviewed. BI-RADS 2.",
])
def test_a_comparison_with_outside_priors_asks_for_none(text: str) -> None:
    assert all(kind is not K.OUTSIDE_PRIORS for kind, _ in steps(text))


# --- categories and verdicts that state nothing now ---------------------------------------------


def test_a_category_naming_a_finding_in_a_correlation_note_is_no_assessment() -> None:
    facts = read_text("Addendum: Stromal fibrosis is NOT concordant with a BI-RADS 4C irregular mass. "
                      "The result is discordant.", title="ADDENDUM - RADIOLOGY-PATHOLOGY CORRELATION")
    assert facts.assessments == ()
    assert [c.verdict for c in facts.concordance] == [ConcordanceVerdict.DISCORDANT]


@pytest.mark.parametrize("text", [
    "Impression: Pathology pending. If benign and concordant, return to routine annual screening.",
    "Comment: Correlation with imaging is recommended; if the result is considered discordant, repeat "
    "biopsy or excision should be considered.",
    "Impression: Recommend radiology-pathology correlation and, if benign and concordant, 6-month "
    "follow-up diagnostic mammogram.",
])
def test_a_conditional_verdict_is_no_verdict(text: str) -> None:
    assert read_text(text, title="US CORE BIOPSY LEFT").concordance == ()
