"""A finding biopsied twice: a concordance verdict settles the result the radiologist had in front
of them, never a later biopsy's.

The story: a right 9 o'clock mass, BI-RADS 4A, has an ultrasound-guided core biopsy (day -200) that
shows a fibroadenoma (day -197); concordance is documented. Months later the mass has grown and is
biopsied again (day -10); the new result (day -7) must be correlated with the imaging on its own,
since 24-30% of lesions re-biopsied for discordance prove malignant.
"""

from __future__ import annotations

from datetime import timedelta

from rules.case import Case
from rules.decisions import ConcordanceDecision
from rules.evaluation import evaluate
from rules.facts import ReportKind
from rules.items import Evaluation, ItemDecision, ItemKind
from tests.rules.factories import (
    DAY0,
    Birads,
    ConcordanceVerdict,
    Doc,
    FindingType,
    Guidance,
    Lesion,
    PathologyCategory,
    R,
    RecommendationKind,
    at,
    case,
    day,
    pathology,
    procedure,
    radiology,
)


def _work_up() -> Doc:
    dx = radiology("rb.dx", -210)
    dx.finding(
        "Oval 9 mm mass at right 9 o'clock, 4 cm from the nipple, with an indistinct margin.",
        FindingType.MASS,
        R,
        at(9, nipple_cm=4),
        size_mm=9,
    )
    dx.assess("BI-RADS 4A.", Birads.B4A, R)
    dx.recommend(
        "Ultrasound-guided core biopsy.", RecommendationKind.BIOPSY, R, guidance=Guidance.ULTRASOUND
    )
    return dx


def _first_biopsy() -> list[Doc]:
    bx = procedure("rb.bx1", -200)
    bx.biopsy(
        "Ultrasound-guided 14-gauge core biopsy of the right 9 o'clock mass.",
        R,
        Guidance.ULTRASOUND,
        FindingType.MASS,
        at(9, nipple_cm=4),
    )
    path = pathology("rb.path1", -197)
    path.pathology(
        "Right breast 9 o'clock core biopsy: fibroadenoma.",
        PathologyCategory.BENIGN,
        R,
        at(9),
        [Lesion.FIBROADENOMA],
    )
    return [bx, path]


def _growth(birads: Birads = Birads.B4A) -> Doc:
    us = radiology("rb.us", -20)
    us.finding(
        "The right 9 o'clock mass has grown to 15 mm since the biopsy.",
        FindingType.MASS,
        R,
        at(9, nipple_cm=4),
        size_mm=15,
        new_or_increasing=True,
    )
    us.assess(f"BI-RADS {birads.value}.", birads, R)
    us.recommend(
        "Repeat ultrasound-guided biopsy.",
        RecommendationKind.BIOPSY,
        R,
        guidance=Guidance.ULTRASOUND,
    )
    return us


def _second_biopsy(when: float = -10, result_on: float = -7) -> list[Doc]:
    bx = procedure("rb.bx2", when)
    bx.biopsy(
        "Repeat ultrasound-guided vacuum biopsy of the enlarging right 9 o'clock mass.",
        R,
        Guidance.ULTRASOUND,
        FindingType.MASS,
        at(9, nipple_cm=4),
    )
    path = pathology("rb.path2", result_on)
    path.pathology(
        "Right breast 9 o'clock vacuum biopsy: fibroadenoma with cellular stroma.",
        PathologyCategory.BENIGN,
        R,
        at(9),
        [Lesion.FIBROADENOMA],
    )
    return [bx, path]


def _story(*more: Doc) -> list[Doc]:
    return [_work_up(), *_first_biopsy(), _growth(), *_second_biopsy(), *more]


def _mass_key() -> str:
    (item,) = [
        i
        for i in evaluate(case([_work_up(), *_first_biopsy()]), DAY0).open
        if i.kind is ItemKind.CONCORDANCE_PENDING
    ]
    assert item.finding_key is not None
    return item.finding_key


def _concordant(when: float, on_file: frozenset[str] | None = None) -> ConcordanceDecision:
    return ConcordanceDecision(
        _mass_key(), ConcordanceVerdict.CONCORDANT_BENIGN, day(when), "fibroadenoma fits", on_file
    )


def _of_result(
    items: tuple[ItemDecision, ...], kind: ItemKind, pathology_uid: str
) -> list[ItemDecision]:
    """The items of that kind about the biopsy whose result is in that pathology report."""
    return [
        i
        for i in items
        if i.kind is kind and any(e.source_uid == pathology_uid for e in i.evidence)
    ]


def _pending(result: Evaluation, pathology_uid: str) -> list[ItemDecision]:
    return _of_result(result.open, ItemKind.CONCORDANCE_PENDING, pathology_uid)


def _settled(result: Evaluation, pathology_uid: str) -> list[ItemDecision]:
    return _of_result(result.satisfied, ItemKind.CONCORDANCE_PENDING, pathology_uid)


# --- a documented decision ------------------------------------------------------------------------


def test_concordance_documented_for_the_first_biopsy_does_not_settle_the_second() -> None:
    result = evaluate(case(_story(), decisions=[_concordant(-195)]), DAY0)
    (second,) = _pending(result, "rb.path2")
    assert second.opened_at == day(-7), "due from the second result, not the first"
    (first,) = _settled(result, "rb.path1")
    assert first.closing_evidence[0].text == "fibroadenoma fits"
    assert not _pending(result, "rb.path1"), "the first biopsy stays settled"


def test_a_decision_made_with_both_results_on_file_settles_both() -> None:
    # The radiologist documents concordance for the mass once both results are in: it judges both.
    result = evaluate(case(_story(), decisions=[_concordant(-5)]), DAY0)
    assert not [i for i in result.open if i.kind is ItemKind.CONCORDANCE_PENDING]
    assert _settled(result, "rb.path1") and _settled(result, "rb.path2")


def test_documenting_the_second_result_closes_its_item() -> None:
    result = evaluate(case(_story(), decisions=[_concordant(-195), _concordant(-5)]), DAY0)
    assert not [i for i in result.open if i.kind is ItemKind.CONCORDANCE_PENDING]
    (second,) = _settled(result, "rb.path2")
    assert second.closing_evidence[0].source_uid.startswith("decision:")


def test_a_result_dated_before_the_decision_but_received_after_it_needs_its_own() -> None:
    # The service says which documents were on file: the second result, dated day -7, reached us
    # only after the radiologist documented concordance on day -5 with the first result in hand.
    on_file = frozenset({"rb.dx", "rb.bx1", "rb.path1", "rb.us", "rb.bx2"})
    decision = _concordant(-5, on_file)
    result = evaluate(case(_story(), decisions=[decision]), DAY0)
    assert _pending(result, "rb.path2")
    assert _settled(result, "rb.path1")


def test_a_revised_result_after_the_decision_opens_concordance_again() -> None:
    revised = pathology("rb.path1.rev", -190)
    revised.pathology(
        "Revised diagnosis, right breast 9 o'clock core biopsy: benign phyllodes tumour.",
        PathologyCategory.HIGH_RISK,
        R,
        at(9),
        [Lesion.PHYLLODES],
    )
    docs = [_work_up(), *_first_biopsy(), revised]
    result = evaluate(case(docs, decisions=[_concordant(-195)]), DAY0)
    (item,) = [i for i in result.open if i.kind is ItemKind.CONCORDANCE_PENDING]
    assert item.opened_at == day(-190)


# --- a statement in a report ----------------------------------------------------------------------


def _radpath_addendum(to: str, when: float, text: str) -> Doc:
    note = procedure(f"{to}.add", when, addendum_to=to)
    note.concordance(text, ConcordanceVerdict.CONCORDANT_BENIGN, R)
    return note


def test_a_radpath_addendum_settles_only_the_biopsy_it_was_written_about() -> None:
    addendum = _radpath_addendum("rb.bx1", -195, "Fibroadenoma is concordant with the imaging.")
    result = evaluate(case(_story(addendum)), DAY0)
    assert _settled(result, "rb.path1")
    (second,) = _pending(result, "rb.path2")
    assert second.opened_at == day(-7)
    second_addendum = _radpath_addendum("rb.bx2", -5, "Concordant benign; 6-month follow-up.")
    after = evaluate(case(_story(addendum, second_addendum)), DAY0)
    assert not [i for i in after.open if i.kind is ItemKind.CONCORDANCE_PENDING]


def test_a_standalone_radpath_note_before_the_second_biopsy_does_not_settle_it() -> None:
    note = Doc("rb.radpath", ReportKind.RADPATH, -194)
    note.concordance(
        "Radiology-pathology correlation: the right 9 o'clock fibroadenoma is concordant.",
        ConcordanceVerdict.CONCORDANT_BENIGN,
        R,
        at(9),
    )
    result = evaluate(case(_story(note)), DAY0)
    assert _settled(result, "rb.path1")
    assert _pending(result, "rb.path2")


def test_a_statement_and_a_decision_give_the_same_items() -> None:
    addendum = _radpath_addendum("rb.bx1", -195, "Fibroadenoma is concordant with the imaging.")
    by_report = evaluate(case(_story(addendum)), DAY0)
    by_person = evaluate(case(_story(), decisions=[_concordant(-195)]), DAY0)
    assert {i.key for i in by_report.open} == {i.key for i in by_person.open}
    assert {i.key for i in by_report.satisfied} == {i.key for i in by_person.satisfied}


# --- discordance ----------------------------------------------------------------------------------


def test_a_discordant_first_result_neither_opens_nor_suppresses_items_for_the_re_biopsy() -> None:
    discordant = ConcordanceDecision(
        _mass_key(), ConcordanceVerdict.DISCORDANT, day(-195), "fibroadenoma does not explain it"
    )
    before = evaluate(case([_work_up(), *_first_biopsy()], decisions=[discordant]), DAY0)
    assert _of_result(before.open, ItemKind.DISCORDANT_PATHOLOGY, "rb.path1")

    result = evaluate(case(_story(), decisions=[discordant]), DAY0)
    # The re-biopsy answers the discordance of the first ...
    assert _of_result(result.satisfied, ItemKind.DISCORDANT_PATHOLOGY, "rb.path1")
    # ... and its own benign result waits for its own verdict, not the first one's.
    assert not _of_result(result.open, ItemKind.DISCORDANT_PATHOLOGY, "rb.path2")
    assert _pending(result, "rb.path2")


def test_a_concordant_first_result_does_not_close_the_discordance_inferred_for_the_second() -> None:
    # The grown mass is now BI-RADS 5: a benign re-biopsy result does not explain it.
    docs = [_work_up(), *_first_biopsy(), _growth(Birads.B5), *_second_biopsy()]
    result = evaluate(case(docs, decisions=[_concordant(-195)]), DAY0)
    (item,) = _of_result(result.open, ItemKind.DISCORDANT_PATHOLOGY, "rb.path2")
    assert "benign result for a BI-RADS 5 finding" in item.priority_reasons
    assert _pending(result, "rb.path2")


# --- arrival order --------------------------------------------------------------------------------


def test_arrival_order_and_moment_of_evaluation() -> None:
    decisions = [_concordant(-195)]
    reports = tuple(d.facts() for d in _story())
    forward = evaluate(Case(reports, (), tuple(decisions)), DAY0)
    assert forward == evaluate(Case(tuple(reversed(reports)), (), tuple(decisions)), DAY0)
    # Evaluated before the second biopsy, the first result is settled and nothing is pending.
    earlier = evaluate(Case(reports, (), tuple(decisions)), day(-100))
    assert not [i for i in earlier.open if i.kind is ItemKind.CONCORDANCE_PENDING]
    # Between the re-biopsy and its result, pathology is pending, concordance is not.
    between = evaluate(Case(reports, (), tuple(decisions)), day(-8) + timedelta(hours=1))
    assert not [i for i in between.open if i.kind is ItemKind.CONCORDANCE_PENDING]
    assert [i for i in between.open if i.kind is ItemKind.PATHOLOGY_PENDING]


REBIOPSY_CASE = Case(tuple(d.facts() for d in _story()), (), (_concordant(-195),))
"""The story with the first biopsy's decision, for the arrival-order properties."""


def test_a_procedure_report_recalling_the_earlier_verdict_does_not_settle_the_new_biopsy() -> None:
    bx, path = _second_biopsy()
    bx.concordance(
        "The prior biopsy of this mass (fibroadenoma) was concordant.",
        ConcordanceVerdict.CONCORDANT_BENIGN,
        R,
    )
    result = evaluate(case([_work_up(), *_first_biopsy(), _growth(), bx, path]), DAY0)
    assert _pending(result, "rb.path2")


def test_the_re_biopsy_result_arriving_without_its_procedure_report_still_needs_a_verdict() -> None:
    _, path = _second_biopsy()
    docs = [_work_up(), *_first_biopsy(), _growth(), path]
    result = evaluate(case(docs, decisions=[_concordant(-195)]), DAY0)
    (item,) = _pending(result, "rb.path2")
    assert item.opened_at == day(-7)
