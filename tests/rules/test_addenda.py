"""Addenda arrive as whole documents: what they repeat of the amended report is not said again."""

from __future__ import annotations

from datetime import UTC, datetime

from rules.addenda import corrected, own_statements
from rules.anatomy import Laterality, Location
from rules.facts import (
    ConcordanceStatement,
    ConcordanceVerdict,
    Correction,
    CorrectionKind,
    Evidence,
    FindingMention,
    FindingType,
    PathologyCategory,
    PathologySpecimen,
    Recommendation,
    RecommendationKind,
    ReportFacts,
    ReportKind,
)

LEFT = Laterality.LEFT
BENIGN = "Left breast 2:00, core biopsy: fibroadenoma."
CONCORDANT = "Benign, concordant. Return to annual screening."
CORRECTED = "CORRECTION after rad-path conference: the result is NOT concordant; excision advised."


def _specimen(uid: str) -> PathologySpecimen:
    return PathologySpecimen(PathologyCategory.BENIGN, LEFT, Evidence(uid, BENIGN))


def _verdict(uid: str, verdict: ConcordanceVerdict, text: str) -> ConcordanceStatement:
    return ConcordanceStatement(verdict, LEFT, Evidence(uid, text))


def _report(uid: str, day: int, amends: tuple[str, ...] = (), *,
            pathology: tuple[PathologySpecimen, ...] = (),
            concordance: tuple[ConcordanceStatement, ...] = ()) -> ReportFacts:
    return ReportFacts(uid, ReportKind.PATHOLOGY, datetime(2026, 3, day, tzinfo=UTC),
                       predecessor_uids=amends, pathology=pathology, concordance=concordance)


def test_a_correction_of_a_correction_keeps_only_its_own_verdict() -> None:
    path = _report("p", 1, pathology=(_specimen("p"),))
    # Each addendum: its own text, then the whole document it amends.
    first = _report("a1", 3, ("p",), pathology=(_specimen("a1"),),
                    concordance=(_verdict("a1", ConcordanceVerdict.CONCORDANT_BENIGN, CONCORDANT),))
    second = _report("a2", 9, ("a1",), pathology=(_specimen("a2"),), concordance=(
        _verdict("a2", ConcordanceVerdict.DISCORDANT, CORRECTED),
        _verdict("a2", ConcordanceVerdict.CONCORDANT_BENIGN, CONCORDANT),
    ))
    kept = {report.source_uid: report for report in own_statements([second, path, first])}
    assert [s.verdict for s in kept["a2"].concordance] == [ConcordanceVerdict.DISCORDANT]
    assert kept["a2"].pathology == (), "the specimen was reported in the amended documents"
    assert kept["a1"].concordance == first.concordance, "the first addendum's own verdict stands"
    assert kept["a1"].pathology == ()
    assert kept["p"] == path


def test_a_sentence_the_addendum_states_anew_still_counts() -> None:
    path = _report("p", 1, pathology=(_specimen("p"),),
                   concordance=(_verdict("p", ConcordanceVerdict.CONCORDANT_BENIGN, CONCORDANT),))
    # Said once by the addendum itself and once more in the repeated original.
    addendum = _report("a", 4, ("p",), concordance=(
        _verdict("a", ConcordanceVerdict.CONCORDANT_BENIGN, CONCORDANT),
        _verdict("a", ConcordanceVerdict.CONCORDANT_BENIGN, CONCORDANT),
    ))
    [_, kept] = own_statements([path, addendum])
    assert len(kept.concordance) == 1


def test_an_addendum_whose_original_is_missing_is_read_as_it_came() -> None:
    addendum = _report("a", 4, ("not-received",), pathology=(_specimen("a"),), concordance=(
        _verdict("a", ConcordanceVerdict.CONCORDANT_BENIGN, CONCORDANT),))
    assert own_statements([addendum]) == (addendum,)


# --- corrections ------------------------------------------------------------------------------------

RIGHT = Laterality.RIGHT


def _mention(uid: str, kind: FindingType, side: Laterality, text: str, clock: float | None = None) -> FindingMention:
    return FindingMention(kind, side, Evidence(uid, text), Location(clock=clock))


def _radiology(uid: str, day: int, amends: tuple[str, ...] = (), **parts: object) -> ReportFacts:
    return ReportFacts(uid, ReportKind.RADIOLOGY, datetime(2026, 3, day, tzinfo=UTC),
                       predecessor_uids=amends, **parts)  # type: ignore[arg-type]


def test_a_side_correction_moves_everything_said_of_that_breast() -> None:
    report = _radiology("r", 1, findings=(_mention("r", FindingType.MASS, RIGHT, "Right 2:00 mass.", 2),),
                        recommendations=(Recommendation(RecommendationKind.BIOPSY, RIGHT, Evidence("r", "US bx.")),))
    fix = Correction(CorrectionKind.LATERALITY, Evidence("a", "Should read left."), laterality=LEFT)
    addendum = _radiology("a", 2, ("r",), corrections=(fix,))
    fixed = {r.source_uid: r for r in corrected([report, addendum])}["r"]
    assert [f.laterality for f in fixed.findings] == [LEFT]
    assert [r.laterality for r in fixed.recommendations] == [LEFT]
    assert {r.source_uid: r for r in corrected([report])}["r"] == report, "no addendum, no change"


def test_a_side_correction_naming_one_finding_leaves_the_others_of_that_breast() -> None:
    report = _radiology("r", 1, findings=(
        _mention("r", FindingType.MASS, RIGHT, "Right 2:00 mass.", 2),
        _mention("r", FindingType.CALCIFICATIONS, RIGHT, "Right UOQ calcifications."),
    ))
    fix = Correction(CorrectionKind.LATERALITY, Evidence("a", "The mass is in the left breast."),
                     laterality=LEFT, was_laterality=RIGHT, subject=FindingType.MASS)
    fixed = {r.source_uid: r for r in corrected([report, _radiology("a", 2, ("r",), corrections=(fix,))])}["r"]
    assert [(f.type, f.laterality) for f in fixed.findings] == [
        (FindingType.MASS, LEFT), (FindingType.CALCIFICATIONS, RIGHT)]


def test_site_and_finding_corrections_replace_the_values_they_name() -> None:
    report = _radiology("r", 1, findings=(_mention("r", FindingType.MASS, RIGHT, "Right 1:00 mass.", 1),))
    site = Correction(CorrectionKind.LOCATION, Evidence("a", "At 11 o'clock not 1 o'clock."),
                      location=Location(clock=11), was_location=Location(clock=1))
    kind = Correction(CorrectionKind.FINDING_TYPE, Evidence("a", "Focal asymmetry rather than mass."),
                      finding_type=FindingType.FOCAL_ASYMMETRY, was_finding_type=FindingType.MASS)
    fixed = {r.source_uid: r for r in corrected([report, _radiology("a", 2, ("r",), corrections=(site, kind))])}["r"]
    (finding,) = fixed.findings
    assert finding.location.clock == 11 and finding.type is FindingType.FOCAL_ASYMMETRY
