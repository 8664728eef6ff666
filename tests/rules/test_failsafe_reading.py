"""Fail-safe reading, reader and rules together: reports as radiologists dictate them go through the
report reader, and the items must be the ones a careful person would open from the same text.

A biopsy must keep its pathology when the procedure note names the sampled lesion before the one
it is not; an abandoned attempt is no biopsy; doubt after a biopsy asks a person; a palpable lump
the report leaves open asks which finding it is until a later report says so.
"""

from __future__ import annotations

from rules.documents import ReportDocument, Section
from rules.evaluation import evaluate
from rules.facts import FindingType, ProcedureState, ReportFacts
from rules.items import Evaluation, ItemDecision, ItemKind
from rules.reader import read_report
from tests.rules.factories import DAY0, L, R, case, day


def read(uid: str, when: float, title: str, predecessor: str | None = None, **sections: str) -> ReportFacts:
    return read_report(ReportDocument(
        uid=uid, title_text=title, observed_at=day(when),
        predecessor_uids=(predecessor,) if predecessor else (),
        sections=tuple(Section(h.replace("_", " "), t) for h, t in sections.items()),
    ))


def opened(result: Evaluation, kind: ItemKind) -> list[ItemDecision]:
    return [i for i in result.open if i.kind is kind]


def closed(result: Evaluation, kind: ItemKind) -> list[ItemDecision]:
    return [i for i in result.satisfied if i.kind is kind]


def _workup(uid: str = "fs.dx", when: float = -30) -> ReportFacts:
    return read(
        uid, when, "DIAGNOSTIC MAMMOGRAM AND ULTRASOUND RIGHT",
        Findings="Right breast focal asymmetry in the upper outer quadrant, middle depth, persisting on "
                 "spot compression. Ultrasound: 9 mm irregular hypoechoic mass at 10 o'clock, 4 cm from "
                 "the nipple.",
        Impression="BI-RADS 4B. Ultrasound-guided biopsy of the right 10 o'clock mass.",
    )


def test_a_misspelt_separate_from_keeps_the_pathology_on_the_biopsied_mass() -> None:
    biopsy = read(
        "fs.us", -20, "US GUIDED CORE BIOPSY RIGHT BREAST",
        Procedure="Using ultrasound guidance and a 14 gauge needle, four cores were obtained from the 10 "
                  "o'clock mass. A clip was placed.",
        Impression="The biopsied mass is seperate from the asymmetry, which has not been sampled.",
    )
    assert [c.finding_type for c in biopsy.correspondences] == [FindingType.ASYMMETRY]
    path = read("fs.path", -15, "SURGICAL PATHOLOGY",
                Final_Diagnosis="Right breast 10 o'clock, ultrasound-guided core biopsy: invasive ductal "
                                "carcinoma, grade 2.")
    result = evaluate(case([_workup(), biopsy, path]), DAY0)
    (referral,) = opened(result, ItemKind.MALIGNANCY_REFERRAL)
    assert referral.finding_type is FindingType.MASS, "the carcinoma is the biopsied mass's"
    assert not opened(result, ItemKind.CORRELATION_REVIEW)
    assert closed(result, ItemKind.PATHOLOGY_PENDING)


def test_an_aborted_attempt_is_no_biopsy_and_the_finding_stays_unsampled() -> None:
    workup = read(
        "fs.calc", -30, "DIAGNOSTIC MAMMOGRAM RIGHT",
        Findings="Right breast grouped amorphous calcifications in the upper outer quadrant over 6 mm.",
        Impression="BI-RADS 4B. Stereotactic biopsy is recommended.",
    )
    attempt = read(
        "fs.stx", -20, "STEREOTACTIC BIOPSY RIGHT BREAST",
        Procedure="Pt placed prone, 9 gauge vacuum device prepared. The calcifications could not be "
                  "visualised on the stereo scout pair despite repositioning. Procedure aborted, no samples "
                  "obtained, no clip placed.",
    )
    assert [p.state for p in attempt.procedures] == [ProcedureState.ATTEMPTED_NOT_PERFORMED]
    result = evaluate(case([workup, attempt]), DAY0)
    assert not opened(result, ItemKind.PATHOLOGY_PENDING), "no tissue was taken"
    assert not opened(result, ItemKind.SPECIMEN_RADIOGRAPH_MISSING)
    (unsampled,) = opened(result, ItemKind.UNSAMPLED_FINDING)
    assert unsampled.laterality is R and unsampled.finding_type is FindingType.CALCIFICATIONS


def test_doubt_after_a_biopsy_asks_a_person_to_correlate() -> None:
    biopsy = read(
        "fs.us2", -20, "US GUIDED CORE BIOPSY RIGHT BREAST",
        Procedure="Ultrasound-guided 14 gauge core biopsy of the right 10 o'clock mass, 4 cores. Clip placed.",
        Impression="Unclear whether the biopsied mass accounts for the mammographic asymmetry.",
    )
    result = evaluate(case([_workup(), biopsy]), DAY0)
    assert opened(result, ItemKind.CORRELATION_REVIEW)


def test_a_lump_left_open_asks_which_finding_until_the_biopsy_report_says() -> None:
    workup = read(
        "fs.lump", -30, "DIAGNOSTIC MAMMOGRAM AND ULTRASOUND RIGHT",
        History="52-year-old with a palpable lump in the right breast, upper outer region.",
        Findings="Right breast focal asymmetry in the upper outer quadrant. Ultrasound: 8 mm irregular "
                 "hypoechoic mass at 10 o'clock, 6 cm from the nipple.",
        Impression="BI-RADS 4B. Ultrasound-guided biopsy of the right 10 o'clock mass.",
    )
    assert opened(evaluate(case([workup]), day(-25)), ItemKind.PALPABLE_CORRELATION)
    biopsy = read(
        "fs.lumpbx", -20, "US GUIDED CORE BIOPSY RIGHT BREAST",
        Indication="Palpable lump in the right breast; right 10 o'clock mass.",
        Procedure="14 gauge core biopsy of the right 10 o'clock mass, 5 cores. Clip placed.",
        Impression="The palpable abnormality corresponds to the biopsied mass.",
    )
    result = evaluate(case([workup, biopsy]), DAY0)
    assert not opened(result, ItemKind.PALPABLE_CORRELATION)
    assert closed(result, ItemKind.PALPABLE_CORRELATION)


def _wrong_side_report() -> ReportFacts:
    return read(
        "fs.side", -30, "DIAGNOSTIC MAMMOGRAM AND ULTRASOUND",
        Findings="Right breast: 12 mm irregular mass at 2 o'clock, 5 cm from the nipple. Left breast: "
                 "scattered fibroglandular tissue.",
        Impression="BI-RADS 4B. Ultrasound-guided biopsy of the right 2 o'clock mass.",
    )


def test_a_side_corrected_in_an_addendum_leaves_only_the_breast_meant_open() -> None:
    report = _wrong_side_report()
    addendum = read("fs.side.add", -29, "ADDENDUM", "fs.side",
                    Addendum="Laterality error in the original dictation. All references to the right "
                             "breast should read LEFT breast.")
    before = evaluate(case([report, addendum]), day(-29.5))
    assert [i.laterality for i in opened(before, ItemKind.UNSAMPLED_FINDING)] == [R], "as first written"
    after = evaluate(case([report, addendum]), DAY0)
    assert [i.laterality for i in opened(after, ItemKind.UNSAMPLED_FINDING)] == [L]
    biopsy = read("fs.side.bx", -20, "US CORE BIOPSY LEFT BREAST",
                  Procedure="US guided 14g core biopsy of the left 2 o'clock mass, 4 cores. Clip placed.")
    done = evaluate(case([report, addendum, biopsy]), DAY0)
    assert not opened(done, ItemKind.UNSAMPLED_FINDING)
    assert not opened(done, ItemKind.CORRELATION_REVIEW)


def test_a_site_corrected_in_an_addendum_lets_the_biopsy_of_the_site_meant_match() -> None:
    report = read(
        "fs.site", -30, "ULTRASOUND RIGHT BREAST",
        Findings="Right breast 8 mm irregular hypoechoic mass at 1 o'clock, 4 cm from the nipple.",
        Impression="BI-RADS 4A. Ultrasound-guided biopsy.",
    )
    addendum = read("fs.site.add", -29, "ADDENDUM", "fs.site",
                    Addendum="Addendum: correction, the mass is at 11 o'clock not 1 o'clock.")
    biopsy = read("fs.site.bx", -20, "US CORE BIOPSY RIGHT BREAST",
                  Procedure="US guided 14g core biopsy of the right 11 o'clock mass, 4 cores. Clip placed.")
    uncorrected = evaluate(case([report, biopsy]), DAY0)
    assert opened(uncorrected, ItemKind.UNSAMPLED_FINDING), "1 and 11 o'clock are two places"
    result = evaluate(case([report, addendum, biopsy]), DAY0)
    assert not opened(result, ItemKind.UNSAMPLED_FINDING)
    assert closed(result, ItemKind.UNSAMPLED_FINDING)
