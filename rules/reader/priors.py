"""Outside priors on hand: a report saying the earlier examinations asked for have arrived or were
compared ("Outside mammograms from Riverbend Radiology now available", "the asymmetry is unchanged
compared with the outside study"). A request for them is a recommendation (``recommendations.py``)."""

from __future__ import annotations

import re

from rules.facts import Evidence
from rules.lexicon import any_match, pattern_list
from rules.reader.context import ReportText

_CLAUSE = re.compile(r";|\bbut\b|\bhowever\b|\bwhereas\b")
# Every mention of earlier examinations has one of these words; most sentences have none.
_MAY_NAME_PRIORS = re.compile(r"prior|outside|old|previous|earlier|remote|external|from")


def read_outside_priors_received(report: ReportText) -> list[Evidence]:
    """The sentences that say outside prior examinations are on hand."""
    out: list[Evidence] = []
    for i, sentence in enumerate(report.sentences):
        if not _MAY_NAME_PRIORS.search(sentence.text):
            continue
        listed = sentence.section == "comparison"
        if any(_received(clause, listed) for clause in _CLAUSE.split(sentence.text)):
            out.append(report.evidence(i))
    return out


def _received(clause: str, listed: bool) -> bool:
    """``listed``: the clause is in a Comparison section, where naming a study says it was compared."""
    named = bool(any_match(pattern_list("terms.yaml", "outside_priors_named"), clause))
    if not named and not any_match(pattern_list("terms.yaml", "outside_priors_maybe_own"), clause):
        return False
    if any_match(pattern_list("terms.yaml", "outside_priors_not_received"), clause):
        return False
    arrived = bool(any_match(pattern_list("terms.yaml", "outside_priors_arrived"), clause))
    if named:
        return listed or arrived or bool(any_match(pattern_list("terms.yaml", "outside_priors_compared"), clause))
    return arrived
