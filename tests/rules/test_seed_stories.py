"""The three seed stories of the design ("The problem"), end to end at the facts level."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rules.anatomy import Laterality
from rules.decisions import ConcordanceDecision
from rules.evaluation import evaluate
from rules.facts import ConcordanceVerdict, NotFeasible
from rules.items import Evaluation, ItemDecision, ItemKind, Priority
from tests.rules.factories import (
    DAY0,
    B,
    Birads,
    Depth,
    FindingType,
    Guidance,
    L,
    Lesion,
    Modality,
    PathologyCategory,
    R,
    RecommendationKind,
    Relation,
    SpecimenRadiograph,
    ViewModifier,
    at,
    case,
    day,
    image,
    pathology,
    procedure,
    radiology,
)


def opened(result: Evaluation, kind: ItemKind) -> list[ItemDecision]:
    return [i for i in result.open if i.kind is kind]


def closed(result: Evaluation, kind: ItemKind) -> list[ItemDecision]:
    return [i for i in result.satisfied if i.kind is kind]


# --- seed 1: the asymmetry whose ultrasound-guided biopsy sampled another lesion ----------------------


def _asymmetry_story(pathology_category: PathologyCategory, developing: bool = True):  # type: ignore[no-untyped-def]
    screen = radiology("seed1.screen", -60)
    screen.finding(
        "New developing asymmetry in the left upper outer quadrant at 2 o'clock.",
        FindingType.DEVELOPING_ASYMMETRY if developing else FindingType.FOCAL_ASYMMETRY,
        L,
        at(2, depth=Depth.MIDDLE),
        new_or_increasing=developing,
    )
    screen.assess("BI-RADS 0: incomplete, recall for additional evaluation.", Birads.B0, L)
    dx = radiology("seed1.dx", -50)
    dx.finding(
        "The asymmetry at 2 o'clock persists on spot compression views.",
        FindingType.DEVELOPING_ASYMMETRY if developing else FindingType.FOCAL_ASYMMETRY,
        L,
        at(2),
        persists_on_spot_compression=True,
        sonographic_correlate=False,
    )
    dx.finding(
        "Targeted ultrasound shows a 6 mm oval hypoechoic mass at 10 o'clock, 2 cm from the nipple.",
        FindingType.MASS,
        L,
        at(10, nipple_cm=2),
        size_mm=6,
    )
    dx.assess("BI-RADS 4B, left breast.", Birads.B4B, L)
    dx.recommend(
        "Ultrasound-guided core biopsy of the 10 o'clock mass.",
        RecommendationKind.BIOPSY,
        L,
        guidance=Guidance.ULTRASOUND,
        target_type=FindingType.MASS,
        target_location=at(10),
    )
    bx = procedure("seed1.usbx", -40)
    bx.biopsy(
        "Ultrasound-guided 14-gauge core biopsy of the left 10 o'clock mass; clip placed.",
        L,
        Guidance.ULTRASOUND,
        FindingType.MASS,
        at(10),
        clip_placed=True,
    )
    bx.corresponds(
        "The biopsied mass does not correspond to the mammographic asymmetry.",
        Relation.DOES_NOT_CORRESPOND,
        L,
        FindingType.ASYMMETRY,
    )
    path = pathology("seed1.path", -37)
    path.pathology(
        "Left breast 10 o'clock core: fibroadenoma."
        if pathology_category is PathologyCategory.BENIGN
        else "Left breast 10 o'clock core: invasive ductal carcinoma, grade 1.",
        pathology_category,
        L,
        at(10),
        [Lesion.FIBROADENOMA if pathology_category is PathologyCategory.BENIGN else Lesion.IDC],
    )
    return [screen, dx, bx, path]


@pytest.mark.parametrize("result", [PathologyCategory.BENIGN, PathologyCategory.MALIGNANT])
def test_seed1_asymmetry_stays_unsampled_whatever_the_mass_pathology(
    result: PathologyCategory,
) -> None:
    docs = _asymmetry_story(result)
    evaluation = evaluate(case(docs), DAY0)
    unsampled = opened(evaluation, ItemKind.UNSAMPLED_FINDING)
    assert [(i.laterality, i.finding_type) for i in unsampled] == [
        (L, FindingType.DEVELOPING_ASYMMETRY)
    ]
    item = unsampled[0]
    assert item.priority is Priority.URGENT
    assert any("developing asymmetry" in r for r in item.priority_reasons)
    assert (
        "Stereotactic or tomosynthesis" in item.next_step and "different lesion" in item.next_step
    )
    assert any("does not correspond" in e.text for e in item.evidence)
    # The mass itself was sampled: its own item closed.
    assert [i.finding_type for i in closed(evaluation, ItemKind.UNSAMPLED_FINDING)] == [
        FindingType.MASS
    ]
    assert not opened(evaluation, ItemKind.CORRELATION_REVIEW)


def test_seed1_focal_asymmetry_is_high_not_urgent() -> None:
    evaluation = evaluate(case(_asymmetry_story(PathologyCategory.BENIGN, developing=False)), DAY0)
    (item,) = opened(evaluation, ItemKind.UNSAMPLED_FINDING)
    assert item.priority is Priority.HIGH
    assert item.priority_reasons == ("persists on spot compression",)


def test_seed1_loop_closes_only_after_stereotactic_biopsy_and_documented_concordance() -> None:
    docs = _asymmetry_story(PathologyCategory.BENIGN)
    stereo = procedure("seed1.stx", -20)
    stereo.biopsy(
        "Stereotactic vacuum-assisted biopsy of the left 2 o'clock asymmetry; clip placed.",
        L,
        Guidance.STEREOTACTIC,
        FindingType.ASYMMETRY,
        at(2),
        clip_placed=True,
    )
    after_biopsy = evaluate(case(docs + [stereo]), DAY0)
    assert not opened(after_biopsy, ItemKind.UNSAMPLED_FINDING)
    assert opened(after_biopsy, ItemKind.PATHOLOGY_PENDING)

    path2 = pathology("seed1.path2", -17)
    path2.pathology(
        "Left breast 2 o'clock, stereotactic cores: stromal fibrosis.",
        PathologyCategory.BENIGN,
        L,
        at(2),
        [Lesion.OTHER_BENIGN],
    )
    with_pathology = evaluate(case(docs + [stereo, path2]), DAY0)
    pending = [
        i for i in opened(with_pathology, ItemKind.CONCORDANCE_PENDING) if i.location.clock == 2
    ]
    assert len(pending) == 1, "the asymmetry's loop stays open until concordance is documented"

    stereo_key = pending[0].key.split(":", 1)[1]
    decision = ConcordanceDecision(
        stereo_key, ConcordanceVerdict.CONCORDANT_BENIGN, day(-10), "benign concordant"
    )
    done = evaluate(case(docs + [stereo, path2], decisions=[decision]), DAY0)
    assert not [i for i in opened(done, ItemKind.CONCORDANCE_PENDING) if i.location.clock == 2]
    assert not opened(done, ItemKind.UNSAMPLED_FINDING)


def test_seed1_dbt_guided_next_step_when_best_seen_on_tomosynthesis() -> None:
    dx = radiology("dbt.dx", -5)
    dx.finding(
        "Focal asymmetry at right 11 o'clock seen only on tomosynthesis.",
        FindingType.FOCAL_ASYMMETRY,
        R,
        at(11),
        best_seen_on_tomosynthesis=True,
    )
    dx.assess("BI-RADS 4A.", Birads.B4A, R)
    (item,) = opened(evaluate(case([dx]), DAY0), ItemKind.UNSAMPLED_FINDING)
    assert item.next_step.startswith("Tomosynthesis (DBT)-guided")


# --- seed 2: a calcification cluster that needs biopsy ------------------------------------------------


def _calcification_cluster():  # type: ignore[no-untyped-def]
    dx = radiology("seed2.dx", -30)
    dx.finding(
        "Fine linear branching calcifications in a segmental distribution spanning 22 mm, right 10 o'clock.",
        FindingType.CALCIFICATIONS,
        R,
        at(10),
        extent_mm=22,
    )
    dx.assess("BI-RADS 4C.", Birads.B4C, R)
    dx.recommend(
        "Stereotactic biopsy recommended.",
        RecommendationKind.BIOPSY,
        R,
        guidance=Guidance.STEREOTACTIC,
    )
    stx = procedure("seed2.stx", -20)
    stx.biopsy(
        "Stereotactic 9-gauge vacuum-assisted biopsy of the right 10 o'clock calcifications, 12 cores.",
        R,
        Guidance.STEREOTACTIC,
        FindingType.CALCIFICATIONS,
        at(10),
        cores=12,
    )
    return dx, stx


def test_seed2_cluster_with_malignancy_predictors_is_urgent_until_sampled() -> None:
    dx, _ = _calcification_cluster()
    (item,) = opened(evaluate(case([dx]), day(-29)), ItemKind.UNSAMPLED_FINDING)
    assert item.priority is Priority.URGENT
    assert any("15 mm" in r for r in item.priority_reasons)
    assert "specimen radiograph" in item.next_step
    assert item.due_at - item.opened_at == timedelta(days=7)  # the site file's urgent interval


def test_seed2_specimen_radiograph_missing_until_the_specimen_image_arrives() -> None:
    dx, stx = _calcification_cluster()
    without = evaluate(case([dx, stx]), DAY0)
    (missing,) = opened(without, ItemKind.SPECIMEN_RADIOGRAPH_MISSING)
    assert missing.laterality is R
    specimen = image(-20, Modality.MG, R, specimen=True)
    with_image = evaluate(case([dx, stx], [specimen]), DAY0)
    assert not opened(with_image, ItemKind.SPECIMEN_RADIOGRAPH_MISSING)
    assert closed(with_image, ItemKind.SPECIMEN_RADIOGRAPH_MISSING)[0].closing_evidence[
        0
    ].source_uid == (specimen.sop_instance_uid)


def test_seed2_dcis_goes_to_referral_with_the_upgrade_note() -> None:
    dx, stx = _calcification_cluster()
    stx.parts["procedures"][0] = replace(
        stx.parts["procedures"][0],
        specimen_radiograph=SpecimenRadiograph.CALCIFICATIONS_PRESENT,  # type: ignore[type-var]
    )
    path = pathology("seed2.path", -16)
    path.pathology(
        "Right breast, stereotactic cores: ductal carcinoma in situ, high nuclear grade, with "
        "calcifications.",
        PathologyCategory.MALIGNANT,
        R,
        at(10),
        [Lesion.DCIS],
        calcifications=True,
    )
    evaluation = evaluate(case([dx, stx, path]), DAY0)
    (referral,) = opened(evaluation, ItemKind.MALIGNANCY_REFERRAL)
    assert referral.priority is Priority.URGENT and "about 20%" in referral.next_step
    assert not opened(evaluation, ItemKind.SPECIMEN_RADIOGRAPH_MISSING)
    assert not opened(evaluation, ItemKind.DISCORDANT_PATHOLOGY)
    assert opened(evaluation, ItemKind.CONCORDANCE_PENDING)


# --- seed 3: calcifications in a dense breast ---------------------------------------------------------


def _dense_screen():  # type: ignore[no-untyped-def]
    from rules.facts import Composition

    screen = radiology("seed3.screen", -60)
    screen.composition = Composition.D
    screen.finding(
        "Grouped calcifications in the left upper outer quadrant.",
        FindingType.CALCIFICATIONS,
        L,
        at(2),
    )
    screen.assess("BI-RADS 0: incomplete.", Birads.B0, L)
    screen.recommend(
        "Spot magnification views of the left calcifications.",
        RecommendationKind.MAGNIFICATION_VIEWS,
        L,
    )
    screen.recommend(
        "Please obtain outside prior mammograms for comparison.", RecommendationKind.OUTSIDE_PRIORS
    )
    screen.recommend(
        "Bilateral whole-breast ultrasound is recommended for extremely dense tissue.",
        RecommendationKind.SUPPLEMENTAL_ULTRASOUND,
        B,
    )
    return screen


def test_seed3_work_up_items_open_after_the_screen() -> None:
    evaluation = evaluate(case([_dense_screen()]), day(-59))
    kinds = {i.kind for i in evaluation.open}
    assert kinds == {
        ItemKind.MAGNIFICATION_VIEWS_PENDING,
        ItemKind.PRIORS_PENDING,
        ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING,
    }
    (us,) = opened(evaluation, ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING)
    assert us.laterality is B


def test_seed3_each_work_up_item_closes_with_its_own_study() -> None:
    screen = _dense_screen()
    images = [
        image(-50, Modality.MG, L, modifiers=[ViewModifier.MAGNIFICATION]),
        image(-48, Modality.MG, B, outside_prior=True),
        image(-45, Modality.US, R),
    ]
    partial = evaluate(case([screen], images), day(-44))
    assert {i.kind for i in partial.open} == {
        ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING
    }, "one breast scanned only"
    complete = evaluate(case([screen], images + [image(-44, Modality.US, L)]), day(-44))
    assert not complete.open
    assert {i.kind for i in complete.satisfied} == {
        ItemKind.MAGNIFICATION_VIEWS_PENDING,
        ItemKind.PRIORS_PENDING,
        ItemKind.SUPPLEMENTAL_ULTRASOUND_PENDING,
    }


def test_seed3_stereotactic_not_feasible_goes_to_open_surgical_biopsy() -> None:
    screen = _dense_screen()
    dx = radiology("seed3.dx", -40)
    dx.finding(
        "Magnification views: fine pleomorphic calcifications, left 2 o'clock, very posterior.",
        FindingType.CALCIFICATIONS,
        L,
        at(2, depth=Depth.POSTERIOR),
    )
    dx.assess("BI-RADS 4B.", Birads.B4B, L)
    dx.recommend(
        "Stereotactic biopsy.", RecommendationKind.BIOPSY, L, guidance=Guidance.STEREOTACTIC
    )
    attempt = procedure("seed3.attempt", -30)
    attempt.add(
        "not_feasible",
        NotFeasible(
            Guidance.STEREOTACTIC,
            L,
            "lesion too posterior for the stereotactic device",
            attempt.ev(
                "Stereotactic biopsy was not feasible: the calcifications are too " "posterior."
            ),
        ),
    )
    evaluation = evaluate(case([screen, dx, attempt]), DAY0)
    (referral,) = opened(evaluation, ItemKind.SURGICAL_BIOPSY_REFERRAL)
    assert referral.laterality is L and "too posterior" in referral.next_step
    assert referral.finding_type is FindingType.CALCIFICATIONS

    surgery = procedure("seed3.excision", -10)
    surgery.biopsy(
        "Wire-localised excisional biopsy of the left 2 o'clock calcifications.",
        L,
        Guidance.SURGICAL,
        FindingType.CALCIFICATIONS,
        at(2),
    )
    done = evaluate(case([screen, dx, attempt, surgery]), DAY0)
    assert not opened(done, ItemKind.SURGICAL_BIOPSY_REFERRAL)
    assert not opened(done, ItemKind.UNSAMPLED_FINDING)
    assert opened(done, ItemKind.PATHOLOGY_PENDING)


def test_seed3_benign_appearing_calcifications_go_to_six_month_follow_up() -> None:
    dx = radiology("seed3.benign", -10)
    dx.finding(
        "Round and punctate calcifications, left upper outer quadrant, probably benign.",
        FindingType.CALCIFICATIONS,
        L,
        at(2),
    )
    dx.assess("BI-RADS 3: probably benign.", Birads.B3, L)
    dx.recommend(
        "Left diagnostic mammogram in 6 months.",
        RecommendationKind.SHORT_INTERVAL_FOLLOW_UP,
        L,
        interval_months=6,
        modality="mammogram",
    )
    dx.recommend(
        "Routine annual screening of the right breast.", RecommendationKind.ANNUAL_SCREENING, R
    )
    evaluation = evaluate(case([dx]), DAY0)
    follow_ups = sorted(
        (i.laterality.value, i.due_at.date().isoformat())
        for i in opened(evaluation, ItemKind.FOLLOW_UP_DUE)
        if isinstance(i.laterality, Laterality)
    )
    assert follow_ups == [("L", "2027-06-10"), ("R", "2027-12-11")]
    assert not opened(evaluation, ItemKind.UNSAMPLED_FINDING)
    assert not opened(evaluation, ItemKind.MAGNIFICATION_VIEWS_PENDING)
