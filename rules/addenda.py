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

from rules.anatomy import Laterality, Location
from rules.facts import Correction, CorrectionKind, FindingType, ReportFacts
from rules.geometry import same_family

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


# --- corrections ------------------------------------------------------------------------------------
# An addendum that corrects the side, the site or the finding of the report it amends replaces what
# it corrects: the amended report (and the addendum's own restated text) is read as corrected from
# the moment the addendum exists. Without it, a side dictated wrongly leaves both breasts open.

_SIDED = ("findings", "assessments", "recommendations", "procedures", "correspondences", "not_feasible",
          "pathology", "concordance", "palpable")
# the field that names a fact's finding type, and the one that holds its place
_TYPE_FIELD = {"findings": "type", "assessments": "finding_type", "recommendations": "target_type",
               "procedures": "target_type"}
_PLACE_FIELD = {"findings": "location", "assessments": "location", "recommendations": "target_location",
                "procedures": "target_location"}


def _fact_type(part: str, fact: Any) -> FindingType | None:
    name = _TYPE_FIELD.get(part)
    value = getattr(fact, name) if name else None
    return value if isinstance(value, FindingType) else None


def _about(subject: FindingType | None, part: str, fact: Any) -> bool:
    """Whether a fact is about the corrected finding (every fact is, when none is named)."""
    if subject is None:
        return True
    kind = _fact_type(part, fact)
    return kind is not None and same_family(kind, subject)


def _side_scope_is_whole(report: ReportFacts, c: Correction, was: Laterality) -> bool:
    """A side correction naming one finding moves only that finding's facts when the amended report
    describes other findings in that breast too; otherwise everything said of that breast moves."""
    if c.subject is None:
        return True
    return all(same_family(f.type, c.subject) for f in report.findings if f.laterality is was)


def _corrected_side(report: ReportFacts, c: Correction, skip: frozenset[str]) -> ReportFacts:
    meant = c.laterality
    if meant is None or meant is Laterality.BOTH:
        return report
    was = c.was_laterality or (Laterality.LEFT if meant is Laterality.RIGHT else Laterality.RIGHT)
    if was is meant:
        return report
    whole = _side_scope_is_whole(report, c, was)
    changes: dict[str, Any] = {}
    for part in _SIDED:
        facts = getattr(report, part)
        new = tuple(
            replace(f, laterality=meant)
            if f.laterality is was and f.evidence.text not in skip and (whole or _about(c.subject, part, f))
            else f
            for f in facts
        )
        if new != facts:
            changes[part] = new
    return replace(report, **changes) if changes else report


def _place_fits(place: Location, was: Location) -> bool:
    if was.clock is not None and place.clock != was.clock:
        return False
    return was.depth is None or place.depth is was.depth


def _corrected_place(report: ReportFacts, c: Correction, skip: frozenset[str]) -> ReportFacts:
    meant = c.location
    if meant.is_empty:
        return report
    named_was = not c.was_location.is_empty
    candidates = [f for f in report.findings if _about(c.subject, "findings", f) and f.evidence.text not in skip]
    if not named_was and len({(f.type, f.laterality) for f in candidates}) != 1:
        return report  # which finding's place is meant cannot be told: leave the report as it was
    changes: dict[str, Any] = {}
    for part, name in _PLACE_FIELD.items():
        facts = getattr(report, part)
        new = []
        for f in facts:
            place = getattr(f, name)
            if (f.evidence.text not in skip and _about(c.subject, part, f)
                    and (_place_fits(place, c.was_location) if named_was else not place.is_empty or part == "findings")):
                place = replace(place, clock=meant.clock if meant.clock is not None else place.clock,
                                depth=meant.depth if meant.depth is not None else place.depth)
                f = replace(f, **{name: place})
            new.append(f)
        if tuple(new) != facts:
            changes[part] = tuple(new)
    return replace(report, **changes) if changes else report


def _corrected_type(report: ReportFacts, c: Correction, skip: frozenset[str]) -> ReportFacts:
    meant, was = c.finding_type, c.was_finding_type
    if meant is None or was is None:
        return report
    changes: dict[str, Any] = {}
    for part, name in _TYPE_FIELD.items():
        facts = getattr(report, part)
        new = tuple(
            replace(f, **{name: meant}) if getattr(f, name) is was and f.evidence.text not in skip else f
            for f in facts
        )
        if new != facts:
            changes[part] = new
    return replace(report, **changes) if changes else report


_APPLY = {
    CorrectionKind.LATERALITY: _corrected_side,
    CorrectionKind.LOCATION: _corrected_place,
    CorrectionKind.FINDING_TYPE: _corrected_type,
}


def corrected(reports: Sequence[ReportFacts]) -> list[ReportFacts]:
    """The reports with the corrections of the addenda among them applied to what they amend.

    Each correction rewrites the documents its addendum amends, and the addendum's own sentences
    other than the correction itself (a whole-document addendum repeats the amended text). Only
    addenda present count, so before an addendum is signed the report reads as first written."""
    if not any(r.corrections for r in reports):
        return list(reports)
    by_uid = {r.source_uid: r for r in reports}
    for addendum in reports:
        if not addendum.corrections or not addendum.predecessor_uids:
            continue
        own = frozenset(c.evidence.text for c in addendum.corrections)
        for c in addendum.corrections:
            apply = _APPLY[c.kind]
            for uid in (*addendum.predecessor_uids, addendum.source_uid):
                target = by_uid.get(uid)
                if target is not None:
                    by_uid[uid] = apply(target, c, own if uid == addendum.source_uid else frozenset())
    return [by_uid[r.source_uid] for r in reports]
