"""One opening and one closing story per item kind (those the seed stories do not already tell),
plus the robustness cases: pathology before the procedure report, an orphan addendum, a target type
the reader missed."""

from __future__ import annotations

from dataclasses import replace

from rules.decisions import ConcordanceDecision, CorrelationDecision, Documented, DocumentedAction
from rules.evaluation import evaluate
from rules.facts import ConcordanceVerdict, PalpableComplaint
from rules.items import Evaluation, ItemDecision, ItemKind, Priority
from tests.rules.factories import (
    DAY0,
    Birads,
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


def _mass_report(birads: Birads = Birads.B4B, uid: str = "mass.dx", when: float = -30):  # type: ignore[no-untyped-def]
    dx = radiology(uid, when)
    dx.finding(
        "Irregular 12 mm mass at right 9 o'clock, 4 cm from the nipple.",
        FindingType.MASS,
        R,
        at(9, nipple_cm=4),
        size_mm=12,
    )
    dx.assess(f"BI-RADS {birads.value}.", birads, R)
    dx.recommend(
        "Ultrasound-guided core biopsy.", RecommendationKind.BIOPSY, R, guidance=Guidance.ULTRASOUND
    )
    return dx


def _mass_biopsy(when: float = -20, target: FindingType | None = FindingType.MASS):  # type: ignore[no-untyped-def]
    bx = procedure("mass.bx", when)
    bx.biopsy(
        "Ultrasound-guided 14-gauge core biopsy of the right 9 o'clock mass, 4 cm from the nipple.",
        R,
        Guidance.ULTRASOUND,
        target,
        at(9, nipple_cm=4),
        clip_placed=True,
    )
    return bx


def _mass_pathology(category: PathologyCategory, lesion: Lesion, when: float = -17, **kw: object):  # type: ignore[no-untyped-def]
    path = pathology("mass.path", when)
    path.pathology(
        f"Right breast 9 o'clock core biopsy: {lesion.value}.", category, R, at(9), [lesion], **kw
    )
    return path


# --- unsampled-finding -----------------------------------------------------------------------------


def test_unsampled_only_the_finding_recommended_for_biopsy_in_a_breast_with_several() -> None:
    dx = radiology("two.dx", -5)
    dx.finding(
        "Oval circumscribed mass at left 3 o'clock, unchanged, benign.", FindingType.MASS, L, at(3)
    )
    dx.finding("New irregular mass at left 11 o'clock.", FindingType.MASS, L, at(11))
    dx.assess("BI-RADS 4B, left breast.", Birads.B4B, L)
    dx.recommend(
        "Ultrasound-guided biopsy of the 11 o'clock mass.",
        RecommendationKind.BIOPSY,
        L,
        target_type=FindingType.MASS,
        target_location=at(11),
    )
    (item,) = opened(evaluate(case([dx]), DAY0), ItemKind.UNSAMPLED_FINDING)
    assert item.location.clock == 11
    assert "under ultrasound guidance" in item.next_step


def test_unsampled_closes_when_a_later_report_withdraws_the_biopsy() -> None:
    later = radiology("mass.dx2", -10)
    later.finding(
        "The right 9 o'clock mass is a simple cyst on repeat ultrasound.",
        FindingType.MASS,
        R,
        at(9),
    )
    later.assess("BI-RADS 2: benign.", Birads.B2, R)
    evaluation = evaluate(case([_mass_report(), later]), DAY0)
    assert not opened(evaluation, ItemKind.UNSAMPLED_FINDING)
    (item,) = closed(evaluation, ItemKind.UNSAMPLED_FINDING)
    assert item.closing_evidence[0].text == "BI-RADS 2: benign."


def test_bi_rads_5_and_palpable_are_urgent() -> None:
    (item,) = opened(evaluate(case([_mass_report(Birads.B5)]), DAY0), ItemKind.UNSAMPLED_FINDING)
    assert item.priority is Priority.URGENT and "BI-RADS 5" in item.priority_reasons


# --- correlation-review ----------------------------------------------------------------------------


def _two_masses_and_a_vague_biopsy():  # type: ignore[no-untyped-def]
    dx = radiology("vague.dx", -30)
    dx.finding("Irregular mass at right 8 o'clock.", FindingType.MASS, R, at(8))
    dx.finding("A second irregular mass at right 2 o'clock.", FindingType.MASS, R, at(2))
    dx.assess("BI-RADS 4C.", Birads.B4C, R)
    bx = procedure("vague.bx", -20)
    bx.biopsy(
        "Ultrasound-guided core biopsy of a right breast mass.",
        R,
        Guidance.ULTRASOUND,
        FindingType.MASS,
    )
    return [dx, bx]


def test_correlation_review_when_the_reports_cannot_say_which_mass_was_sampled() -> None:
    evaluation = evaluate(case(_two_masses_and_a_vague_biopsy()), DAY0)
    (review,) = opened(evaluation, ItemKind.CORRELATION_REVIEW)
    assert review.laterality is R and review.priority is Priority.HIGH
    assert len(opened(evaluation, ItemKind.UNSAMPLED_FINDING)) == 2, "no guess closes either mass"


def test_correlation_review_closes_with_a_decision_that_also_closes_the_sampled_finding() -> None:
    docs = _two_masses_and_a_vague_biopsy()
    first = evaluate(case(docs), DAY0)
    review = opened(first, ItemKind.CORRELATION_REVIEW)[0]
    target = next(i for i in opened(first, ItemKind.UNSAMPLED_FINDING) if i.location.clock == 2)
    decision = CorrelationDecision(
        review.key.split(":", 1)[1], target.finding_key or "", True, day(-1)
    )
    after = evaluate(case(docs, decisions=[decision]), DAY0)
    assert not opened(after, ItemKind.CORRELATION_REVIEW)
    assert closed(after, ItemKind.CORRELATION_REVIEW)
    still = opened(after, ItemKind.UNSAMPLED_FINDING)
    assert len(still) == 1 and still[0].location.clock == 8


def test_a_report_that_cannot_tell_raises_review_even_when_the_features_match() -> None:
    bx = _mass_biopsy()
    bx.corresponds(
        "It is indeterminate whether the sonographic lesion represents the mammographic mass.",
        Relation.UNCERTAIN, R, FindingType.MASS,
    )
    evaluation = evaluate(case([_mass_report(), bx]), DAY0)
    (review,) = opened(evaluation, ItemKind.CORRELATION_REVIEW)
    assert review.laterality is R
    assert opened(evaluation, ItemKind.UNSAMPLED_FINDING), "the mass is not taken as sampled"
    without = evaluate(case([_mass_report(), _mass_biopsy()]), DAY0)
    assert not opened(without, ItemKind.CORRELATION_REVIEW), "the features alone place it"


def test_a_later_certain_statement_settles_an_uncertain_one() -> None:
    bx = _mass_biopsy()
    bx.corresponds("Correlation with the mammographic mass is uncertain.", Relation.UNCERTAIN, R,
                   FindingType.MASS)
    note = procedure("mass.bx.add", -15, addendum_to="mass.bx")
    note.corresponds("Repeat imaging: the clip lies within the mass.", Relation.CORRESPONDS, R,
                     FindingType.MASS)
    evaluation = evaluate(case([_mass_report(), bx, note]), DAY0)
    assert not opened(evaluation, ItemKind.CORRELATION_REVIEW)
    assert closed(evaluation, ItemKind.UNSAMPLED_FINDING)


def test_a_biopsy_without_target_type_matches_by_location() -> None:
    evaluation = evaluate(case([_mass_report(), _mass_biopsy(target=None)]), DAY0)
    assert not opened(evaluation, ItemKind.CORRELATION_REVIEW)
    assert closed(evaluation, ItemKind.UNSAMPLED_FINDING)


# --- pathology-pending and concordance-pending -----------------------------------------------------


def test_pathology_pending_opens_at_the_biopsy_and_closes_with_the_result() -> None:
    waiting = evaluate(case([_mass_report(), _mass_biopsy()]), DAY0)
    (item,) = opened(waiting, ItemKind.PATHOLOGY_PENDING)
    assert item.opened_at == day(-20) and item.due_at == day(-15)
    done = evaluate(
        case(
            [
                _mass_report(),
                _mass_biopsy(),
                _mass_pathology(PathologyCategory.BENIGN, Lesion.FIBROADENOMA),
            ]
        ),
        DAY0,
    )
    assert not opened(done, ItemKind.PATHOLOGY_PENDING) and closed(done, ItemKind.PATHOLOGY_PENDING)


def test_pathology_arriving_before_the_procedure_report_gives_the_same_items() -> None:
    path = _mass_pathology(PathologyCategory.BENIGN, Lesion.FIBROADENOMA, when=-19)
    early = evaluate(case([_mass_report(), path, _mass_biopsy(when=-18)]), DAY0)
    assert not opened(early, ItemKind.PATHOLOGY_PENDING)
    assert len(opened(early, ItemKind.CONCORDANCE_PENDING)) == 1
    only_pathology = evaluate(case([_mass_report(), path]), DAY0)
    assert len(opened(only_pathology, ItemKind.CONCORDANCE_PENDING)) == 1
    assert not opened(only_pathology, ItemKind.PATHOLOGY_PENDING)


def test_concordance_pending_closes_with_a_report_statement_even_if_its_predecessor_is_missing() -> (
    None
):
    docs = [
        _mass_report(),
        _mass_biopsy(),
        _mass_pathology(PathologyCategory.BENIGN, Lesion.FIBROADENOMA),
    ]
    assert opened(evaluate(case(docs), DAY0), ItemKind.CONCORDANCE_PENDING)
    orphan = procedure("mass.addendum", -15, addendum_to="a.document.that.never.arrived")
    orphan.concordance(
        "Fibroadenoma is concordant with the imaging.", ConcordanceVerdict.CONCORDANT_BENIGN, R
    )
    done = evaluate(case(docs + [orphan]), DAY0)
    assert not opened(done, ItemKind.CONCORDANCE_PENDING)
    assert (
        closed(done, ItemKind.CONCORDANCE_PENDING)[0].closing_evidence[0].source_uid
        == "mass.addendum"
    )


# --- discordant-pathology --------------------------------------------------------------------------


def test_benign_result_for_bi_rads_5_is_discordant_until_re_biopsy() -> None:
    docs = [
        _mass_report(Birads.B5),
        _mass_biopsy(),
        _mass_pathology(PathologyCategory.BENIGN, Lesion.FIBROCYSTIC_CHANGE),
    ]
    (item,) = opened(evaluate(case(docs), DAY0), ItemKind.DISCORDANT_PATHOLOGY)
    assert item.priority is Priority.URGENT
    assert "benign result for a BI-RADS 5 finding" in item.priority_reasons
    assert "not routine follow-up" in item.next_step
    repeat = procedure("mass.rebx", -5)
    repeat.biopsy(
        "Repeat ultrasound-guided vacuum biopsy of the right 9 o'clock mass.",
        R,
        Guidance.ULTRASOUND,
        FindingType.MASS,
        at(9),
    )
    after = evaluate(case(docs + [repeat]), DAY0)
    assert not opened(after, ItemKind.DISCORDANT_PATHOLOGY)
    assert (
        closed(after, ItemKind.DISCORDANT_PATHOLOGY)[0].closing_evidence[0].source_uid
        == "mass.rebx"
    )


def test_inferred_discordance_yields_to_a_documented_decision() -> None:
    docs = [
        _mass_report(Birads.B5),
        _mass_biopsy(),
        _mass_pathology(PathologyCategory.BENIGN, Lesion.FIBROCYSTIC_CHANGE),
    ]
    bx_key = opened(evaluate(case(docs), DAY0), ItemKind.DISCORDANT_PATHOLOGY)[0].key.split(":", 1)[
        1
    ]
    decision = ConcordanceDecision(
        bx_key, ConcordanceVerdict.CONCORDANT_BENIGN, day(-2), "reviewed at conference"
    )
    after = evaluate(case(docs, decisions=[decision]), DAY0)
    assert not opened(after, ItemKind.DISCORDANT_PATHOLOGY)
    assert not opened(after, ItemKind.CONCORDANCE_PENDING)


def test_calcification_target_without_calcifications_in_the_specimen_is_discordant() -> None:
    dx = radiology("calc.dx", -30)
    dx.finding("Amorphous calcifications, left 1 o'clock.", FindingType.CALCIFICATIONS, L, at(1))
    dx.assess("BI-RADS 4A.", Birads.B4A, L)
    stx = procedure("calc.stx", -20)
    stx.biopsy(
        "Stereotactic biopsy of the left 1 o'clock calcifications.",
        L,
        Guidance.STEREOTACTIC,
        FindingType.CALCIFICATIONS,
        at(1),
        specimen_radiograph=SpecimenRadiograph.CALCIFICATIONS_PRESENT,
    )
    path = pathology("calc.path", -17)
    path.pathology(
        "Benign breast tissue; no calcifications identified.",
        PathologyCategory.BENIGN,
        L,
        at(1),
        [Lesion.BENIGN_PARENCHYMA],
        calcifications=False,
    )
    (item,) = opened(evaluate(case([dx, stx, path]), DAY0), ItemKind.DISCORDANT_PATHOLOGY)
    assert "calcifications targeted but none identified in the specimen" in item.priority_reasons


def test_documented_discordance_in_a_radpath_note() -> None:
    docs = [
        _mass_report(Birads.B4A),
        _mass_biopsy(),
        _mass_pathology(PathologyCategory.BENIGN, Lesion.OTHER_BENIGN),
    ]
    note = procedure("mass.radpath", -14, addendum_to="mass.bx")
    note.concordance(
        "The benign result is discordant with the imaging.", ConcordanceVerdict.DISCORDANT, R
    )
    evaluation = evaluate(case(docs + [note]), DAY0)
    (item,) = opened(evaluation, ItemKind.DISCORDANT_PATHOLOGY)
    assert item.opened_at == day(-14)
    assert not opened(evaluation, ItemKind.CONCORDANCE_PENDING)


def test_a_discordance_stated_in_an_undated_note_opens_from_the_evaluation_moment() -> None:
    docs = [
        _mass_report(Birads.B4A),
        _mass_biopsy(),
        _mass_pathology(PathologyCategory.BENIGN, Lesion.OTHER_BENIGN),
    ]
    note = procedure("mass.radpath", 0, addendum_to="mass.bx")
    note.concordance(
        "The benign result is discordant with the imaging.", ConcordanceVerdict.DISCORDANT, R
    )
    undated = replace(note.facts(), observed_at=None)  # a note whose date the header lacks
    (item,) = opened(evaluate(case([*docs, undated]), DAY0), ItemKind.DISCORDANT_PATHOLOGY)
    assert item.opened_at == DAY0
    assert item.due_at is not None and item.due_at > DAY0


# --- high-risk-lesion and malignancy-referral ------------------------------------------------------


def test_high_risk_lesion_until_surgical_consultation_is_documented() -> None:
    docs = [
        _mass_report(),
        _mass_biopsy(),
        _mass_pathology(PathologyCategory.HIGH_RISK, Lesion.ADH),
    ]
    (item,) = opened(evaluate(case(docs), DAY0), ItemKind.HIGH_RISK_LESION)
    assert "about 18%" in item.next_step
    documented = Documented(
        DocumentedAction.SURGICAL_CONSULTATION, item.key, day(-1), "seen by surgeon"
    )
    after = evaluate(case(docs, decisions=[documented]), DAY0)
    assert not opened(after, ItemKind.HIGH_RISK_LESION) and closed(after, ItemKind.HIGH_RISK_LESION)


def test_malignancy_referral_until_referral_is_documented() -> None:
    docs = [
        _mass_report(),
        _mass_biopsy(),
        _mass_pathology(PathologyCategory.MALIGNANT, Lesion.IDC),
    ]
    (item,) = opened(evaluate(case(docs), DAY0), ItemKind.MALIGNANCY_REFERRAL)
    assert item.priority is Priority.URGENT and "20%" not in item.next_step
    referral = Documented(DocumentedAction.REFERRAL, item.key, day(-1))
    assert not opened(
        evaluate(case(docs, decisions=[referral]), DAY0), ItemKind.MALIGNANCY_REFERRAL
    )
    future = Documented(DocumentedAction.REFERRAL, item.key, day(5))
    assert opened(evaluate(case(docs, decisions=[future]), DAY0), ItemKind.MALIGNANCY_REFERRAL)


# --- calcifications-biopsied-under-us --------------------------------------------------------------


def test_calcifications_biopsied_under_ultrasound_until_acknowledged() -> None:
    dx = radiology("uscalc.dx", -30)
    dx.finding(
        "Pleomorphic calcifications at right 8 o'clock.", FindingType.CALCIFICATIONS, R, at(8)
    )
    dx.assess("BI-RADS 4B.", Birads.B4B, R)
    bx = procedure("uscalc.bx", -20)
    bx.biopsy(
        "Ultrasound-guided core biopsy of the right 8 o'clock calcifications.",
        R,
        Guidance.ULTRASOUND,
        FindingType.CALCIFICATIONS,
        at(8),
    )
    (item,) = opened(evaluate(case([dx, bx]), DAY0), ItemKind.CALCIFICATIONS_BIOPSIED_UNDER_US)
    assert item.next_step.startswith("Stereotactic biopsy")
    ack = Documented(DocumentedAction.CALCIFICATIONS_UNDER_US_ACKNOWLEDGED, item.key, day(-1))
    assert not opened(
        evaluate(case([dx, bx], decisions=[ack]), DAY0), ItemKind.CALCIFICATIONS_BIOPSIED_UNDER_US
    )


# --- follow-up-due ---------------------------------------------------------------------------------


def _bi_rads_3(when: float = -200):  # type: ignore[no-untyped-def]
    dx = radiology("fu.dx", when)
    dx.finding(
        "Oval circumscribed mass at left 4 o'clock, probably a fibroadenoma.",
        FindingType.MASS,
        L,
        at(4),
    )
    dx.assess("BI-RADS 3.", Birads.B3, L)
    dx.recommend(
        "Short-interval follow-up left breast ultrasound in 6 months.",
        RecommendationKind.SHORT_INTERVAL_FOLLOW_UP,
        interval_months=6,
        modality="ultrasound",
    )
    return dx


def test_follow_up_due_closes_only_with_a_qualifying_study_in_the_window() -> None:
    dx = _bi_rads_3()
    (item,) = opened(evaluate(case([dx]), DAY0), ItemKind.FOLLOW_UP_DUE)
    assert item.laterality is L, "the side comes from the report's findings"
    too_early = image(-150, Modality.US, L)
    wrong_modality = image(-30, Modality.MG, L)
    assert opened(evaluate(case([dx], [too_early, wrong_modality]), DAY0), ItemKind.FOLLOW_UP_DUE)
    in_window = image(-25, Modality.US, L)
    after = evaluate(case([dx], [too_early, in_window]), DAY0)
    assert not opened(after, ItemKind.FOLLOW_UP_DUE) and closed(after, ItemKind.FOLLOW_UP_DUE)


def test_follow_up_is_superseded_by_a_later_biopsy_recommendation() -> None:
    later = radiology("fu.dx2", -20)
    later.finding("The left 4 o'clock mass has enlarged.", FindingType.MASS, L, at(4))
    later.assess("BI-RADS 4A.", Birads.B4A, L)
    evaluation = evaluate(case([_bi_rads_3(), later]), DAY0)
    assert not opened(evaluation, ItemKind.FOLLOW_UP_DUE)
    assert opened(evaluation, ItemKind.UNSAMPLED_FINDING)


# --- palpable-correlation --------------------------------------------------------------------------


def test_palpable_complaint_not_explained_until_a_report_or_person_resolves_it() -> None:
    us = radiology("lump.us", -10)
    us.add(
        "palpable",
        PalpableComplaint(
            R, us.ev("Palpable lump reported at right 2 o'clock."), at(2), explained=False
        ),
    )
    us.assess("BI-RADS 1.", Birads.B1, R)
    (item,) = opened(evaluate(case([us]), DAY0), ItemKind.PALPABLE_CORRELATION)
    assert item.laterality is R and item.location.clock == 2
    resolved = Documented(
        DocumentedAction.PALPABLE_SITE_RESOLVED, item.key, day(-2), "normal tissue on exam"
    )
    assert not opened(
        evaluate(case([us], decisions=[resolved]), DAY0), ItemKind.PALPABLE_CORRELATION
    )
    second = radiology("lump.us2", -3)
    second.finding(
        "The palpable area corresponds to a 9 mm oval mass at right 2 o'clock.",
        FindingType.MASS,
        R,
        at(2),
        palpable=True,
    )
    second.assess("BI-RADS 3.", Birads.B3, R)
    assert closed(evaluate(case([us, second]), DAY0), ItemKind.PALPABLE_CORRELATION)


def test_palpable_site_that_may_be_the_unsampled_asymmetry_is_urgent() -> None:
    dx = radiology("palp.dx", -5)
    dx.add(
        "palpable",
        PalpableComplaint(L, dx.ev("Patient reports a palpable thickening in the left breast.")),
    )
    dx.finding("Focal asymmetry at left 3 o'clock.", FindingType.FOCAL_ASYMMETRY, L, at(3))
    dx.assess("BI-RADS 4A.", Birads.B4A, L)
    (item,) = opened(evaluate(case([dx]), DAY0), ItemKind.PALPABLE_CORRELATION)
    assert item.priority is Priority.URGENT


# --- correspondence statements ---------------------------------------------------------------------


def test_a_report_statement_that_the_mass_is_the_asymmetry_correlate_merges_them() -> None:
    dx = radiology("corr.dx", -30)
    dx.finding("Focal asymmetry at right 10 o'clock.", FindingType.FOCAL_ASYMMETRY, R, at(10))
    dx.finding(
        "Ultrasound shows an 8 mm irregular mass at right 10 o'clock.", FindingType.MASS, R, at(10)
    )
    dx.corresponds(
        "The mass is the sonographic correlate of the mammographic asymmetry.",
        Relation.CORRESPONDS,
        R,
        FindingType.ASYMMETRY,
    )
    dx.assess("BI-RADS 4B.", Birads.B4B, R)
    bx = procedure("corr.bx", -20)
    bx.biopsy(
        "Ultrasound-guided biopsy of the right 10 o'clock mass.",
        R,
        Guidance.ULTRASOUND,
        FindingType.MASS,
        at(10),
    )
    evaluation = evaluate(case([dx, bx]), DAY0)
    assert not opened(evaluation, ItemKind.UNSAMPLED_FINDING)
    (done,) = closed(evaluation, ItemKind.UNSAMPLED_FINDING)
    assert done.finding_type is FindingType.FOCAL_ASYMMETRY


def test_a_biopsy_report_naming_no_target_is_placed_by_its_guidance_when_one_finding_fits() -> None:
    dx = radiology("bare.dx", -30)
    dx.finding("Grouped amorphous calcifications, left breast.", FindingType.CALCIFICATIONS, L)
    dx.assess("BI-RADS 4A.", Birads.B4A, L)
    stx = procedure("bare.stx", -20)
    stx.biopsy("Stereotactic vacuum-assisted biopsy, left breast.", L, Guidance.STEREOTACTIC)
    evaluation = evaluate(case([dx, stx]), DAY0)
    assert not opened(evaluation, ItemKind.UNSAMPLED_FINDING)
    assert not opened(evaluation, ItemKind.CORRELATION_REVIEW)
    assert opened(
        evaluation, ItemKind.SPECIMEN_RADIOGRAPH_MISSING
    ), "the target is known to be calcifications"


def test_a_biopsy_report_naming_nothing_at_all_needs_review_not_a_guess() -> None:
    dx = radiology("none.dx", -30)
    dx.finding("Focal asymmetry, right breast.", FindingType.FOCAL_ASYMMETRY, R)
    dx.assess("BI-RADS 4A.", Birads.B4A, R)
    bx = procedure("none.bx", -20)
    bx.biopsy("Core biopsy, right breast.", R, None)
    evaluation = evaluate(case([dx, bx]), DAY0)
    assert opened(evaluation, ItemKind.CORRELATION_REVIEW)
    assert opened(evaluation, ItemKind.UNSAMPLED_FINDING)


def test_a_fact_without_side_in_a_one_sided_report_is_about_that_side() -> None:
    dx = radiology("sideless.dx", -10)
    dx.finding("Irregular mass at 2 o'clock.", FindingType.MASS, None, at(2))
    dx.assess("Left breast: BI-RADS 4B.", Birads.B4B, L)
    (item,) = opened(evaluate(case([dx]), DAY0), ItemKind.UNSAMPLED_FINDING)
    assert item.laterality is L
