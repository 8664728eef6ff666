"""Addenda sent whole: the sentences an addendum only repeats from the report it amends.

Report systems send an addendum as the whole document: its own text, then the amended report's.
The repeated sentences were stated when the amended report was signed. Read again at the
addendum's time they would become the latest word, and a verdict the addendum corrects
('concordant', then 'discordant' after the rad-path conference) would win again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rules.facts import ReportFacts

STATED = ("findings", "assessments", "recommendations", "procedures", "correspondences",
          "not_feasible", "pathology", "concordance", "palpable", "completed_steps")
"""The facts of a report that quote their sentence (``evidence``), so an addendum may repeat them."""


def without_restated(addendum: ReportFacts, amended: Sequence[ReportFacts]) -> ReportFacts:
    """The addendum without the facts it only repeats from the documents it amends.

    One occurrence is dropped per sentence the amended documents state, from the end (where a
    whole-document addendum carries the amended text), so a sentence the addendum states anew
    still counts."""
    changes: dict[str, Any] = {}  # field name -> the kept facts, for dataclasses.replace
    for name in STATED:
        repeated = Counter(fact.evidence.text for document in amended
                           for fact in getattr(document, name))
        if not repeated:
            continue
        kept: list[Any] = []
        for fact in reversed(getattr(addendum, name)):
            if repeated[fact.evidence.text] > 0:
                repeated[fact.evidence.text] -= 1
            else:
                kept.append(fact)
        changes[name] = tuple(reversed(kept))
    return replace(addendum, **changes) if changes else addendum


def own_statements(reports: Sequence[ReportFacts]) -> tuple[ReportFacts, ...]:
    """Every report as given, each addendum without what it repeats of the documents present that
    it amends (compared with their facts as read, which include what they themselves repeat)."""
    by_uid = {report.source_uid: report for report in reports}
    return tuple(
        without_restated(report, amended)
        if (amended := [by_uid[uid] for uid in report.predecessor_uids
                        if uid in by_uid and uid != report.source_uid])
        else report
        for report in reports
    )
