"""Addenda arrive as whole documents: what they repeat of the amended report is not said again."""

from __future__ import annotations

from datetime import UTC, datetime

from rules.addenda import own_statements
from rules.anatomy import Laterality
from rules.facts import (
    ConcordanceStatement,
    ConcordanceVerdict,
    Evidence,
    PathologyCategory,
    PathologySpecimen,
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
