"""The safety net: a malignant (or high-risk) result always reaches a coordinator, and a result or
biopsy that cannot be tied opens a review naming the missing record (docs/items.md)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.case import assemble
from rules.correlation import correlate
from rules.decisions import Documented, DocumentedAction
from rules.evaluation import evaluate
from rules.facts import CompletedStep, Evidence, StepTaken
from rules.items import Evaluation, ItemDecision, ItemKind
from rules.pathways.base import Context
from rules.pathways.safety import safety_net
from rules.site import default_site_config
from tests.rules.factories import (
    DAY0,
    B,
    Birads,
    Doc,
    FindingType,
    Guidance,
    L,
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

MALIGNANT, HIGH_RISK, BENIGN = (
    PathologyCategory.MALIGNANT,
    PathologyCategory.HIGH_RISK,
    PathologyCategory.BENIGN,
)


def _items(result: Evaluation, kind: ItemKind, *, open_only: bool = False) -> list[ItemDecision]:
    pool = result.open if open_only else (*result.open, *result.satisfied)
    return [i for i in pool if i.kind is kind]


def _cancer(uid: str = "path", when: float = -5, side=L) -> Doc:  # type: ignore[no-untyped-def]
    p = pathology(uid, when)
    p.pathology("Invasive ductal carcinoma, grade 2.", MALIGNANT, side, lesions=[Lesion.IDC])
    return p


def _step(doc: Doc, text: str, step: StepTaken, side=None) -> Doc:  # type: ignore[no-untyped-def]
    return doc.add("completed_steps", CompletedStep(step, side, doc.ev(text)))


# --- the rule as such --------------------------------------------------------------------------


def _context(docs: list[Doc], *, drop_biopsies: bool = False) -> Context:
    assembled = assemble(case(docs), DAY0)
    if drop_biopsies:  # as if assembly had lost the result: the net must not depend on it
        assembled = replace(assembled, biopsies=())
    return Context(assembled, correlate(assembled), default_site_config(), DAY0)


def test_the_net_opens_what_a_malignant_result_calls_for_when_no_rule_raised_it() -> None:
    net = list(safety_net(_context([_cancer()], drop_biopsies=True), {}))
    assert {(i.kind, i.laterality) for i in net} == {
        (ItemKind.MALIGNANCY_REFERRAL, L),
        (ItemKind.CONCORDANCE_PENDING, L),
    }
    assert all(i.is_open and i.evidence[0].text.startswith("Invasive ductal") for i in net)


def test_the_net_adds_nothing_when_the_rules_already_cover_the_result() -> None:
    docs = [_cancer()]
    raised = {i.key: i for i in (*evaluate(case(docs), DAY0).open,)}
    assert not list(safety_net(_context(docs), raised))


def test_the_net_raises_a_high_risk_lesion_unless_the_report_is_also_malignant() -> None:
    p = pathology("hr", -5)
    p.pathology("Atypical ductal hyperplasia.", HIGH_RISK, R, lesions=[Lesion.ADH])
    kinds = {i.kind for i in safety_net(_context([p], drop_biopsies=True), {})}
    assert kinds == {ItemKind.HIGH_RISK_LESION, ItemKind.CONCORDANCE_PENDING}
    p.pathology("Invasive lobular carcinoma.", MALIGNANT, R, lesions=[Lesion.ILC])
    kinds = {i.kind for i in safety_net(_context([p], drop_biopsies=True), {})}
    assert ItemKind.HIGH_RISK_LESION not in kinds and ItemKind.MALIGNANCY_REFERRAL in kinds


def test_a_net_referral_closes_with_a_documented_referral_or_a_report_saying_it_was_made() -> None:
    (referral,) = [
        i
        for i in safety_net(_context([_cancer()], drop_biopsies=True), {})
        if i.kind is ItemKind.MALIGNANCY_REFERRAL
    ]
    documented = Documented(DocumentedAction.REFERRAL, referral.key, day(-1))
    assembled = replace(assemble(case([_cancer()], decisions=[documented]), DAY0), biopsies=())
    ctx = Context(assembled, correlate(assembled), default_site_config(), DAY0)
    (closed,) = [i for i in safety_net(ctx, {}) if i.kind is ItemKind.MALIGNANCY_REFERRAL]
    assert closed.closing_evidence and closed.key == referral.key


# --- malignant pathology always opens the referral and the concordance item --------------------


def test_a_cancer_with_no_procedure_and_no_imaging_on_record_reaches_the_worklist() -> None:
    result = evaluate(case([_cancer(when=-5)]), DAY0)
    assert [i.laterality for i in _items(result, ItemKind.MALIGNANCY_REFERRAL, open_only=True)] == [L]
    assert [i.laterality for i in _items(result, ItemKind.CONCORDANCE_PENDING, open_only=True)] == [L]
    (review,) = _items(result, ItemKind.CORRELATION_REVIEW, open_only=True)
    assert review.laterality is L
    assert "Pathology from 2026-11-16, left breast: no biopsy on record matches it" in review.next_step


def test_a_cancer_that_names_no_breast_concerns_both_until_a_person_ties_it() -> None:
    result = evaluate(case([_cancer(side=None)]), DAY0)
    for kind in (ItemKind.MALIGNANCY_REFERRAL, ItemKind.CONCORDANCE_PENDING, ItemKind.CORRELATION_REVIEW):
        assert [i.laterality for i in _items(result, kind, open_only=True)] == [B], kind
    (review,) = _items(result, ItemKind.CORRELATION_REVIEW)
    assert "breast not stated" in review.next_step


def test_a_high_risk_result_tied_to_nothing_opens_its_items_and_a_review() -> None:
    p = pathology("hr", -3)
    p.pathology("Flat epithelial atypia.", HIGH_RISK, R, lesions=[Lesion.FEA])
    result = evaluate(case([p]), DAY0)
    opened = {(i.kind, i.laterality) for i in result.open}
    assert {
        (ItemKind.HIGH_RISK_LESION, R),
        (ItemKind.CONCORDANCE_PENDING, R),
        (ItemKind.CORRELATION_REVIEW, R),
    } <= opened


def test_a_biopsy_no_finding_on_record_matches_opens_a_review_naming_it() -> None:
    bx = procedure("bx", -10)
    bx.biopsy("Ultrasound-guided core biopsy of a left breast mass.", L, Guidance.ULTRASOUND, FindingType.MASS)
    (review,) = _items(evaluate(case([bx]), DAY0), ItemKind.CORRELATION_REVIEW, open_only=True)
    assert "Biopsy of 2026-11-11, left breast: no finding on record matches it" in review.next_step


def _mass_work_up() -> list[Doc]:
    dx = radiology("dx", -20)
    dx.finding("Irregular 11 mm mass, left 3 o'clock.", FindingType.MASS, L, at(3))
    dx.assess("BI-RADS 4B.", Birads.B4B, L)
    dx.recommend("Ultrasound-guided core biopsy.", RecommendationKind.BIOPSY, L, guidance=Guidance.ULTRASOUND)
    bx = procedure("bx", -10)
    bx.biopsy("US-guided core biopsy of the left 3 o'clock mass.", L, Guidance.ULTRASOUND, FindingType.MASS, at(3))
    return [dx, bx]


def test_a_result_that_came_before_its_procedure_report_is_closed_by_it_not_dropped() -> None:
    dx, bx = _mass_work_up()
    bx.when = -4  # dictated late
    path = _cancer(when=-6)
    early = evaluate(case([dx, path]), day(-5))
    (review,) = _items(early, ItemKind.CORRELATION_REVIEW, open_only=True)
    later = evaluate(case([dx, path, bx]), DAY0)
    (closed,) = [i for i in later.satisfied if i.key == review.key]
    assert closed.closing_evidence[0].source_uid == "bx"
    assert not _items(later, ItemKind.CORRELATION_REVIEW, open_only=True)
    assert _items(later, ItemKind.MALIGNANCY_REFERRAL, open_only=True)


def test_a_tied_result_needs_no_review() -> None:
    result = evaluate(case([*_mass_work_up(), _cancer()]), DAY0)
    assert not _items(result, ItemKind.CORRELATION_REVIEW)


# --- steps a report records as taken -----------------------------------------------------------


def test_a_referral_recorded_after_the_result_closes_the_referral() -> None:
    note = _step(procedure("note", -2, addendum_to="bx"), "She was referred to breast surgery today.",
                 StepTaken.REFERRAL, L)
    (item,) = _items(evaluate(case([*_mass_work_up(), _cancer(), note]), DAY0), ItemKind.MALIGNANCY_REFERRAL)
    assert item.closing_evidence == (Evidence("note", "She was referred to breast surgery today."),)


def test_a_referral_recorded_before_the_result_does_not_close_it() -> None:
    note = _step(radiology("old", -30), "She was referred to breast surgery in 2019.", StepTaken.REFERRAL, L)
    (item,) = _items(evaluate(case([note, *_mass_work_up(), _cancer()]), DAY0), ItemKind.MALIGNANCY_REFERRAL)
    assert item.is_open


def test_a_referral_for_the_other_breast_does_not_close_it() -> None:
    note = _step(procedure("note", -2), "She was referred to breast surgery.", StepTaken.REFERRAL, R)
    (item,) = _items(evaluate(case([*_mass_work_up(), _cancer(), note]), DAY0), ItemKind.MALIGNANCY_REFERRAL)
    assert item.is_open


def test_a_consultation_held_closes_a_high_risk_lesion() -> None:
    p = pathology("hr", -6)
    p.pathology("Intraductal papilloma.", HIGH_RISK, L, at(3), lesions=[Lesion.PAPILLOMA])
    note = _step(procedure("seen", -1), "She was seen in breast surgical consultation.",
                 StepTaken.SURGICAL_CONSULTATION, L)
    (item,) = _items(evaluate(case([*_mass_work_up(), p, note]), DAY0), ItemKind.HIGH_RISK_LESION)
    assert item.closing_evidence and item.closing_evidence[0].source_uid == "seen"


# --- property: any story with malignant pathology ends with a referral, open or closed by evidence


_SIDES = st.sampled_from([L, R, None])


@st.composite
def stories_with_a_cancer(draw: st.DrawFn) -> tuple[list[Doc], list[tuple[str, str]]]:
    """Imaging, procedures, results, verdicts and recorded steps in any mix: links may be missing,
    sides may be missing or contradict each other, documents may come in any order."""
    docs: list[Doc] = []
    for n in range(draw(st.integers(0, 2))):
        dx = radiology(f"dx{n}", draw(st.integers(-60, -1)))
        kind = draw(st.sampled_from([FindingType.MASS, FindingType.CALCIFICATIONS, FindingType.FOCAL_ASYMMETRY]))
        dx.finding(f"Finding {n}.", kind, draw(_SIDES), at(draw(st.integers(1, 12))))
        dx.assess(f"BI-RADS {n}.", draw(st.sampled_from([Birads.B4A, Birads.B5, Birads.B0])), draw(_SIDES))
        docs.append(dx)
    for n in range(draw(st.integers(0, 2))):
        bx = procedure(f"bx{n}", draw(st.integers(-60, -1)))
        bx.biopsy(
            f"Biopsy {n}.",
            draw(_SIDES),
            draw(st.sampled_from([Guidance.ULTRASOUND, Guidance.STEREOTACTIC, None])),
            draw(st.sampled_from([FindingType.MASS, FindingType.CALCIFICATIONS, None])),
            at(draw(st.integers(1, 12))),
        )
        docs.append(bx)
    cancers: list[tuple[str, str]] = []
    for n in range(draw(st.integers(1, 2))):
        p = pathology(f"path{n}", draw(st.integers(-60, -1)))
        for k in range(draw(st.integers(1, 2))):
            category = MALIGNANT if k == 0 else draw(st.sampled_from(list(PathologyCategory)))
            text = f"Result {n}.{k}."
            p.pathology(text, category, draw(_SIDES), at(draw(st.integers(1, 12))))
            if category is MALIGNANT:
                cancers.append((p.uid, text))
        docs.append(p)
    if draw(st.booleans()):
        note = procedure("note", draw(st.integers(-60, -1)))
        _step(note, "Referred to surgery.", StepTaken.REFERRAL, draw(_SIDES))
        docs.append(note)
    return draw(st.permutations(docs)), cancers


@settings(max_examples=200, deadline=None)
@given(stories_with_a_cancer())
def test_any_story_with_a_cancer_ends_with_its_referral_open_or_closed_by_evidence(
    story: tuple[list[Doc], list[tuple[str, str]]],
) -> None:
    docs, cancers = story
    result = evaluate(case(docs), DAY0)
    for kind in (ItemKind.MALIGNANCY_REFERRAL, ItemKind.CONCORDANCE_PENDING):
        items = _items(result, kind)
        for cancer in cancers:
            about = [i for i in items if cancer in {(e.source_uid, e.text) for e in i.evidence}]
            assert about, f"no {kind.value} cites {cancer}"
            assert all(i.is_open or i.closing_evidence for i in about)


def test_a_high_risk_core_revised_to_cancer_asks_for_the_referral_only() -> None:
    first = pathology("core", -8)
    first.pathology("Atypical ductal hyperplasia.", HIGH_RISK, L, at(3), lesions=[Lesion.ADH])
    revised = pathology("revised", -4)
    revised.pathology("Ductal carcinoma in situ, low grade.", MALIGNANT, L, at(3), lesions=[Lesion.DCIS])
    result = evaluate(case([*_mass_work_up(), first, revised]), DAY0)
    assert not _items(result, ItemKind.HIGH_RISK_LESION)
    assert _items(result, ItemKind.MALIGNANCY_REFERRAL, open_only=True)
