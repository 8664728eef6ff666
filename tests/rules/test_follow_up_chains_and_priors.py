"""One plan is one next step (follow-up-due), and outside priors are answered by what arrives:
images of an earlier examination made elsewhere, or a later report that has them on hand."""

from __future__ import annotations

from rules.decisions import Documented, DocumentedAction
from rules.evaluation import evaluate
from rules.items import Evaluation, ItemDecision, ItemKind
from tests.rules.factories import (
    DAY0,
    B,
    Birads,
    FindingType,
    L,
    Modality,
    R,
    RecommendationKind,
    at,
    case,
    day,
    image,
    radiology,
)

K = RecommendationKind


def opened(result: Evaluation, kind: ItemKind) -> list[ItemDecision]:
    return [i for i in result.open if i.kind is kind]


def closed(result: Evaluation, kind: ItemKind) -> list[ItemDecision]:
    return [i for i in result.satisfied if i.kind is kind]


# --- follow-up chains ------------------------------------------------------------------------------


def _chain(then_side=B):  # type: ignore[no-untyped-def]
    us = radiology("chain.us", -40)
    us.finding("Oval circumscribed mass at right 8 o'clock.", FindingType.MASS, R, at(8))
    us.assess("BI-RADS 3.", Birads.B3, R)
    plan = "Recommend right breast ultrasound in 6 months, then routine screening if stable."
    us.recommend(plan, K.SHORT_INTERVAL_FOLLOW_UP, R, interval_months=6, modality="ultrasound")
    us.recommend(plan, K.ANNUAL_SCREENING, then_side, interval_months=12)
    return us


def test_a_chained_plan_opens_one_follow_up_its_first_step() -> None:
    (item,) = opened(evaluate(case([_chain()]), DAY0), ItemKind.FOLLOW_UP_DUE)
    assert item.laterality is R
    assert "6-month follow-up ultrasound" in item.next_step
    (same_breast,) = opened(evaluate(case([_chain(then_side=R)]), DAY0), ItemKind.FOLLOW_UP_DUE)
    assert same_breast.laterality is R and "6-month" in same_breast.next_step


def test_the_study_of_the_first_step_and_its_report_decide_what_follows() -> None:
    six_months = image(140, Modality.US, R)
    later = evaluate(case([_chain()], [six_months]), day(141))
    assert not opened(later, ItemKind.FOLLOW_UP_DUE) and closed(later, ItemKind.FOLLOW_UP_DUE)
    report = radiology("chain.us2", 141)
    report.finding("The right 8 o'clock mass is unchanged.", FindingType.MASS, R, at(8))
    report.assess("BI-RADS 2.", Birads.B2, R)
    report.recommend("Return to annual screening.", K.ANNUAL_SCREENING, B, interval_months=12)
    (item,) = opened(evaluate(case([_chain(), report], [six_months]), day(142)), ItemKind.FOLLOW_UP_DUE)
    assert item.laterality is B and "12-month" in item.next_step


def test_annual_screening_of_the_other_breast_stays_a_step_of_its_own() -> None:
    dx = radiology("two.dx", -30)
    dx.finding("Probably benign calcifications at left 2 o'clock.", FindingType.CALCIFICATIONS, L, at(2))
    dx.assess("Left: BI-RADS 3.", Birads.B3, L)
    dx.assess("Right: BI-RADS 1.", Birads.B1, R)
    dx.recommend("Left: 6-month follow-up.", K.SHORT_INTERVAL_FOLLOW_UP, L, interval_months=6)
    dx.recommend("Right: annual screening.", K.ANNUAL_SCREENING, R, interval_months=12)
    items = opened(evaluate(case([dx]), DAY0), ItemKind.FOLLOW_UP_DUE)
    assert sorted((i.laterality.value, "6-month" in i.next_step) for i in items) == [("L", True), ("R", False)]


def test_one_interval_asked_for_each_breast_covers_both() -> None:
    dx = radiology("both.dx", -30)
    dx.recommend("Right breast: 6-month follow-up.", K.SHORT_INTERVAL_FOLLOW_UP, R, interval_months=6)
    dx.recommend("Left breast: 6-month follow-up.", K.SHORT_INTERVAL_FOLLOW_UP, L, interval_months=6)
    (item,) = opened(evaluate(case([dx]), DAY0), ItemKind.FOLLOW_UP_DUE)
    assert item.laterality is B, "the left breast is not forgotten"


# --- outside priors ------------------------------------------------------------------------------


HOME, ELSEWHERE = "Lakeshore Women's Imaging", "Riverbend Radiology"


def _request(when: float = -30, uid: str = "priors.scr"):  # type: ignore[no-untyped-def]
    screen = radiology(uid, when)
    screen.finding("Asymmetry in the right upper outer quadrant.", FindingType.ASYMMETRY, R)
    screen.assess("BI-RADS 0: need prior mammograms for comparison.", Birads.B0, B)
    screen.recommend("Please obtain outside prior mammograms.", K.OUTSIDE_PRIORS)
    return screen


def _screen_images(when: float = -30) -> list:  # type: ignore[type-arg]
    return [image(when, Modality.MG, B, institution=HOME)]


def test_images_made_elsewhere_before_the_request_close_it() -> None:
    prior = image(-1120, Modality.MG, B, institution=ELSEWHERE)
    result = evaluate(case([_request()], _screen_images() + [prior]), DAY0)
    assert not opened(result, ItemKind.PRIORS_PENDING) and closed(result, ItemKind.PRIORS_PENDING)
    imported = image(-900, Modality.MG, B, outside_prior=True)  # marked in its header, any institution
    assert closed(evaluate(case([_request()], [imported]), DAY0), ItemKind.PRIORS_PENDING)


def test_this_sites_own_images_or_later_images_elsewhere_answer_nothing() -> None:
    own_last_year = image(-400, Modality.MG, B, institution=HOME)
    elsewhere_later = image(-5, Modality.US, R, institution=ELSEWHERE)  # a work-up done elsewhere
    result = evaluate(case([_request()], _screen_images() + [own_last_year, elsewhere_later]), DAY0)
    assert opened(result, ItemKind.PRIORS_PENDING)
    # with no image of the requesting examination to name home, an old image elsewhere cannot tell
    unknown_home = evaluate(case([_request()], [image(-1120, Modality.MG, B, institution=ELSEWHERE)]), DAY0)
    assert opened(unknown_home, ItemKind.PRIORS_PENDING)


def test_a_later_report_with_the_priors_on_hand_closes_the_request() -> None:
    diagnostic = radiology("priors.dx", -10)
    diagnostic.add("outside_priors_received", diagnostic.ev("Outside mammograms now available and reviewed."))
    diagnostic.assess("BI-RADS 2.", Birads.B2, R)
    result = evaluate(case([_request(), diagnostic]), DAY0)
    (item,) = closed(result, ItemKind.PRIORS_PENDING)
    assert any(e.source_uid == "priors.dx" for e in item.closing_evidence)


def test_a_comparison_before_the_request_or_in_it_answers_nothing() -> None:
    earlier = radiology("priors.earlier", -200)
    earlier.add("outside_priors_received", earlier.ev("Compared with outside films from 2019."))
    asking = _request()
    asking.add("outside_priors_received", asking.ev("Outside films from 2019 were reviewed."))
    assert opened(evaluate(case([earlier, asking]), DAY0), ItemKind.PRIORS_PENDING)


def test_asking_again_after_the_priors_came_is_a_new_request() -> None:
    on_hand = radiology("priors.on_hand", -20)
    on_hand.add("outside_priors_received", on_hand.ev("Outside mammograms from 2019 were received."))
    again = _request(when=-5, uid="priors.again")
    items = opened(evaluate(case([_request(), on_hand, again]), DAY0), ItemKind.PRIORS_PENDING)
    assert [i.evidence[0].source_uid for i in items] == ["priors.again"]
    unanswered = evaluate(case([_request(), _request(when=-5, uid="priors.again")]), DAY0)
    (item,) = opened(unanswered, ItemKind.PRIORS_PENDING)
    assert {e.source_uid for e in item.evidence} == {"priors.scr", "priors.again"}


def test_documented_receipt_still_closes() -> None:
    (item,) = opened(evaluate(case([_request()]), DAY0), ItemKind.PRIORS_PENDING)
    received = Documented(DocumentedAction.PRIORS_RECEIVED, item.key, day(-3))
    assert not opened(evaluate(case([_request()], decisions=[received]), DAY0), ItemKind.PRIORS_PENDING)
